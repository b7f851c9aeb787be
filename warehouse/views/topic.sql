-- Staging: IPTC Media Topics assigned to each article, with score and rank.
-- Grain: one row per article and topic.
select * from {{topic}}
