-- Each article's UTC day: its published_date, or the day it was first captured when undated.
-- Grain: one row per article.
select
    article_id,
    coalesce(published_date, cast(timezone('UTC', first_seen_at) as date)) as day
from article
