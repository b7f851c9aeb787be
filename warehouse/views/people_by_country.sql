-- People and the countries named in the same articles: how many articles name both.
-- Grain: one row per person name and country (ISO 3166-1 alpha-2).
with article_people as (
    select distinct article_id, name from entity where kind = 'person'
),

article_countries as (
    select distinct article_id, country_code from mention
),

pairs as (
    select
        article_people.name,
        article_countries.country_code,
        count(*) as articles
    from article_people
    inner join article_countries using (article_id)
    group by all
),

final as (
    select
        pairs.name,
        pairs.country_code,
        coalesce(country.country, pairs.country_code) as country,
        pairs.articles
    from pairs
    left join country using (country_code)
)

select * from final
order by articles desc, name, country_code
