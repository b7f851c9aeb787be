-- Persons and organizations per day: how many of the day's articles name each.
-- Grain: one row per day, kind and name.
select
    article_day.day,
    entity.kind,
    entity.name,
    count(distinct entity.article_id) as articles
from entity
inner join article_day using (article_id)
group by all
order by article_day.day, articles desc, entity.kind, entity.name
