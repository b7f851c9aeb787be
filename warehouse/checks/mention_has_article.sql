-- Every mention points to an article: returns orphan mentions.
select mention.*
from mention
anti join article using (article_id)
