-- Mentions per country per day, with the share of that day's articles that name the country.
-- Grain: one row per day and country. The day is published_date, or the capture day when unknown.
-- stories counts copies of one piece once.
with articles as (
    select article_id, day, article_story.story_id
    from article_day
    inner join article_story using (article_id)
),

day_totals as (
    select day, count(*) as day_articles from articles group by day
),

per_day as (
    select
        articles.day,
        mention.country_code,
        count(*) as mentions,
        count(distinct mention.article_id) as articles,
        count(distinct articles.story_id) as stories
    from mention
    inner join articles using (article_id)
    group by articles.day, mention.country_code
),

final as (
    select
        per_day.day,
        per_day.country_code,
        coalesce(country.country, per_day.country_code) as country,
        per_day.mentions,
        per_day.articles,
        per_day.articles / day_totals.day_articles as share,
        per_day.stories
    from per_day
    inner join day_totals using (day)
    left join country using (country_code)
)

select * from final
order by day, articles desc, country_code
