-- Staging: every country or place named in an article, with offsets into its title or body.
-- Grain: one row per mention.
select * from {{mention}}
