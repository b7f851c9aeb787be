-- Organizations in the news: each by canonical name, with the articles and mentions naming it.
-- Grain: one row per organization name.
select name, articles, mentions, first_day, last_day
from entity_names
where kind = 'organization'
order by articles desc, mentions desc, name
