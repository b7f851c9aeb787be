-- article_id is unique: returns every id that appears more than once.
select article_id, count(*) as copies
from article
group by article_id
having count(*) > 1
