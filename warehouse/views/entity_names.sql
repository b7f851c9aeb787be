-- Persons and organizations by canonical name: the articles and mentions naming each, first and last day.
-- Grain: one row per kind (person or organization) and name.
select
    entity.kind,
    entity.name,
    count(distinct entity.article_id) as articles,
    count(*) as mentions,
    min(article_day.day) as first_day,
    max(article_day.day) as last_day
from entity
inner join article_day using (article_id)
group by entity.kind, entity.name
