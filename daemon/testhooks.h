/* SPDX-License-Identifier: ISC */
/*
 * Test hooks: environment variables that only a test build honours
 * (`make TEST_HOOKS=1`, which `make check` and `make bench` use). A plain
 * build ignores them, so a stray Environment= line can never change what
 * production computes; it says so once at start-up.
 *
 *   ANALYTICSD_TEST_AS_OF    every run's as_of (a timestamptz), instead of now();
 *                            "@FILE": the timestamptz in FILE, read as each run starts
 *   ANALYTICSD_TEST_SLEEP_S  a pg_sleep inside every refresh, to make it slow
 *   ANALYTICSD_TEST_RESOLV_CONF  the resolver's configuration instead of
 *                            /etc/resolv.conf (a name server that never answers)
 *   ANALYTICSD_TEST_GROUP_BITS  the compute keeps only the top N (1 to 63) bits of
 *                            each row's grp, so that a group holds many customers,
 *                            as it would should two keys share a hash
 *   ANALYTICSD_TEST_SLICE_ROWS  the compute's slice, in rows (default 250): 1 makes
 *                            each batch outlast the FETCH of the next, which then
 *                            waits, parked
 *   ANALYTICSD_TEST_RETENTION_MS  the retention's passes this often, the first this
 *                            soon, instead of hourly and a minute after start
 */
#ifndef AD_TESTHOOKS_H
#define AD_TESTHOOKS_H

/* The value of a hook, or NULL when unset, empty, or not a test build. */
const char *testhook_as_of(void);
const char *testhook_sleep_s(void);
const char *testhook_resolv_conf(void);
const char *testhook_group_bits(void);
const char *testhook_slice_rows(void);
const char *testhook_retention_ms(void);

/* At start-up: log the hooks in force, or those set but ignored. */
void testhook_announce(void);

#endif
