-- Staging: pipeline runs that changed the warehouse, with their counts.
-- Grain: one row per run.
select * from {{run}}
