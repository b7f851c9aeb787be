-- Every mention's offsets slice its field to exactly its surface text: returns the rows that don't.
-- Scope: written. A run checks the parts it wrote: a mention is always written in the part of its
-- article, and unchanged parts are links to parts that passed this check when written.
select mention.*
from mention
inner join article using (article_id)
where substring(
        case mention.field when 'title' then article.title else article.body end,
        mention.start + 1,
        mention."end" - mention.start
    ) is distinct from mention.surface
    or mention.field not in ('title', 'body')
