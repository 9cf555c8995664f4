-- The clock path of `refresh incremental` ($1 run id, $2 the run's pinned as_of or NULL):
-- the rows due at as_of only because a whole day has passed since their first or last visit
-- (next_change_at has come, next_event_at has not, and nothing is queued for them: so no
-- source value they read has changed). Their day counts and everything that follows from
-- them (analytics_scores, the same function refresh_compute.sql uses) are recomputed from
-- the row itself, without reading bookings or payments; every other column stays exact.
--
-- The undo log gets op 'c' with the old values of just those columns (restored over the row
-- by rollback_restore_clock.sql). The statement's row count is the number of rows updated.
WITH due AS (
    SELECT t.organization_id, t.square_customer_id, r.as_of, t.next_event_at, sc.*,
           jsonb_build_object(
               'days_since_last_visit', t.days_since_last_visit, 'tenure_days', t.tenure_days,
               'lapse_ratio', t.lapse_ratio, 'r_score', t.r_score, 'f_score', t.f_score,
               'm_score', t.m_score, 'rfm_code', t.rfm_code, 'segment', t.segment,
               'is_vip', t.is_vip, 'visits_per_year', t.visits_per_year,
               'computed_at', t.computed_at, 'next_change_at', t.next_change_at) AS old_row
      FROM customer_analytics t
      CROSS JOIN ca_run r
      CROSS JOIN LATERAL analytics_org_params(t.organization_id) g
      CROSS JOIN LATERAL analytics_scores(r.as_of, t.last_visit_at, t.first_booking_at,
                                          t.visits_total, t.visits_365d,
                                          t.net_spend_365d_cents, t.expected_interval_days,
                                          g.lost_after_days, g.r_days, g.f_visits,
                                          g.m_cents) sc
     WHERE t.next_change_at <= coalesce($2::timestamptz, now())
       AND NOT EXISTS (SELECT FROM ca_scope s
                        WHERE s.organization_id = t.organization_id
                          AND s.square_customer_id = t.square_customer_id)
), upd AS (
    UPDATE customer_analytics t
       SET (days_since_last_visit, tenure_days, lapse_ratio, r_score, f_score, m_score,
            rfm_code, segment, is_vip, visits_per_year, computed_at, next_change_at)
         = (d.days_since_last_visit, d.tenure_days, d.lapse_ratio, d.r_score, d.f_score,
            d.m_score, d.rfm_code, d.segment, d.is_vip, d.visits_per_year, d.as_of,
            least(d.next_tick_at, d.next_event_at))
      FROM due d
     WHERE t.organization_id = d.organization_id
       AND t.square_customer_id = d.square_customer_id
    RETURNING t.organization_id, t.square_customer_id
)
INSERT INTO analytics_undo_log (run_id, organization_id, square_customer_id, op, old_row)
SELECT $1::bigint, d.organization_id, d.square_customer_id, 'c', d.old_row
  FROM upd
  JOIN due d USING (organization_id, square_customer_id);
