-- Staging: each article's story signature (MinHash slots) as the story join stored it.
-- Grain: one row per article written since stories were kept.
select * from {{story_signature}}
