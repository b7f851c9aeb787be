-- Who is in the news: each person by canonical name, with the articles and mentions naming them.
-- Grain: one row per person name.
select
    entity.name,
    count(distinct entity.article_id) as articles,
    count(*) as mentions,
    min(article_day.day) as first_day,
    max(article_day.day) as last_day
from entity
inner join article_day using (article_id)
where entity.kind = 'person'
group by entity.name
order by articles desc, mentions desc, entity.name
