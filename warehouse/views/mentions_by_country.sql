-- Mention frequency per country: mentions, articles naming it, and their share of all articles.
-- Grain: one row per country (ISO 3166-1 alpha-2).
with mentions as (
    select article_id, country_code from mention
),

all_articles as (
    select count(*) as articles from article
),

per_country as (
    select
        country_code,
        count(*) as mentions,
        count(distinct article_id) as articles
    from mentions
    group by country_code
),

final as (
    select
        per_country.country_code,
        coalesce(country.country, per_country.country_code) as country,
        per_country.mentions,
        per_country.articles,
        per_country.articles / nullif(all_articles.articles, 0) as share
    from per_country
    cross join all_articles
    left join country using (country_code)
)

select * from final
order by articles desc, mentions desc, country_code
