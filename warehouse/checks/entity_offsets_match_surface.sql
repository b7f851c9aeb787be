-- Every entity's offsets slice its field to exactly its surface text: returns the rows that don't.
-- Scope: written. A run checks the parts it wrote: an entity is always written in the part of its
-- article, and unchanged parts are links to parts that passed this check when written.
select entity.*
from entity
inner join article using (article_id)
where substring(
        case entity.field when 'title' then article.title else article.body end,
        entity.start + 1,
        entity."end" - entity.start
    ) is distinct from entity.surface
    or entity.field not in ('title', 'body')
    or entity.kind not in ('person', 'organization')
