-- Staging: input that was refused, with the reason and where in the file.
-- Grain: one row per refused file, line or record.
select * from {{reject}}
