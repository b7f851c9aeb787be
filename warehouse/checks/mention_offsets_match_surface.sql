-- Every mention's offsets slice its field to exactly its surface text: returns the rows that don't.
select mention.*
from mention
inner join article using (article_id)
where substring(
        case mention.field when 'title' then article.title else article.body end,
        mention.start + 1,
        mention."end" - mention.start
    ) is distinct from mention.surface
    or mention.field not in ('title', 'body')
