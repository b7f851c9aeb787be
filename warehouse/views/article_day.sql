-- Each article's day: its published_date, or the day it was first captured when no date is known.
-- Grain: one row per article.
select
    article_id,
    coalesce(published_date, cast(first_seen_at as date)) as day
from article
