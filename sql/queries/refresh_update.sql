-- Rewrite the rows whose metrics changed: every column but the key is set from ca_new, and
-- a row is touched only when one of the 84 metric columns (all but the key and computed_at)
-- or the clock (next_event_at, next_change_at) IS DISTINCT FROM its new value. computed_at only restates as_of, so it
-- does not count as a change, but a rewritten row gets the run's as_of. next_change_at
-- counts: a row whose clock moved on must say so, or it would stay due.
--
-- The previous version of each rewritten row goes to the undo log of run $1. Every part of
-- one statement sees the same snapshot, so the outer SELECT reads customer_analytics as it
-- was before the UPDATE in the WITH clause. The row count is the number updated.
WITH upd AS (
UPDATE customer_analytics t
   SET (
        display_name, email_normalized, phone_e164, creation_source, email_unsubscribed,
        client_created_at, has_client_record, first_booking_at, first_visit_location_id,
        first_booking_created_at, last_visit_at, next_booking_at, last_booking_created_at,
        last_cancelled_at, last_no_show_at, days_since_last_visit, tenure_days,
        total_bookings, total_accepted_bookings, visits_total, upcoming_count,
        cancelled_by_customer_count, cancelled_by_seller_count, declined_count,
        no_show_count, pending_count, no_show_rate, cancel_rate, visits_30d, visits_90d,
        visits_365d, visits_prev_365d, no_shows_365d, cancellations_365d,
        bookings_created_30d, gross_spend_cents, tips_cents, refunded_cents,
        net_spend_cents, net_spend_30d_cents, net_spend_90d_cents, net_spend_365d_cents,
        paid_visits, avg_ticket_cents, avg_tip_pct, last_payment_at, unpaid_visits,
        projected_12m_value_cents, avg_days_between_visits, median_days_between_visits,
        last_gap_days, expected_interval_days, expected_next_visit_at, lapse_ratio,
        visits_per_year, avg_lead_time_hours, favourite_location_id, favourite_staff_id,
        favourite_staff_share, favourite_service_id, favourite_weekday, favourite_hour,
        distinct_locations, distinct_staff, avg_duration_minutes, avg_party_size,
        total_covers, online_booking_share, first_booking_source, rebook_rate_24h,
        last_visit_rebooked, referred_by_customer_id, referrals_made, referrals_converted,
        loyalty_points_earned, loyalty_points_earned_365d, loyalty_points_balance,
        loyalty_last_earned_at, r_score, f_score, m_score, rfm_code, segment, is_vip,
        computed_at, next_event_at, next_change_at
       ) = (
        n.display_name, n.email_normalized, n.phone_e164, n.creation_source,
        n.email_unsubscribed, n.client_created_at, n.has_client_record, n.first_booking_at,
        n.first_visit_location_id, n.first_booking_created_at, n.last_visit_at,
        n.next_booking_at, n.last_booking_created_at, n.last_cancelled_at,
        n.last_no_show_at, n.days_since_last_visit, n.tenure_days, n.total_bookings,
        n.total_accepted_bookings, n.visits_total, n.upcoming_count,
        n.cancelled_by_customer_count, n.cancelled_by_seller_count, n.declined_count,
        n.no_show_count, n.pending_count, n.no_show_rate, n.cancel_rate, n.visits_30d,
        n.visits_90d, n.visits_365d, n.visits_prev_365d, n.no_shows_365d,
        n.cancellations_365d, n.bookings_created_30d, n.gross_spend_cents, n.tips_cents,
        n.refunded_cents, n.net_spend_cents, n.net_spend_30d_cents, n.net_spend_90d_cents,
        n.net_spend_365d_cents, n.paid_visits, n.avg_ticket_cents, n.avg_tip_pct,
        n.last_payment_at, n.unpaid_visits, n.projected_12m_value_cents,
        n.avg_days_between_visits, n.median_days_between_visits, n.last_gap_days,
        n.expected_interval_days, n.expected_next_visit_at, n.lapse_ratio,
        n.visits_per_year, n.avg_lead_time_hours, n.favourite_location_id,
        n.favourite_staff_id, n.favourite_staff_share, n.favourite_service_id,
        n.favourite_weekday, n.favourite_hour, n.distinct_locations, n.distinct_staff,
        n.avg_duration_minutes, n.avg_party_size, n.total_covers, n.online_booking_share,
        n.first_booking_source, n.rebook_rate_24h, n.last_visit_rebooked,
        n.referred_by_customer_id, n.referrals_made, n.referrals_converted,
        n.loyalty_points_earned, n.loyalty_points_earned_365d, n.loyalty_points_balance,
        n.loyalty_last_earned_at, n.r_score, n.f_score, n.m_score, n.rfm_code, n.segment,
        n.is_vip, n.computed_at, n.next_event_at, n.next_change_at
       )
  FROM ca_new n
 WHERE t.organization_id = n.organization_id
   AND t.square_customer_id = n.square_customer_id
   AND (
        t.display_name, t.email_normalized, t.phone_e164, t.creation_source,
        t.email_unsubscribed, t.client_created_at, t.has_client_record, t.first_booking_at,
        t.first_visit_location_id, t.first_booking_created_at, t.last_visit_at,
        t.next_booking_at, t.last_booking_created_at, t.last_cancelled_at,
        t.last_no_show_at, t.days_since_last_visit, t.tenure_days, t.total_bookings,
        t.total_accepted_bookings, t.visits_total, t.upcoming_count,
        t.cancelled_by_customer_count, t.cancelled_by_seller_count, t.declined_count,
        t.no_show_count, t.pending_count, t.no_show_rate, t.cancel_rate, t.visits_30d,
        t.visits_90d, t.visits_365d, t.visits_prev_365d, t.no_shows_365d,
        t.cancellations_365d, t.bookings_created_30d, t.gross_spend_cents, t.tips_cents,
        t.refunded_cents, t.net_spend_cents, t.net_spend_30d_cents, t.net_spend_90d_cents,
        t.net_spend_365d_cents, t.paid_visits, t.avg_ticket_cents, t.avg_tip_pct,
        t.last_payment_at, t.unpaid_visits, t.projected_12m_value_cents,
        t.avg_days_between_visits, t.median_days_between_visits, t.last_gap_days,
        t.expected_interval_days, t.expected_next_visit_at, t.lapse_ratio,
        t.visits_per_year, t.avg_lead_time_hours, t.favourite_location_id,
        t.favourite_staff_id, t.favourite_staff_share, t.favourite_service_id,
        t.favourite_weekday, t.favourite_hour, t.distinct_locations, t.distinct_staff,
        t.avg_duration_minutes, t.avg_party_size, t.total_covers, t.online_booking_share,
        t.first_booking_source, t.rebook_rate_24h, t.last_visit_rebooked,
        t.referred_by_customer_id, t.referrals_made, t.referrals_converted,
        t.loyalty_points_earned, t.loyalty_points_earned_365d, t.loyalty_points_balance,
        t.loyalty_last_earned_at, t.r_score, t.f_score, t.m_score, t.rfm_code, t.segment,
        t.is_vip, t.next_event_at, t.next_change_at
       ) IS DISTINCT FROM (
        n.display_name, n.email_normalized, n.phone_e164, n.creation_source,
        n.email_unsubscribed, n.client_created_at, n.has_client_record, n.first_booking_at,
        n.first_visit_location_id, n.first_booking_created_at, n.last_visit_at,
        n.next_booking_at, n.last_booking_created_at, n.last_cancelled_at,
        n.last_no_show_at, n.days_since_last_visit, n.tenure_days, n.total_bookings,
        n.total_accepted_bookings, n.visits_total, n.upcoming_count,
        n.cancelled_by_customer_count, n.cancelled_by_seller_count, n.declined_count,
        n.no_show_count, n.pending_count, n.no_show_rate, n.cancel_rate, n.visits_30d,
        n.visits_90d, n.visits_365d, n.visits_prev_365d, n.no_shows_365d,
        n.cancellations_365d, n.bookings_created_30d, n.gross_spend_cents, n.tips_cents,
        n.refunded_cents, n.net_spend_cents, n.net_spend_30d_cents, n.net_spend_90d_cents,
        n.net_spend_365d_cents, n.paid_visits, n.avg_ticket_cents, n.avg_tip_pct,
        n.last_payment_at, n.unpaid_visits, n.projected_12m_value_cents,
        n.avg_days_between_visits, n.median_days_between_visits, n.last_gap_days,
        n.expected_interval_days, n.expected_next_visit_at, n.lapse_ratio,
        n.visits_per_year, n.avg_lead_time_hours, n.favourite_location_id,
        n.favourite_staff_id, n.favourite_staff_share, n.favourite_service_id,
        n.favourite_weekday, n.favourite_hour, n.distinct_locations, n.distinct_staff,
        n.avg_duration_minutes, n.avg_party_size, n.total_covers, n.online_booking_share,
        n.first_booking_source, n.rebook_rate_24h, n.last_visit_rebooked,
        n.referred_by_customer_id, n.referrals_made, n.referrals_converted,
        n.loyalty_points_earned, n.loyalty_points_earned_365d, n.loyalty_points_balance,
        n.loyalty_last_earned_at, n.r_score, n.f_score, n.m_score, n.rfm_code, n.segment,
        n.is_vip, n.next_event_at, n.next_change_at
       )
RETURNING t.organization_id, t.square_customer_id
)
INSERT INTO analytics_undo_log (run_id, organization_id, square_customer_id, op, old_row)
SELECT $1::bigint, o.organization_id, o.square_customer_id, 'u', to_jsonb(o)
  FROM upd
  JOIN customer_analytics o USING (organization_id, square_customer_id);
