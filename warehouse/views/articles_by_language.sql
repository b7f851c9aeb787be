-- Articles per language, and each language's share of all articles.
-- Grain: one row per language (ISO 639-1; '(unknown)' when neither declared nor detected).
with articles as (
    select coalesce(language, '(unknown)') as language from article
),

final as (
    select
        language,
        count(*) as articles,
        count(*) / sum(count(*)) over () as share
    from articles
    group by language
)

select * from final
order by articles desc, language
