-- Sources by volume: unique articles per source, the days they cover, and how often they broke a story.
-- first_share: the share of the source's articles that were the first-seen copy of their story.
-- Grain: one row per source ('(unknown)' when the dump did not say).
with articles as (
    select
        coalesce(article.source, '(unknown)') as source,
        article_day.day,
        article_story.story_id = article.article_id as first_in_story
    from article
    inner join article_day using (article_id)
    inner join article_story using (article_id)
),

final as (
    select
        source,
        count(*) as articles,
        min(day) as first_day,
        max(day) as last_day,
        count(*) / sum(count(*)) over () as share,
        avg(first_in_story::int) as first_share
    from articles
    group by source
)

select * from final
order by articles desc, source
