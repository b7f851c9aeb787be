-- Coverage within one language: articles in it naming each country, and their share of its articles.
-- Grain: one row per language and country (ISO 3166-1 alpha-2); share is of that language's articles.
with articles as (
    select article_id, coalesce(language, '(unknown)') as language from article
),

language_totals as (
    select language, count(*) as language_articles from articles group by language
),

per_country as (
    select
        articles.language,
        mention.country_code,
        count(distinct mention.article_id) as articles
    from mention
    inner join articles using (article_id)
    group by articles.language, mention.country_code
),

final as (
    select
        per_country.language,
        per_country.country_code,
        coalesce(country.country, per_country.country_code) as country,
        per_country.articles,
        per_country.articles / language_totals.language_articles as share
    from per_country
    inner join language_totals using (language)
    left join country using (country_code)
)

select * from final
order by language, articles desc, country_code
