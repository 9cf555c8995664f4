/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for daemon/agg.c: one customer's aggregates, hand-computed against the
 * definitions of refresh_compute.sql (docs/METRICS.md), and a randomized comparison of the
 * sorted paths with brute force.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "agg.h"

#define D AGG_USEC_PER_DAY
#define H AGG_USEC_PER_HOUR
#define N(a) (sizeof(a) / sizeof((a)[0]))

/* as_of: 2024-08-22 12:00 UTC, a Thursday. */
#define A (9000 * D + 12 * H)

#define assert_ts(t, want)                                      \
	do {                                                    \
		assert_true((t).set);                           \
		assert_int_equal((t).v, (want));                \
	} while (0)
#define assert_unset(t) assert_false((t).set)

static struct agg_text txt(const char *s)
{
	return (struct agg_text){ s, s != NULL ? strlen(s) : 0 };
}

/* A booking with id byte id, its local start equal to its start (UTC), party 1. */
static struct agg_booking bk(unsigned char id, enum agg_status st, int64_t start, int64_t created)
{
	struct agg_booking x = {
		.status = st, .start = start, .created = created, .updated = created,
		.local_start = start, .party = 1,
	};

	x.id[0] = id;
	return x;
}

static void at_location(struct agg_booking *x, unsigned char loc)
{
	memset(x->location, 0, 16);
	x->location[0] = loc;
	x->has_location = true;
}

/* A payment with id byte id (last byte 0xee, so no booking id equals it). */
static struct agg_payment pm(unsigned char id, int64_t amount, int64_t created)
{
	struct agg_payment x = { .amount = amount, .created = created };

	x.id[0] = id;
	x.id[15] = 0xee;
	return x;
}

static void for_booking(struct agg_payment *x, unsigned char booking)
{
	x->booking[0] = booking;
	x->has_booking = true;
}

static struct agg_result run(const struct agg_booking *b, size_t nb, const struct agg_payment *p,
			     size_t np)
{
	struct agg_work w = { 0 };
	struct agg_result r;

	assert_int_equal(agg_customer(A, b, nb, p, np, &w, &r), 0);
	agg_work_free(&w);
	assert_null(w.idx);
	assert_null(w.keys);
	assert_null(w.days);
	return r;
}

static void test_status_parse(void **state)
{
	(void)state;
	assert_int_equal(agg_status_parse("PENDING", 7), AGG_PENDING);
	assert_int_equal(agg_status_parse("ACCEPTED", 8), AGG_ACCEPTED);
	assert_int_equal(agg_status_parse("CANCELLED_BY_CUSTOMER", 21), AGG_CANCELLED_BY_CUSTOMER);
	assert_int_equal(agg_status_parse("CANCELLED_BY_SELLER", 19), AGG_CANCELLED_BY_SELLER);
	assert_int_equal(agg_status_parse("DECLINED", 8), AGG_DECLINED);
	assert_int_equal(agg_status_parse("NO_SHOW", 7), AGG_NO_SHOW);
	/* Not NUL-terminated: the length decides. */
	assert_int_equal(agg_status_parse("NO_SHOWING", 7), AGG_NO_SHOW);
	assert_int_equal(agg_status_parse("NO_SHOW", 6), AGG_OTHER);
	assert_int_equal(agg_status_parse("accepted", 8), AGG_OTHER);
	assert_int_equal(agg_status_parse("COMPLETED", 9), AGG_OTHER);
	assert_int_equal(agg_status_parse("ACCEPTED ", 9), AGG_OTHER);
	assert_int_equal(agg_status_parse("", 0), AGG_OTHER);
	assert_int_equal(agg_status_parse(NULL, 0), AGG_OTHER);
}

static void test_nothing(void **state)
{
	struct agg_result r;

	(void)state;
	r = run(NULL, 0, NULL, 0);
	assert_unset(r.first_booking_at);
	assert_unset(r.first_booking_created_at);
	assert_unset(r.last_visit_at);
	assert_unset(r.next_booking_at);
	assert_unset(r.last_booking_created_at);
	assert_unset(r.last_cancelled_at);
	assert_unset(r.last_no_show_at);
	assert_int_equal(r.total_bookings, 0);
	assert_int_equal(r.visits_total, 0);
	assert_int_equal(r.upcoming_count, 0);
	assert_int_equal(r.resolved, 0);
	assert_int_equal(r.visits_30d, 0);
	assert_int_equal(r.bookings_created_30d, 0);
	assert_int_equal(r.lead_n, 0);
	assert_int_equal(r.lead_usec_sum, 0);
	assert_int_equal(r.party_n, 0);
	assert_int_equal(r.online_bookings, 0);
	assert_int_equal(r.loyalty_points_earned, 0);
	assert_unset(r.loyalty_last_earned_at);
	assert_int_equal(r.rebooked_visits, 0);
	assert_false(r.has_last_visit_rebooked);
	assert_false(r.last_visit_rebooked);
	assert_false(r.has_first_visit_location);
	assert_null(r.first_booking_source.p);
	assert_int_equal(r.gross_spend_cents, 0);
	assert_int_equal(r.net_spend_cents, 0);
	assert_int_equal(r.net_spend_365d_cents, 0);
	assert_unset(r.last_payment_at);
	assert_int_equal(r.paid_visits, 0);
	assert_int_equal(r.visits_paid, 0);
	assert_false(r.has_favourite_location);
	assert_int_equal(r.distinct_locations, 0);
	assert_null(r.favourite_staff_id.p);
	assert_int_equal(r.favourite_staff_visits, 0);
	assert_int_equal(r.distinct_staff, 0);
	assert_null(r.favourite_service_id.p);
	assert_false(r.has_favourite_time);
	assert_int_equal(r.favourite_weekday, 0);
	assert_int_equal(r.favourite_hour, 0);
	assert_int_equal(r.n_days, 0);
	assert_int_equal(r.n_gaps, 0);
	assert_int_equal(r.span_days, 0);
	assert_false(r.has_median_gap);
	assert_false(r.has_last_gap);
	assert_unset(r.next_start);
	assert_unset(r.next_window_exit);
	assert_unset(r.next_created_change);
	assert_unset(r.next_pay_change);
}

static void test_one_visit(void **state)
{
	struct agg_booking b = bk(1, AGG_ACCEPTED, A - 10 * D, A - 12 * D);
	struct agg_result r;

	(void)state;
	at_location(&b, 0x10);
	/* 2024-08-12 07:00 local, a Monday. */
	b.local_start = b.start - 5 * H;
	b.staff = txt("ann");
	b.service = txt("cut");
	b.source = txt("FIRST_PARTY_BUYER");
	b.duration = 45;
	b.has_duration = true;
	b.party = 2;
	b.points = 7;
	r = run(&b, 1, NULL, 0);

	assert_ts(r.first_booking_at, A - 10 * D);
	assert_ts(r.last_visit_at, A - 10 * D);
	assert_ts(r.first_booking_created_at, A - 12 * D);
	assert_ts(r.last_booking_created_at, A - 12 * D);
	assert_unset(r.next_booking_at);
	assert_unset(r.last_cancelled_at);
	assert_unset(r.last_no_show_at);
	assert_int_equal(r.total_bookings, 1);
	assert_int_equal(r.total_accepted_bookings, 1);
	assert_int_equal(r.visits_total, 1);
	assert_int_equal(r.resolved, 1);
	assert_int_equal(r.resolved_no_shows, 0);
	assert_int_equal(r.visits_30d, 1);
	assert_int_equal(r.visits_90d, 1);
	assert_int_equal(r.visits_365d, 1);
	assert_int_equal(r.visits_prev_365d, 0);
	assert_int_equal(r.bookings_created_30d, 1);
	assert_int_equal(r.lead_usec_sum, 2 * D);
	assert_int_equal(r.lead_n, 1);
	assert_int_equal(r.duration_sum, 45);
	assert_int_equal(r.duration_n, 1);
	assert_int_equal(r.party_sum, 2);
	assert_int_equal(r.party_n, 1);
	assert_int_equal(r.online_bookings, 1);
	assert_int_equal(r.loyalty_points_earned, 7);
	assert_int_equal(r.loyalty_points_earned_365d, 7);
	assert_ts(r.loyalty_last_earned_at, A - 10 * D);
	assert_int_equal(r.rebooked_visits, 0);
	assert_true(r.has_last_visit_rebooked);
	assert_false(r.last_visit_rebooked);
	assert_true(r.has_first_visit_location);
	assert_int_equal(r.first_visit_location_id[0], 0x10);
	assert_ptr_equal(r.first_booking_source.p, b.source.p);
	assert_int_equal(r.first_booking_source.len, 17);
	assert_true(r.has_favourite_location);
	assert_memory_equal(r.favourite_location_id, b.location, 16);
	assert_int_equal(r.distinct_locations, 1);
	assert_ptr_equal(r.favourite_staff_id.p, b.staff.p);
	assert_int_equal(r.favourite_staff_visits, 1);
	assert_int_equal(r.distinct_staff, 1);
	assert_ptr_equal(r.favourite_service_id.p, b.service.p);
	assert_true(r.has_favourite_time);
	assert_int_equal(r.favourite_weekday, 1);
	assert_int_equal(r.favourite_hour, 7);
	assert_int_equal(r.n_days, 1);
	assert_int_equal(r.n_gaps, 0);
	assert_int_equal(r.span_days, 0);
	assert_false(r.has_median_gap);
	assert_false(r.has_last_gap);
	assert_unset(r.next_start);
	assert_ts(r.next_window_exit, A + 20 * D);
	assert_ts(r.next_created_change, A + 18 * D);
	assert_unset(r.next_pay_change);
	assert_int_equal(r.paid_visits, 0);
	assert_int_equal(r.visits_paid, 0);
}

static void test_window_edges(void **state)
{
	const int64_t old = A - 800 * D;
	struct agg_booking b[] = {
		bk(1, AGG_ACCEPTED, A - 30 * D, A - 30 * D),            /* since30: not in 30d */
		bk(2, AGG_ACCEPTED, A - 30 * D + 1, A - 30 * D + 1),    /* in 30d */
		bk(3, AGG_ACCEPTED, A, A),                              /* start == as_of: visit */
		bk(4, AGG_ACCEPTED, A + 1, A + 1),                      /* upcoming */
		bk(5, AGG_ACCEPTED, A - 365 * D, old),                  /* prev_365d */
		bk(6, AGG_ACCEPTED, A - 730 * D, old),                  /* in no window */
		bk(7, AGG_ACCEPTED, A - 730 * D + 1, old),              /* prev_365d */
		bk(8, AGG_NO_SHOW, A - 365 * D, old),
		bk(9, AGG_NO_SHOW, A - 365 * D + 1, old),
		bk(10, AGG_CANCELLED_BY_SELLER, A + 1, old),
		bk(11, AGG_CANCELLED_BY_CUSTOMER, A, old),
	};
	struct agg_result r;

	(void)state;
	r = run(b, N(b), NULL, 0);
	assert_int_equal(r.total_bookings, 11);
	assert_int_equal(r.visits_total, 6);
	assert_int_equal(r.upcoming_count, 1);
	assert_ts(r.next_booking_at, A + 1);
	assert_int_equal(r.visits_30d, 2);
	assert_int_equal(r.visits_90d, 3);
	assert_int_equal(r.visits_365d, 3);
	assert_int_equal(r.visits_prev_365d, 2);
	assert_int_equal(r.no_shows_365d, 1);
	assert_int_equal(r.cancellations_365d, 1);
	/* Created in (as_of - 30 days, as_of]: bookings 2 and 3. */
	assert_int_equal(r.bookings_created_30d, 2);
	assert_int_equal(r.resolved, 9);
	assert_int_equal(r.resolved_no_shows, 2);
	assert_int_equal(r.resolved_customer_cancels, 1);
	assert_ts(r.last_visit_at, A);
	assert_ts(r.first_booking_at, A - 730 * D);
	assert_ts(r.last_no_show_at, A - 365 * D + 1);
	assert_ts(r.next_start, A + 1);
}

static void test_future_bookings(void **state)
{
	struct agg_booking b[] = {
		bk(1, AGG_ACCEPTED, A + 2 * D, A - D),
		bk(2, AGG_DECLINED, A + D, A - D),
		bk(3, AGG_PENDING, A + 3 * D, A - D),
		bk(4, AGG_CANCELLED_BY_CUSTOMER, A + 4 * D, A - D),
		bk(5, AGG_OTHER, A - D, A - 2 * D),
	};
	struct agg_result r;

	(void)state;
	b[3].updated = A - 2 * H;
	r = run(b, N(b), NULL, 0);
	assert_ts(r.next_start, A + 2 * D);
	assert_ts(r.next_booking_at, A + 2 * D);
	assert_int_equal(r.upcoming_count, 2);
	assert_int_equal(r.total_bookings, 5);
	assert_int_equal(r.total_accepted_bookings, 1);
	assert_int_equal(r.visits_total, 0);
	assert_int_equal(r.declined_count, 1);
	assert_int_equal(r.pending_count, 1);
	assert_int_equal(r.cancelled_by_customer_count, 1);
	assert_int_equal(r.resolved, 0);
	assert_int_equal(r.cancellations_365d, 0);
	assert_ts(r.last_cancelled_at, A - 2 * H);
	assert_unset(r.first_booking_at);
	assert_unset(r.last_visit_at);
	assert_false(r.has_last_visit_rebooked);
	assert_false(r.has_favourite_time);
	assert_unset(r.next_window_exit);
	assert_ts(r.first_booking_created_at, A - 2 * D);
	assert_ts(r.last_booking_created_at, A - D);

	/* A DECLINED booking still to start changes nothing when it starts. */
	r = run(&b[1], 1, NULL, 0);
	assert_unset(r.next_start);
	assert_int_equal(r.upcoming_count, 0);
}

static void test_status_counts(void **state)
{
	struct agg_booking b[] = {
		bk(1, AGG_PENDING, A - D, A - 9 * D),
		bk(2, AGG_ACCEPTED, A - 2 * D, A - 9 * D),
		bk(3, AGG_CANCELLED_BY_CUSTOMER, A - 3 * D, A - 9 * D),
		bk(4, AGG_CANCELLED_BY_SELLER, A - 4 * D, A - 9 * D),
		bk(5, AGG_DECLINED, A - 5 * D, A - 9 * D),
		bk(6, AGG_NO_SHOW, A - 6 * D, A - 9 * D),
		bk(7, AGG_OTHER, A - 7 * D, A - 9 * D),
	};
	struct agg_result r;

	(void)state;
	/* last_cancelled_at is the latest update, not the latest start. */
	b[2].updated = A - 3 * D;
	b[3].updated = A - 2 * H;
	r = run(b, N(b), NULL, 0);
	assert_int_equal(r.total_bookings, 7);
	assert_int_equal(r.total_accepted_bookings, 1);
	assert_int_equal(r.visits_total, 1);
	assert_int_equal(r.pending_count, 1);
	assert_int_equal(r.cancelled_by_customer_count, 1);
	assert_int_equal(r.cancelled_by_seller_count, 1);
	assert_int_equal(r.declined_count, 1);
	assert_int_equal(r.no_show_count, 1);
	assert_int_equal(r.upcoming_count, 0);
	assert_int_equal(r.resolved, 4);
	assert_int_equal(r.resolved_no_shows, 1);
	assert_int_equal(r.resolved_customer_cancels, 1);
	assert_int_equal(r.no_shows_365d, 1);
	assert_int_equal(r.cancellations_365d, 2);
	assert_ts(r.last_cancelled_at, A - 2 * H);
	assert_ts(r.last_no_show_at, A - 6 * D);
	assert_unset(r.next_start);
}

static void test_sums(void **state)
{
	static const char online[] = "FIRST_PARTY_BUYERX";
	struct agg_booking b[] = {
		bk(1, AGG_ACCEPTED, A - 10 * D, A - 12 * D),
		bk(2, AGG_ACCEPTED, A - 400 * D, A - 399 * D),  /* a walk-in */
		bk(3, AGG_ACCEPTED, A - D, A - D),
		bk(4, AGG_CANCELLED_BY_CUSTOMER, A - 5 * D, A - 6 * D),
		bk(5, AGG_ACCEPTED, A + D, A - 6 * D),
	};
	struct agg_result r;

	(void)state;
	b[0].has_duration = true;
	b[0].duration = 30;
	b[0].party = 2;
	b[0].points = 5;
	b[0].source = txt("THIRD_PARTY_BUYER");
	b[1].party = 3;
	b[1].points = 4;
	b[1].source = (struct agg_text){ online, 17 };  /* FIRST_PARTY_BUYER */
	b[2].has_duration = true;
	b[2].duration = 60;
	b[3].has_duration = true;
	b[3].duration = 99;
	b[3].party = 10;
	b[3].points = 100;
	b[3].source = txt("FIRST_PARTY_BUYER");
	b[4].points = 50;
	b[4].source = (struct agg_text){ online, 18 };
	r = run(b, N(b), NULL, 0);
	assert_int_equal(r.lead_usec_sum, 2 * D);
	assert_int_equal(r.lead_n, 2);
	assert_int_equal(r.duration_sum, 90);
	assert_int_equal(r.duration_n, 2);
	assert_int_equal(r.party_sum, 6);
	assert_int_equal(r.party_n, 3);
	assert_int_equal(r.online_bookings, 3);
	assert_int_equal(r.loyalty_points_earned, 9);
	assert_int_equal(r.loyalty_points_earned_365d, 5);
	assert_ts(r.loyalty_last_earned_at, A - 10 * D);
}

static void test_clock(void **state)
{
	const int64_t old = A - 800 * D;
	struct agg_booking b[] = {
		bk(1, AGG_NO_SHOW, A - 100 * D, old),
		bk(2, AGG_ACCEPTED, A - 400 * D, old),
		bk(3, AGG_ACCEPTED, A - 800 * D, old),
		bk(4, AGG_CANCELLED_BY_SELLER, A + D, A + 5 * D),
		bk(5, AGG_DECLINED, A - D, A - 29 * D),
		bk(6, AGG_DECLINED, A + H, A - 30 * D),
	};
	struct agg_result r;

	(void)state;
	r = run(b, N(b), NULL, 0);
	/* The no-show leaves no_shows_365d 365 days after its start; the visit of 400
	 * days ago leaves visits_prev_365d at 730. */
	assert_ts(r.next_window_exit, A + 265 * D);
	assert_ts(r.next_created_change, A + D);
	assert_ts(r.next_start, A + D);

	r = run(&b[1], 1, NULL, 0);
	assert_ts(r.next_window_exit, A + 330 * D);
	r = run(&b[2], 1, NULL, 0);
	assert_unset(r.next_window_exit);
	assert_unset(r.next_created_change);
	/* Exactly 730 days ago: already out of visits_prev_365d. */
	b[2].start = A - 730 * D;
	r = run(&b[2], 1, NULL, 0);
	assert_int_equal(r.visits_prev_365d, 0);
	assert_unset(r.next_window_exit);
	b[2].start = A - 730 * D + 1;
	r = run(&b[2], 1, NULL, 0);
	assert_ts(r.next_window_exit, A + 1);
	/* Exactly 365 days ago: a visit leaves visits_prev_365d in 365 days, a no-show has
	 * left no_shows_365d already. */
	b[2].start = A - 365 * D;
	r = run(&b[2], 1, NULL, 0);
	assert_ts(r.next_window_exit, A + 365 * D);
	b[0].start = A - 365 * D;
	r = run(&b[0], 1, NULL, 0);
	assert_int_equal(r.no_shows_365d, 0);
	assert_unset(r.next_window_exit);
	b[0].start = A - 365 * D + 1;
	r = run(&b[0], 1, NULL, 0);
	assert_ts(r.next_window_exit, A + 1);

	/* Created at as_of: in bookings_created_30d now, out in 30 days. A visit 30 days ago
	 * has left visits_30d, one 90 days ago visits_90d. */
	b[2] = bk(3, AGG_ACCEPTED, A - 30 * D, A);
	r = run(&b[2], 1, NULL, 0);
	assert_int_equal(r.bookings_created_30d, 1);
	assert_ts(r.next_created_change, A + 30 * D);
	assert_ts(r.next_window_exit, A + 60 * D);
	b[2].start = A - 90 * D;
	r = run(&b[2], 1, NULL, 0);
	assert_ts(r.next_window_exit, A + 275 * D);
	assert_int_equal(r.visits_90d, 0);
	assert_int_equal(r.visits_365d, 1);
	r = run(&b[3], 1, NULL, 0);
	assert_unset(r.next_window_exit);
	assert_ts(r.next_created_change, A + 5 * D);
	r = run(&b[4], 2, NULL, 0);
	assert_unset(r.next_window_exit);
	assert_ts(r.next_created_change, A + D);
	assert_unset(r.next_start);
}

static void test_rebooking(void **state)
{
	const int64_t s1 = A - 20 * D, s2 = A - 10 * D;
	struct agg_booking b[] = {
		bk(1, AGG_ACCEPTED, s1, s1 - 5 * D),
		bk(2, AGG_DECLINED, A - 5 * D, s1 + H),           /* no rebooking */
		bk(3, AGG_ACCEPTED, s2, s1 + 24 * H),           /* rebooks 1, just */
		bk(4, AGG_ACCEPTED, s2, s2 + H),                /* same start as 3: not later */
		bk(5, AGG_PENDING, A + 5 * D, s2 + 24 * H + 1), /* 1 us too late for 3 and 4 */
	};
	struct agg_result r;

	(void)state;
	r = run(b, N(b), NULL, 0);
	assert_int_equal(r.visits_total, 3);
	assert_int_equal(r.rebooked_visits, 1);
	assert_true(r.has_last_visit_rebooked);
	assert_false(r.last_visit_rebooked);

	b[4].created = s2 + 24 * H;
	r = run(b, N(b), NULL, 0);
	assert_int_equal(r.rebooked_visits, 3);
	assert_true(r.last_visit_rebooked);

	/* Not DECLINED, booking 2 rebooks all three (any status but DECLINED counts). */
	b[4].created = s2 + 24 * H + 1;
	b[1].status = AGG_CANCELLED_BY_SELLER;
	r = run(b, N(b), NULL, 0);
	assert_int_equal(r.rebooked_visits, 3);
	assert_true(r.last_visit_rebooked);

	/* The last visit alone, with nothing after it. */
	r = run(&b[2], 2, NULL, 0);
	assert_int_equal(r.rebooked_visits, 0);
	assert_true(r.has_last_visit_rebooked);
	assert_false(r.last_visit_rebooked);
}

static void test_first_visit(void **state)
{
	const int64_t s = A - 5 * D;
	struct agg_booking b[] = {
		bk(2, AGG_ACCEPTED, s, A - 9 * D),
		bk(1, AGG_ACCEPTED, s, A - 9 * D),
		bk(3, AGG_CANCELLED_BY_CUSTOMER, A - 50 * D, A - 60 * D),
		bk(4, AGG_ACCEPTED, A + D, A - 9 * D),
		bk(5, AGG_ACCEPTED, s + 1, A - 90 * D),
	};
	struct agg_result r;

	(void)state;
	/* Booking 1's id is the smallest bytewise though its last byte is the largest. */
	memset(b[1].id + 1, 0xff, 15);
	at_location(&b[0], 0x20);
	at_location(&b[1], 0x21);
	at_location(&b[2], 0x22);
	at_location(&b[3], 0x23);
	b[0].source = txt("A");
	b[1].source = txt("B");
	b[2].source = txt("C");
	r = run(b, N(b), NULL, 0);
	assert_ts(r.first_booking_at, s);
	assert_true(r.has_first_visit_location);
	assert_int_equal(r.first_visit_location_id[0], 0x21);
	assert_ptr_equal(r.first_booking_source.p, b[1].source.p);
	assert_int_equal(r.first_booking_source.len, 1);

	/* The first visit's own values: no location, no source. */
	b[1].has_location = false;
	b[1].source = txt(NULL);
	r = run(b, N(b), NULL, 0);
	assert_false(r.has_first_visit_location);
	assert_null(r.first_booking_source.p);
	assert_int_equal(r.first_booking_source.len, 0);
}

static void test_favourite_location(void **state)
{
	struct agg_booking b[] = {
		bk(1, AGG_ACCEPTED, A - 50 * D, A - 90 * D),
		bk(2, AGG_ACCEPTED, A - 40 * D, A - 90 * D),
		bk(3, AGG_ACCEPTED, A - 30 * D, A - 90 * D),
		bk(4, AGG_ACCEPTED, A - 20 * D, A - 90 * D),
		bk(5, AGG_ACCEPTED, A - 10 * D, A - 90 * D),
		bk(6, AGG_ACCEPTED, A - 10 * D, A - 90 * D),
		bk(7, AGG_CANCELLED_BY_CUSTOMER, A - 5 * D, A - 90 * D),
		bk(8, AGG_CANCELLED_BY_CUSTOMER, A - 5 * D, A - 90 * D),
	};
	struct agg_result r;

	(void)state;
	/* 2 and 1 visits at 0x31 and 0x32 each, 0x32 the later; 0x33 the latest but once;
	 * visit 6 has no location; the cancellations do not count. */
	at_location(&b[0], 0x32);
	at_location(&b[1], 0x31);
	at_location(&b[2], 0x31);
	at_location(&b[3], 0x32);
	at_location(&b[4], 0x33);
	at_location(&b[6], 0x31);
	at_location(&b[7], 0x31);
	r = run(b, N(b), NULL, 0);
	assert_true(r.has_favourite_location);
	assert_int_equal(r.favourite_location_id[0], 0x32);
	assert_int_equal(r.distinct_locations, 3);

	/* Same count: the latest visit though its id is larger; then the smallest id. */
	at_location(&b[1], 0x34);
	at_location(&b[2], 0x35);
	r = run(&b[1], 2, NULL, 0);
	assert_int_equal(r.favourite_location_id[0], 0x35);
	b[1].start = b[2].start;
	r = run(&b[1], 2, NULL, 0);
	assert_int_equal(r.favourite_location_id[0], 0x34);
	assert_int_equal(r.distinct_locations, 2);

	/* Visits without a location: no favourite. */
	r = run(&b[5], 1, NULL, 0);
	assert_false(r.has_favourite_location);
	assert_int_equal(r.distinct_locations, 0);
}

static void test_favourite_texts(void **state)
{
	static const char buf[] = "abcd";
	const struct agg_text ab = { buf, 2 }, abc = { buf, 3 }, b1 = { buf + 1, 1 };
	const int64_t s = A - 10 * D;
	struct agg_booking b[] = {
		bk(1, AGG_ACCEPTED, s, A - 90 * D),
		bk(2, AGG_ACCEPTED, s, A - 90 * D),
		bk(3, AGG_ACCEPTED, s, A - 90 * D),
		bk(4, AGG_CANCELLED_BY_SELLER, s, A - 90 * D),
		bk(5, AGG_NO_SHOW, s, A - 90 * D),
		bk(6, AGG_ACCEPTED, s - D, A - 90 * D),
	};
	struct agg_result r;

	(void)state;
	/* One visit each, all at the same time: COLLATE "C" order, "ab" < "abc" < "b". */
	b[0].staff = b1;
	b[1].staff = abc;
	b[2].staff = ab;
	b[0].service = abc;
	b[1].service = b1;
	b[3].staff = ab;
	b[3].service = b1;
	b[4].staff = ab;
	b[4].service = b1;
	r = run(b, 5, NULL, 0);
	assert_ptr_equal(r.favourite_staff_id.p, buf);
	assert_int_equal(r.favourite_staff_id.len, 2);
	assert_int_equal(r.favourite_staff_visits, 1);
	assert_int_equal(r.distinct_staff, 3);
	assert_ptr_equal(r.favourite_service_id.p, buf);
	assert_int_equal(r.favourite_service_id.len, 3);

	/* A second visit with "b" (other bytes, same text) wins on count. */
	b[5].staff = txt("b");
	b[5].service = txt("b");
	r = run(b, N(b), NULL, 0);
	assert_int_equal(r.favourite_staff_id.len, 1);
	assert_memory_equal(r.favourite_staff_id.p, "b", 1);
	assert_int_equal(r.favourite_staff_visits, 2);
	assert_int_equal(r.distinct_staff, 3);
	assert_int_equal(r.favourite_service_id.len, 1);
	assert_memory_equal(r.favourite_service_id.p, "b", 1);

	/* Same count: the latest visit, though its text is larger. */
	r = run(&b[2], 4, NULL, 0);
	assert_ptr_equal(r.favourite_staff_id.p, buf);
	assert_int_equal(r.favourite_staff_id.len, 2);
	b[2].start = s - 2 * D;
	r = run(&b[2], 4, NULL, 0);
	assert_memory_equal(r.favourite_staff_id.p, "b", 1);
	assert_int_equal(r.favourite_staff_visits, 1);
	assert_int_equal(r.distinct_staff, 2);

	/* No candidate: no favourite. */
	r = run(&b[3], 2, NULL, 0);
	assert_null(r.favourite_staff_id.p);
	assert_null(r.favourite_service_id.p);
	assert_int_equal(r.favourite_staff_visits, 0);
	assert_int_equal(r.distinct_staff, 0);
}

static void test_weekday_hour(void **state)
{
	static const struct {
		int64_t local;
		int weekday, hour;
	} cases[] = {
		{ -1, 5, 23 },                          /* 1999-12-31 23:59:59.999999, Friday */
		{ 0, 6, 0 },                            /* 2000-01-01, Saturday */
		{ D, 7, 0 },                            /* Sunday */
		{ 2 * D + 13 * H, 1, 13 },              /* Monday */
		{ -7 * D - H, 5, 23 },                  /* 1999-12-24 23:00, Friday */
		{ 9001 * D + 15 * H + 30 * 60000000LL, 5, 15 },   /* 2024-08-23 15:30 */
	};
	struct agg_booking b[3], c[4] = {
		bk(1, AGG_ACCEPTED, A - 10 * D, A - 20 * D),
		bk(2, AGG_ACCEPTED, A - 5 * D, A - 20 * D),
		bk(3, AGG_ACCEPTED, A - 4 * D, A - 20 * D),
		bk(4, AGG_ACCEPTED, A - D, A - 20 * D),
	};
	struct agg_result r;

	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		b[0] = bk(1, AGG_ACCEPTED, A - D, A - 2 * D);
		b[0].local_start = cases[i].local;
		r = run(b, 1, NULL, 0);
		assert_true(r.has_favourite_time);
		assert_int_equal(r.favourite_weekday, cases[i].weekday);
		assert_int_equal(r.favourite_hour, cases[i].hour);
	}

	/* All once at the same time: the smallest weekday and, separately, hour. */
	b[0] = bk(1, AGG_ACCEPTED, A - D, A - 2 * D);
	b[1] = bk(2, AGG_ACCEPTED, A - D, A - 2 * D);
	b[2] = bk(3, AGG_ACCEPTED, A - D, A - 2 * D);
	b[0].local_start = D + 8 * H;                   /* Sunday 08 */
	b[1].local_start = 2 * D + 9 * H;               /* Monday 09 */
	b[2].local_start = 11 * H;                      /* Saturday 11 */
	r = run(b, 3, NULL, 0);
	assert_int_equal(r.favourite_weekday, 1);
	assert_int_equal(r.favourite_hour, 8);

	/* Count first: two Sundays at 11. */
	b[2].local_start = 8 * D + 11 * H;
	b[0].local_start = D + 11 * H;
	r = run(b, 3, NULL, 0);
	assert_int_equal(r.favourite_weekday, 7);
	assert_int_equal(r.favourite_hour, 11);

	/* Then the latest: a Tuesday 10 after a Monday 09. */
	b[0].start = A - 3 * D;
	b[0].local_start = 3 * D + 10 * H;
	b[1].start = A - 4 * D;
	r = run(b, 2, NULL, 0);
	assert_int_equal(r.favourite_weekday, 2);
	assert_int_equal(r.favourite_hour, 10);

	/* A group's latest visit need not come last: Mondays 09 at -10 and -1 days beat
	 * Tuesdays 10 at -5 and -4 days. */
	c[0].local_start = 2 * D + 9 * H;
	c[1].local_start = 3 * D + 10 * H;
	c[2].local_start = 10 * D + 10 * H;
	c[3].local_start = 9 * D + 9 * H;
	r = run(c, 4, NULL, 0);
	assert_int_equal(r.favourite_weekday, 1);
	assert_int_equal(r.favourite_hour, 9);
}

/* Visits on the given local days (hour h each), in that order. */
static struct agg_result visit_days(const int64_t *days, size_t n, int64_t h)
{
	struct agg_booking b[8];

	assert_true(n <= N(b));
	for (size_t i = 0; i < n; i++) {
		b[i] = bk((unsigned char)(i + 1), AGG_ACCEPTED, A - 100 * D + (int64_t)i,
			  A - 200 * D);
		b[i].local_start = days[i] * D + h;
	}
	return run(b, n, NULL, 0);
}

static void test_intervals(void **state)
{
	static const int64_t odd[] = { 14, 10, 11, 10 };   /* gaps 1, 3 */
	static const int64_t three[] = { 13, 3, 1, 0 };    /* gaps 1, 2, 10 */
	static const int64_t even[] = { 0, 1, 5 };         /* gaps 1, 4 */
	static const int64_t four[] = { 8, 0, 7, 2, 3 };   /* gaps 2, 1, 4, 1 */
	static const int64_t one[] = { 6, 6 };
	struct agg_booking b[3];
	struct agg_result r;

	(void)state;
	r = visit_days(odd, N(odd), 9 * H);
	assert_int_equal(r.n_days, 3);
	assert_int_equal(r.n_gaps, 2);
	assert_int_equal(r.span_days, 4);
	assert_true(r.has_median_gap);
	assert_true(r.median_gap == 2.0);
	assert_true(r.has_last_gap);
	assert_int_equal(r.last_gap_days, 3);

	r = visit_days(three, N(three), 0);
	assert_int_equal(r.n_days, 4);
	assert_int_equal(r.n_gaps, 3);
	assert_int_equal(r.span_days, 13);
	assert_true(r.median_gap == 2.0);
	assert_int_equal(r.last_gap_days, 10);

	r = visit_days(even, N(even), 23 * H);
	assert_true(r.median_gap == 2.5);
	assert_int_equal(r.last_gap_days, 4);

	r = visit_days(four, N(four), H);
	assert_int_equal(r.n_days, 5);
	assert_true(r.median_gap == 1.5);
	assert_int_equal(r.last_gap_days, 1);
	assert_int_equal(r.span_days, 8);

	r = visit_days(one, N(one), 0);
	assert_int_equal(r.n_days, 1);
	assert_int_equal(r.n_gaps, 0);
	assert_int_equal(r.span_days, 0);
	assert_false(r.has_median_gap);
	assert_false(r.has_last_gap);

	/* Before 2000: 1999-12-31 23:59 is day -1; a cancellation's day does not count. */
	b[0] = bk(1, AGG_ACCEPTED, A - 9 * D, A - 20 * D);
	b[1] = bk(2, AGG_ACCEPTED, A - 8 * D, A - 20 * D);
	b[2] = bk(3, AGG_CANCELLED_BY_CUSTOMER, A - 7 * D, A - 20 * D);
	b[0].local_start = -60000000;
	b[1].local_start = D + 5 * H;
	b[2].local_start = 100 * D;
	r = run(b, 3, NULL, 0);
	assert_int_equal(r.n_days, 2);
	assert_int_equal(r.span_days, 2);
	assert_true(r.median_gap == 2.0);
	assert_int_equal(r.last_gap_days, 2);
}

static void test_payments(void **state)
{
	struct agg_booking b[] = {
		bk(1, AGG_ACCEPTED, A - 11 * D, A - 20 * D),
		bk(2, AGG_ACCEPTED, A - 50 * D, A - 60 * D),
		bk(9, AGG_ACCEPTED, A + D, A - 20 * D),
	};
	struct agg_payment p[] = {
		pm(1, 1000, A - 10 * D),
		pm(2, 500, A - 40 * D),
		pm(3, 300, A - 100 * D),
		pm(4, 7, A - 365 * D),
		pm(5, 50, A + H),
	};
	struct agg_result r;

	(void)state;
	p[0].tip = 100;
	p[1].refunded = 200;
	for_booking(&p[0], 1);
	for_booking(&p[1], 1);
	for_booking(&p[4], 9);
	r = run(b, N(b), p, N(p));
	assert_int_equal(r.gross_spend_cents, 1857);
	assert_int_equal(r.tips_cents, 100);
	assert_int_equal(r.refunded_cents, 200);
	assert_int_equal(r.net_spend_cents, 1757);
	assert_int_equal(r.net_spend_30d_cents, 1100);
	assert_int_equal(r.net_spend_90d_cents, 1400);
	assert_int_equal(r.net_spend_365d_cents, 1700);
	assert_ts(r.last_payment_at, A + H);
	assert_ts(r.next_pay_change, A + H);
	/* Booking 1 (twice), payments 3 and 4, booking 9 (not a visit). */
	assert_int_equal(r.paid_visits, 4);
	assert_int_equal(r.visits_paid, 1);

	/* Without the future payment: payment 1 leaves the 30-day window first. */
	r = run(b, N(b), p, 4);
	assert_ts(r.last_payment_at, A - 10 * D);
	assert_ts(r.next_pay_change, A + 20 * D);
	assert_int_equal(r.paid_visits, 3);

	/* Created exactly 30 days ago: in 90d only, leaving it 90 days after. */
	p[1].created = A - 30 * D;
	r = run(b, N(b), &p[1], 1);
	assert_int_equal(r.net_spend_30d_cents, 0);
	assert_int_equal(r.net_spend_90d_cents, 300);
	assert_ts(r.next_pay_change, A + 60 * D);
	/* Exactly 90 days ago: in 365d only, leaving it 365 days after. */
	p[1].created = A - 90 * D;
	r = run(b, N(b), &p[1], 1);
	assert_int_equal(r.net_spend_90d_cents, 0);
	assert_int_equal(r.net_spend_365d_cents, 300);
	assert_ts(r.next_pay_change, A + 275 * D);
	/* Created 365 days ago: out of every window, no clock. */
	r = run(b, N(b), &p[3], 1);
	assert_int_equal(r.net_spend_365d_cents, 0);
	assert_int_equal(r.net_spend_cents, 7);
	assert_unset(r.next_pay_change);

	/* Created at as_of: in every window now, out of the 30-day one in 30 days. */
	p[1].created = A;
	r = run(b, N(b), &p[1], 1);
	assert_int_equal(r.net_spend_30d_cents, 300);
	assert_ts(r.next_pay_change, A + 30 * D);

	/* A booking id is only read when there is one. */
	p[3].booking[0] = 1;
	r = run(b, N(b), &p[3], 1);
	assert_int_equal(r.visits_paid, 0);

	/* Both visits paid; payments without bookings only. */
	for_booking(&p[2], 2);
	r = run(b, N(b), p, N(p));
	assert_int_equal(r.visits_paid, 2);
	assert_int_equal(r.paid_visits, 4);
	r = run(b, N(b), &p[3], 1);
	assert_int_equal(r.visits_paid, 0);
	assert_int_equal(r.paid_visits, 1);
	r = run(NULL, 0, &p[3], 1);
	assert_int_equal(r.visits_paid, 0);
	assert_int_equal(r.visits_total, 0);
	assert_int_equal(r.paid_visits, 1);
}

/* ---- Randomized: the sorted paths against brute force, one agg_work for all ---------- */

static uint64_t rnd_state = 88172645463325252ULL;

static uint32_t rnd(uint32_t n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (uint32_t)(rnd_state % n);
}

static bool visit(const struct agg_booking *x)
{
	return x->status == AGG_ACCEPTED && x->start <= A;
}

static bool rebooked(const struct agg_booking *b, size_t nb, const struct agg_booking *v)
{
	for (size_t j = 0; j < nb; j++)
		if (b[j].status != AGG_DECLINED && b[j].start > v->start &&
		    b[j].created <= v->start + 24 * H)
			return true;
	return false;
}

static void check_brute(const struct agg_booking *b, size_t nb, const struct agg_payment *p,
			size_t np, const struct agg_result *r)
{
	int32_t visits = 0, reb = 0, days = 0, locs = 0, paid = 0, vpaid = 0;
	const struct agg_booking *last = NULL, *first = NULL;

	for (size_t i = 0; i < nb; i++) {
		const struct agg_booking *x = &b[i];
		bool seen_day = false, seen_loc = false;

		if (!visit(x))
			continue;
		visits++;
		reb += rebooked(b, nb, x);
		if (last == NULL || x->start > last->start)
			last = x;
		if (first == NULL || x->start < first->start ||
		    (x->start == first->start && memcmp(x->id, first->id, 16) < 0))
			first = x;
		for (size_t j = 0; j < i; j++) {
			if (!visit(&b[j]))
				continue;
			seen_day |= b[j].local_start / D == x->local_start / D;
			seen_loc |= b[j].has_location &&
				    memcmp(b[j].location, x->location, 16) == 0;
		}
		days += !seen_day;
		locs += x->has_location && !seen_loc;
		for (size_t k = 0; k < np; k++)
			if (p[k].has_booking && memcmp(p[k].booking, x->id, 16) == 0) {
				vpaid++;
				break;
			}
	}
	for (size_t k = 0; k < np; k++) {
		const unsigned char *key = p[k].has_booking ? p[k].booking : p[k].id;
		bool seen = false;

		for (size_t j = 0; j < k; j++)
			seen |= memcmp(p[j].has_booking ? p[j].booking : p[j].id, key, 16) == 0;
		paid += !seen;
	}
	assert_int_equal(r->visits_total, visits);
	assert_int_equal(r->rebooked_visits, reb);
	assert_int_equal(r->has_last_visit_rebooked, visits > 0);
	if (last != NULL)
		assert_int_equal(r->last_visit_rebooked, rebooked(b, nb, last));
	if (first != NULL)
		assert_ptr_equal(r->first_booking_source.p, first->source.p);
	assert_int_equal(r->n_days, days);
	assert_int_equal(r->distinct_locations, locs);
	assert_int_equal(r->paid_visits, paid);
	assert_int_equal(r->visits_paid, vpaid);
}

static void test_random_against_brute_force(void **state)
{
	static const char sources[] = "0123456789";
	static const size_t sizes[] = { 3000, 0, 1, 2, 5, 17, 60, 200, 1 };
	const size_t most = 3000;
	struct agg_booking *b = calloc(most, sizeof(*b));
	struct agg_payment *p = calloc(most, sizeof(*p));
	struct agg_work w = { 0 };
	struct agg_result r;

	(void)state;
	assert_non_null(b);
	assert_non_null(p);
	for (size_t round = 0; round < 40; round++) {
		size_t nb = round < N(sizes) ? sizes[round] : rnd(120);
		size_t np = rnd((uint32_t)nb + 3);

		for (size_t i = 0; i < nb; i++) {
			/* Coarse starts (half days) and few days make ties likely. */
			int64_t start = A + ((int64_t)rnd(60) - 45) * (D / 2);

			b[i] = bk(0, (enum agg_status)rnd(7), start, start - (int64_t)rnd(72) * H);
			b[i].id[0] = (unsigned char)(i >> 8);
			b[i].id[1] = (unsigned char)i;
			b[i].id[2] = 0xbb;
			b[i].local_start = start + (int64_t)rnd(24) * H;
			if (rnd(4) != 0)
				at_location(&b[i], (unsigned char)rnd(6));
			b[i].source = (struct agg_text){ sources + i % 10, 1 };
		}
		for (size_t k = 0; k < np; k++) {
			p[k] = pm((unsigned char)k, 100, A - (int64_t)rnd(400) * D);
			p[k].id[1] = (unsigned char)(k >> 8);
			if (nb > 0 && rnd(3) != 0) {
				memcpy(p[k].booking, b[rnd((uint32_t)nb)].id, 16);
				p[k].has_booking = true;
			}
		}
		assert_int_equal(agg_customer(A, b, nb, p, np, &w, &r), 0);
		check_brute(b, nb, p, np, &r);
	}
	/* Grown once to the largest customer, then reused. */
	assert_true(w.idx_cap >= most);
	assert_true(w.keys_cap >= most);
	agg_work_free(&w);
	free(b);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_parse),
		cmocka_unit_test(test_nothing),
		cmocka_unit_test(test_one_visit),
		cmocka_unit_test(test_window_edges),
		cmocka_unit_test(test_future_bookings),
		cmocka_unit_test(test_status_counts),
		cmocka_unit_test(test_sums),
		cmocka_unit_test(test_clock),
		cmocka_unit_test(test_rebooking),
		cmocka_unit_test(test_first_visit),
		cmocka_unit_test(test_favourite_location),
		cmocka_unit_test(test_favourite_texts),
		cmocka_unit_test(test_weekday_hour),
		cmocka_unit_test(test_intervals),
		cmocka_unit_test(test_payments),
		cmocka_unit_test(test_random_against_brute_force),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
