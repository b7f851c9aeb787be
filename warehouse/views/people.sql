-- Who is in the news: each person by canonical name, with the articles and mentions naming them.
-- Grain: one row per person name.
select name, articles, mentions, first_day, last_day
from entity_names
where kind = 'person'
order by articles desc, mentions desc, name
