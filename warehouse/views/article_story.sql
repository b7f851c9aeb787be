-- Each article's story: its story_id, or the article itself when it was kept before stories were.
-- Grain: one row per article.
select
    article_id,
    coalesce(story_id, article_id) as story_id
from article
