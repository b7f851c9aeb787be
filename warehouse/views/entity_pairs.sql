-- Persons and organizations named together: how many articles name both.
-- Grain: one row per unordered pair of entities ((kind_a, name_a) < (kind_b, name_b)).
with article_entities as (
    select distinct article_id, kind, name from entity
),

final as (
    select
        a.kind as kind_a,
        a.name as name_a,
        b.kind as kind_b,
        b.name as name_b,
        count(*) as articles
    from article_entities as a
    inner join article_entities as b
        on a.article_id = b.article_id and (a.kind, a.name) < (b.kind, b.name)
    group by all
)

select * from final
order by articles desc, kind_a, name_a, kind_b, name_b
