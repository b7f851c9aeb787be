-- Every story signature belongs to a kept article and agrees on its story: returns the others.
select story_signature.article_id, story_signature.story_id, article.story_id as article_story
from story_signature
left join article using (article_id)
where article.article_id is null or article.story_id is distinct from story_signature.story_id
