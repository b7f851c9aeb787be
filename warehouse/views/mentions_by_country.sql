-- Mention frequency per country: mentions, articles naming it, and their share of all articles.
-- Grain: one row per country (ISO 3166-1 alpha-2). stories counts copies of one piece once.
with mentions as (
    select mention.article_id, mention.country_code, article_story.story_id
    from mention
    inner join article_story using (article_id)
),

all_articles as (
    select count(*) as articles from article
),

per_country as (
    select
        country_code,
        count(*) as mentions,
        count(distinct article_id) as articles,
        count(distinct story_id) as stories
    from mentions
    group by country_code
),

final as (
    select
        per_country.country_code,
        coalesce(country.country, per_country.country_code) as country,
        per_country.mentions,
        per_country.articles,
        per_country.articles / nullif(all_articles.articles, 0) as share,
        per_country.stories
    from per_country
    cross join all_articles
    left join country using (country_code)
)

select * from final
order by articles desc, mentions desc, country_code
