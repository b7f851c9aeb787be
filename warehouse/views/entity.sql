-- Staging: every person and organization named in an article, with offsets into its title or body.
-- Grain: one row per entity mention.
select * from {{entity}}
