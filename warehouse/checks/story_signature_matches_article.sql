-- Every story signature belongs to a kept article and agrees on its story: returns the others.
-- Scope: written. A signature is always written in the part of its article, so a run checks only
-- the parts it wrote (a renamed story rewrites the parts it touches).
select story_signature.article_id, story_signature.story_id, article.story_id as article_story
from story_signature
left join article using (article_id)
where article.article_id is null or article.story_id is distinct from story_signature.story_id
