-- What the coverage of each country is about: articles naming the country, per topic.
-- Grain: one row per country and IPTC topic; share is of the country's articles; stories counts
-- copies of one piece once.
with article_countries as (
    select distinct mention.article_id, mention.country_code, article_story.story_id
    from mention
    inner join article_story using (article_id)
),

country_totals as (
    select country_code, count(*) as country_articles
    from article_countries
    group by country_code
),

per_topic as (
    select
        article_countries.country_code,
        topic.topic_code,
        any_value(topic.topic) as topic,
        count(*) as articles,
        count(distinct article_countries.story_id) as stories
    from article_countries
    inner join topic using (article_id)
    group by article_countries.country_code, topic.topic_code
),

final as (
    select
        per_topic.country_code,
        coalesce(country.country, per_topic.country_code) as country,
        per_topic.topic_code,
        per_topic.topic,
        per_topic.articles,
        per_topic.articles / country_totals.country_articles as share,
        per_topic.stories
    from per_topic
    inner join country_totals using (country_code)
    left join country using (country_code)
)

select * from final
order by country_code, articles desc, topic_code
