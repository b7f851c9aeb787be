-- Sources by volume: unique articles per source and the days they cover.
-- Grain: one row per source ('(unknown)' when the dump did not say).
with articles as (
    select
        coalesce(article.source, '(unknown)') as source,
        article_day.day
    from article
    inner join article_day using (article_id)
),

final as (
    select
        source,
        count(*) as articles,
        min(day) as first_day,
        max(day) as last_day,
        count(*) / sum(count(*)) over () as share
    from articles
    group by source
)

select * from final
order by articles desc, source
