-- Staging: every unique article, one row per article_id, with its fullest text.
-- Grain: one row per article.
select * from {{article}}
