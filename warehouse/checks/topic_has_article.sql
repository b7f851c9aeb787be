-- Every topic row points to an article: returns orphan topic rows.
select topic.*
from topic
anti join article using (article_id)
