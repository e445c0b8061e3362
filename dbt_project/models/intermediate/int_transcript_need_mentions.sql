-- Needs mentioned in advisor calls and chats, per client and day. Only counts leave this model:
-- the transcript text itself (which can hold personal data) goes no further.
with interactions as (
    select * from {{ ref('stg_landing__service_interactions') }}
)

select
    client_id,
    occurred_on as activity_on,
    count(*) as interaction_count,
    {% for need in need_codes() %}
    sum(case when {{ mentions_need('transcript', need) }} then 1 else 0 end) as mentions_{{ need }}{% if not loop.last %},{% endif %}
    {% endfor %}
from interactions
group by client_id, occurred_on
