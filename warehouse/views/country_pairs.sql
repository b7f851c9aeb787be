-- Countries mentioned together: how many articles name both, and how many stories.
-- Grain: one row per unordered pair of countries (country_code_a < country_code_b).
with article_countries as (
    select distinct mention.article_id, mention.country_code, article_story.story_id
    from mention
    inner join article_story using (article_id)
),

pairs as (
    select
        a.country_code as country_code_a,
        b.country_code as country_code_b,
        count(*) as articles,
        count(distinct a.story_id) as stories
    from article_countries as a
    inner join article_countries as b
        on a.article_id = b.article_id and a.country_code < b.country_code
    group by all
),

final as (
    select
        pairs.country_code_a,
        coalesce(ca.country, pairs.country_code_a) as country_a,
        pairs.country_code_b,
        coalesce(cb.country, pairs.country_code_b) as country_b,
        pairs.articles,
        pairs.stories
    from pairs
    left join country as ca on ca.country_code = pairs.country_code_a
    left join country as cb on cb.country_code = pairs.country_code_b
)

select * from final
order by articles desc, country_code_a, country_code_b
