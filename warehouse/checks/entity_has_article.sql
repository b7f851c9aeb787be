-- Every entity row points to an article: returns orphan entity rows.
select entity.*
from entity
anti join article using (article_id)
