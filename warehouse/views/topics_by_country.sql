-- What the coverage of each country is about: articles naming the country, per topic.
-- Grain: one row per country and IPTC topic; share is of the country's articles.
with article_countries as (
    select distinct article_id, country_code from mention
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
        count(*) as articles
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
        per_topic.articles / country_totals.country_articles as share
    from per_topic
    inner join country_totals using (country_code)
    left join country using (country_code)
)

select * from final
order by country_code, articles desc, topic_code
