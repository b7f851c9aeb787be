-- How much of each day's news is about each IPTC topic.
-- Grain: one row per day and topic; share is of that day's articles.
with articles as (
    select article_id, day from article_day
),

day_totals as (
    select day, count(*) as day_articles from articles group by day
),

per_topic as (
    select
        articles.day,
        topic.topic_code,
        any_value(topic.topic) as topic,
        count(*) as articles
    from topic
    inner join articles using (article_id)
    group by articles.day, topic.topic_code
),

final as (
    select
        per_topic.day,
        per_topic.topic_code,
        per_topic.topic,
        per_topic.articles,
        per_topic.articles / day_totals.day_articles as share
    from per_topic
    inner join day_totals using (day)
)

select * from final
order by day, articles desc, topic_code
