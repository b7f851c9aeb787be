-- Why input was refused: refusals and distinct raw files per reason.
-- Grain: one row per reject reason.
with final as (
    select
        reason,
        count(*) as rejects,
        count(distinct path) as dumps,
        any_value(detail) as example_detail
    from reject
    group by reason
)

select * from final
order by rejects desc, reason
