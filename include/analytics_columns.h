/* SPDX-License-Identifier: ISC */
/*
 * The column registry: every column of customer_analytics, once, in the order readers see
 * them, with its SQL type and where its value comes from; then the aggregates of
 * daemon/agg.c that only feed other columns. Definitions: docs/METRICS.md, by the numbers
 * in the comments.
 *
 * customer_analytics is a view (migration 0013) over the table customer_analytics_stored:
 * the columns that depend only on the row's stored values, the organization's settings and
 * the instant are evaluated when read (READ), the others are stored by a run. The stored
 * table has the KEY, SQL, AGG, RUN and HIDE rows, in this order.
 *
 * Everything that lists columns is made from this file, never kept in step by hand:
 * struct agg_result's fields (daemon/agg.h), the encoder of ca_agg's rows
 * (daemon/stream.c), and, through tools/gen-sql.c at build time, the ca_agg table, the
 * aggregates' pass-through into ca_new and the column lists of the update and the insert
 * (the sql/queries/ *.sql.in templates). t_columns checks the view and the stored table
 * the migrations made against this list, by name, type and position.
 *
 * Each list is an X-macro: the caller defines what a row becomes.
 *
 *   KEY(name, type)          the primary key, from the run's scope
 *   SQL(name, type)          computed in sql/queries/refresh_compute.sql.in, by name
 *   AGG(name, type, kind, has, none)
 *                            aggregated per customer in daemon/agg.c and passed through;
 *                            `none` is the value of a customer without bookings or
 *                            payments (0, or NULL)
 *   READ(name, type)         evaluated when read, by the view customer_analytics
 *                            (migration 0013, with sql/functions/analytics_scores.sql)
 *   RUN(name, type)          the run's bookkeeping: computed_at
 *   HIDE(name, type)         stored, not shown to readers: the clock (next_change_at) and
 *                            what a READ column needs that no shown column holds
 *
 *   kind: how agg.c holds it and stream.c encodes it. Always set: I32, I64; NULL when
 *   unset: TS (struct agg_ts), TEXT (struct agg_text, unset when its pointer is NULL);
 *   NULL unless the bool field named by `has` is true: OPT_I16, OPT_I32, OPT_F8,
 *   OPT_UUID (16 bytes), OPT_BOOL. `has` is `always` for the kinds that carry their own.
 */
#ifndef ANALYTICS_COLUMNS_H
#define ANALYTICS_COLUMNS_H

#define AD_TABLE_COLUMNS(KEY, SQL, AGG, READ, RUN, HIDE)                                  \
	/* Identity (1-9) */                                                              \
	KEY(organization_id, uuid)                                                        \
	KEY(square_customer_id, text)                                                     \
	SQL(display_name, text)                                                           \
	SQL(email_normalized, text)                                                       \
	SQL(phone_e164, text)                                                             \
	SQL(creation_source, text)                                                        \
	SQL(email_unsubscribed, boolean)                                                  \
	SQL(client_created_at, timestamptz)                                               \
	SQL(has_client_record, boolean)                                                   \
	/* Lifecycle dates (10-19) */                                                     \
	AGG(first_booking_at, timestamptz, TS, always, NULL)                              \
	AGG(first_visit_location_id, uuid, OPT_UUID, has_first_visit_location, NULL)          \
	AGG(first_booking_created_at, timestamptz, TS, always, NULL)                      \
	AGG(last_visit_at, timestamptz, TS, always, NULL)                                 \
	AGG(next_booking_at, timestamptz, TS, always, NULL)                               \
	AGG(last_booking_created_at, timestamptz, TS, always, NULL)                       \
	AGG(last_cancelled_at, timestamptz, TS, always, NULL)                             \
	AGG(last_no_show_at, timestamptz, TS, always, NULL)                               \
	READ(days_since_last_visit, integer)                                              \
	READ(tenure_days, integer)                                                        \
	/* Counts by status (20-30) */                                                    \
	AGG(total_bookings, integer, I32, always, 0)                                      \
	AGG(total_accepted_bookings, integer, I32, always, 0)                             \
	AGG(visits_total, integer, I32, always, 0)                                        \
	AGG(upcoming_count, integer, I32, always, 0)                                      \
	AGG(cancelled_by_customer_count, integer, I32, always, 0)                         \
	AGG(cancelled_by_seller_count, integer, I32, always, 0)                           \
	AGG(declined_count, integer, I32, always, 0)                                      \
	AGG(no_show_count, integer, I32, always, 0)                                       \
	AGG(pending_count, integer, I32, always, 0)                                       \
	SQL(no_show_rate, numeric)                                                        \
	SQL(cancel_rate, numeric)                                                         \
	/* Time windows (31-37): their rules are agg.c's window table */                  \
	AGG(visits_30d, integer, I32, always, 0)                                          \
	AGG(visits_90d, integer, I32, always, 0)                                          \
	AGG(visits_365d, integer, I32, always, 0)                                         \
	AGG(visits_prev_365d, integer, I32, always, 0)                                    \
	AGG(no_shows_365d, integer, I32, always, 0)                                       \
	AGG(cancellations_365d, integer, I32, always, 0)                                  \
	AGG(bookings_created_30d, integer, I32, always, 0)                                \
	/* Spend (38-50) */                                                               \
	AGG(gross_spend_cents, bigint, I64, always, 0)                                    \
	AGG(tips_cents, bigint, I64, always, 0)                                           \
	AGG(refunded_cents, bigint, I64, always, 0)                                       \
	AGG(net_spend_cents, bigint, I64, always, 0)                                      \
	AGG(net_spend_30d_cents, bigint, I64, always, 0)                                  \
	AGG(net_spend_90d_cents, bigint, I64, always, 0)                                  \
	AGG(net_spend_365d_cents, bigint, I64, always, 0)                                 \
	AGG(paid_visits, integer, I32, always, 0)                                         \
	SQL(avg_ticket_cents, bigint)                                                     \
	SQL(avg_tip_pct, numeric)                                                         \
	AGG(last_payment_at, timestamptz, TS, always, NULL)                               \
	SQL(unpaid_visits, integer)                                                       \
	SQL(projected_12m_value_cents, bigint)                                            \
	/* Intervals (51-58) */                                                           \
	SQL(avg_days_between_visits, numeric)                                             \
	SQL(median_days_between_visits, numeric)                                          \
	AGG(last_gap_days, integer, OPT_I32, has_last_gap, NULL)                              \
	READ(expected_interval_days, numeric)                                             \
	READ(expected_next_visit_at, timestamptz)                                         \
	READ(lapse_ratio, numeric)                                                        \
	READ(visits_per_year, numeric)                                                    \
	SQL(avg_lead_time_hours, numeric)                                                 \
	/* Preferences (59-71) */                                                         \
	AGG(favourite_location_id, uuid, OPT_UUID, has_favourite_location, NULL)              \
	AGG(favourite_staff_id, text, TEXT, always, NULL)                                 \
	SQL(favourite_staff_share, numeric)                                               \
	AGG(favourite_service_id, text, TEXT, always, NULL)                               \
	AGG(favourite_weekday, smallint, OPT_I16, has_favourite_time, NULL)                   \
	AGG(favourite_hour, smallint, OPT_I16, has_favourite_time, NULL)                      \
	AGG(distinct_locations, integer, I32, always, 0)                                  \
	AGG(distinct_staff, integer, I32, always, 0)                                      \
	SQL(avg_duration_minutes, numeric)                                                \
	SQL(avg_party_size, numeric)                                                      \
	SQL(total_covers, integer)                                                        \
	SQL(online_booking_share, numeric)                                                \
	AGG(first_booking_source, text, TEXT, always, NULL)                               \
	/* Rebooking (72-73) */                                                           \
	SQL(rebook_rate_24h, numeric)                                                     \
	AGG(last_visit_rebooked, boolean, OPT_BOOL, has_last_visit_rebooked, NULL)            \
	/* Referral (74-76) */                                                            \
	SQL(referred_by_customer_id, text)                                                \
	SQL(referrals_made, integer)                                                      \
	SQL(referrals_converted, integer)                                                 \
	/* Loyalty (77-80) */                                                             \
	AGG(loyalty_points_earned, bigint, I64, always, 0)                                \
	AGG(loyalty_points_earned_365d, bigint, I64, always, 0)                           \
	SQL(loyalty_points_balance, bigint)                                               \
	AGG(loyalty_last_earned_at, timestamptz, TS, always, NULL)                        \
	/* Segment (81-86) */                                                             \
	READ(r_score, smallint)                                                           \
	READ(f_score, smallint)                                                           \
	READ(m_score, smallint)                                                           \
	READ(rfm_code, text)                                                              \
	READ(segment, text)                                                               \
	READ(is_vip, boolean)                                                             \
	/* Bookkeeping (87) */                                                            \
	RUN(computed_at, timestamptz)                                                     \
	/* Stored, never shown: the clock and an anchor (migration 0013) */               \
	HIDE(next_change_at, timestamptz)                                                 \
	HIDE(visit_interval_half_days, integer)

/*
 * The aggregates that are no column themselves: refresh_compute.sql.in reads them from
 * ca_agg by name. X(name, type, kind, has), as AGG above.
 */
#define AD_AGG_INPUTS(X)                                                                  \
	/* The resolved bookings behind 29-30 */                                          \
	X(resolved, integer, I32, always)                                                 \
	X(resolved_no_shows, integer, I32, always)                                        \
	X(resolved_customer_cancels, integer, I32, always)                                \
	/* Sums and counts behind the averages (58, 67-70, 72) */                         \
	X(lead_usec_sum, bigint, I64, always)                                             \
	X(lead_n, integer, I32, always)                                                   \
	X(duration_sum, bigint, I64, always)                                              \
	X(duration_n, integer, I32, always)                                               \
	X(party_sum, bigint, I64, always)                                                 \
	X(party_n, integer, I32, always)                                                  \
	X(online_bookings, integer, I32, always)                                          \
	X(rebooked_visits, integer, I32, always)                                          \
	/* Behind 49 and 61 */                                                            \
	X(visits_paid, integer, I32, always)                                              \
	X(favourite_staff_visits, integer, I32, always)                                   \
	/* The distinct local visit days behind 51-52 */                                  \
	X(n_days, integer, I32, always)                                                   \
	X(span_days, integer, I32, always)                                                \
	X(n_gaps, integer, I32, always)                                                   \
	X(median_gap, float8, OPT_F8, has_median_gap)                                         \
	/* The sources' clock: next_change_at's parts */                                  \
	X(next_start, timestamptz, TS, always)                                            \
	X(next_window_exit, timestamptz, TS, always)                                      \
	X(next_created_change, timestamptz, TS, always)                                   \
	X(next_pay_change, timestamptz, TS, always)

#endif
