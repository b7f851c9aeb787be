-- Stories: copies of one piece (syndicated, edited, cut or teased) counted once.
-- Grain: one row per story; story_id is the article_id of its first-seen article.
with articles as (
    select
        article_story.story_id,
        article.article_id,
        article.title,
        article.body_chars,
        article.source,
        article.wire_service,
        cast(timezone('UTC', article.first_seen_at) as date) as first_seen_day
    from article
    inner join article_story using (article_id)
),

final as (
    select
        story_id,
        first(title order by body_chars desc, article_id) as title,
        min(first_seen_day) as first_seen_day,
        count(*) as articles,
        count(distinct source) as sources,
        mode(wire_service) as wire_service
    from articles
    group by story_id
)

select * from final
order by articles desc, story_id
