-- Staging: the manifest of raw files seen, with format, status and counts.
-- Grain: one row per raw file (its latest content).
select * from {{dump}}
