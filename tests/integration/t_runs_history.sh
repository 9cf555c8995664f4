#!/bin/bash
# SPDX-License-Identifier: ISC
# The history of runs: `runs` filtered by status, kind, mode and start (an age or a time),
# and the retention, which deletes run records and analyticsd's application_logs rows
# older than retention.days in the background (a test hook makes its hourly pass come
# every 300 ms), keeps a run whose undo log is kept, and leaves the run counters alone.
. "$(dirname "$0")/../lib.sh"

pg_start main && db_new history || exit 1
daemon_start d1
ctl migrate up >/dev/null
psql_q -f "$SRC_DIR/sql/demo_data.sql" >/dev/null 2>&1
ctl refresh full >/dev/null 2>&1
ctl refresh recent >/dev/null 2>&1
ORG=$(psql_q -c "select id from organizations order by id limit 1")
ctl refresh org "$ORG" >/dev/null 2>&1
ctl rollback >/dev/null 2>&1         # the org refresh: rolled_back; the rollback succeeded
ctl resume >/dev/null
# Old records, as a year of runs would have left them: 100 days old, one with its undo
# log kept (a rollback may still need it), and analyticsd's log rows and someone else's.
psql_q -c "insert into analytics_refresh_runs (kind, mode, trigger, started_at, finished_at, status)
           select 'refresh', 'incremental', 'timer', now() - interval '100 days' + n * interval '1 minute',
                  now() - interval '100 days' + n * interval '1 minute', 'succeeded'
             from generate_series(1, 30) n;
           insert into analytics_refresh_runs (kind, mode, trigger, started_at, finished_at, status, undo_kept)
           values ('refresh', 'full', 'timer', now() - interval '200 days', now() - interval '200 days',
                   'succeeded', true);
           insert into application_logs (log_type, status, payload, created_at)
           select 'cron', 'success', '{\"cron_name\": \"refresh-customer-analytics\"}', now() - interval '100 days'
             from generate_series(1, 10);
           insert into application_logs (log_type, status, payload, created_at)
           values ('cron', 'success', '{\"cron_name\": \"someone-elses-job\"}', now() - interval '100 days')"

ctl_json runs --limit 1000
is "$(jget '.result.runs | length')" 35 "runs lists them all (4 real, 31 old)"
ctl_json runs --status rolled_back
is "$(jget '[.result.runs[] | .mode] | join(",")')" org "--status rolled_back: the org refresh"
ctl_json runs --kind rollback
is "$(jget '[.result.runs[] | .status] | join(",")')" succeeded "--kind rollback: the rollback"
ctl_json runs --mode recent
is "$(jget '.result.runs | length')" 1 "--mode recent: one run"
ctl_json runs --since 1h --limit 1000
is "$(jget '.result.runs | length')" 4 "--since 1h: the four of the last hour"
ctl_json runs --since "$(date -u -d '150 days ago' +%Y-%m-%dT%H:%M:%SZ)" --limit 1000
is "$(jget '.result.runs | length')" 34 "--since a time: all but the one of 200 days ago"
ctl_json runs --mode incremental --status succeeded --since 101d
is "$(jget '.result.runs | length')" 20 "filters combine (and --limit's default of 20 holds)"
ctl_json runs --since yesterday-ish
is "$RC" 64 "a --since PostgreSQL cannot read is a usage error (exit 64)"
like "$(jget .error.message)" "since" "naming --since"
ctl_json runs --status exploded
is "$RC" 64 "an unknown --status is a usage error"
M_BEFORE=$(ctl metrics | grep '^analyticsd_runs_total')
daemon_stop d1

ANALYTICSD_TEST_RETENTION_MS=300 daemon_start d2
check "the retention prunes the old records in the background" \
	wait_for "pruning" 20 sh -c "[ \"\$(psql -X -A -t -c \"select count(*) from analytics_refresh_runs where started_at < now() - interval '90 days' and not undo_kept\")\" = 0 ]"
is "$(psql_q -c "select count(*) from analytics_refresh_runs")" 5 "the four recent runs and the kept one stay"
is "$(psql_q -c "select count(*) from analytics_refresh_runs where undo_kept and started_at < now() - interval '90 days'")" 1 \
	"a run whose undo log is kept stays, whatever its age"
is "$(psql_q -c "select count(*) from application_logs where created_at < now() - interval '90 days'")" 1 \
	"analyticsd's old log rows go; another job's stays"
like "$(cat "$T/d2.log")" "retention: pruned 30 run records and 10 application_logs rows older than 90 days" \
	"the pass says what it pruned"
is "$(ctl metrics | grep '^analyticsd_runs_total')" "$M_BEFORE" "the run counters do not go down"
daemon_stop d2
t_done
