#!/bin/bash
# SPDX-License-Identifier: ISC
# rollback restores customer_analytics exactly, --to undoes several runs,
# a rollback pauses (in the database: across restarts), pruned undo logs
# refuse, and a rollback is never itself undone.
. "$(dirname "$0")/../lib.sh"

pg_start main && db_new rollback || exit 1
export ANALYTICSD_TEST_AS_OF='2026-11-20 09:30:00+00'
daemon_start d1
connected() { wait_for "connected" 20 sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.database.state == \"connected\" and .result.work_connection.state == \"connected\"'"; }
connected
ctl migrate up >/dev/null
psql_q -f "$SRC_DIR/sql/demo_data.sql" >/dev/null 2>&1
ORG=11111111-1111-4111-8111-000000000001

# The whole table, computed_at included, as one checksum.
table_md5() { psql_q -c "select md5(coalesce(string_agg(ca::text, '|' order by organization_id, square_customer_id), '')) from customer_analytics ca"; }
# change N: data changes that make the next refresh insert, update and delete.
change() {
	psql_q >/dev/null <<SQL
insert into bookings (organization_id, location_id, customer_id, status, start_at, created_at, updated_at)
select organization_id, id, 'rollback-new-$1', 'ACCEPTED', '2026-11-01 10:00+00', '2026-10-30 10:00+00', '2026-10-30 10:00+00'
  from locations where organization_id = '$ORG' order by id limit 1;
update payments set tip_cents = tip_cents + 1
 where id in (select id from payments where status = 'COMPLETED' and customer_id is not null order by id limit 3 offset $1 * 3);
delete from square_existing_clients c
 where (organization_id, square_customer_id) = (select organization_id, square_customer_id from square_existing_clients x
        where not exists (select 1 from bookings b where b.organization_id = x.organization_id and b.customer_id = x.square_customer_id)
          and not exists (select 1 from square_existing_clients r where r.organization_id = x.organization_id and r.referred_by_customer_id = x.square_customer_id)
          and not exists (select 1 from payments p where p.organization_id = x.organization_id and p.customer_id = x.square_customer_id)
        order by 1, 2 limit 1);
SQL
}

ctl_json rollback
is "$RC" 1 "rollback with no run to undo fails (exit 1)"
like "$(jq -r .error.message <<<"$OUT")" "no successful refresh" "and says there is nothing to undo"

ctl refresh full >/dev/null 2>&1
BEFORE=$(table_md5)
change 1
ctl_json refresh full
RUN=$(jget .result.run_id)
like "$(jget '"\(.result.rows.inserted) \(.result.rows.updated) \(.result.rows.deleted)"')" '^[1-9][0-9]* [1-9][0-9]* [1-9][0-9]*$' \
	"the run to undo inserted, updated and deleted rows"
is "$(psql_q -c "select count(*) from analytics_undo_log where run_id = $RUN")" \
	"$(jget '.result.rows.inserted + .result.rows.updated + .result.rows.deleted')" "its undo log holds one row per changed row"
AFTER=$(table_md5)

ctl_json rollback
is "$RC" 0 "rollback succeeds"
is "$(jget '.result.undone | join(",")')" "$RUN" "rollback undoes the latest refresh"
is "$(table_md5)" "$BEFORE" "after the rollback the table is exactly what it was before the run"
ROLLBACK=$(jget .result.run_id)
is "$(psql_q -c "select status || ' ' || undone_by from analytics_refresh_runs where id = $RUN")" "rolled_back $ROLLBACK" \
	"the undone run is marked rolled_back by the rollback"
is "$(psql_q -c "select kind || ' ' || status from analytics_refresh_runs where id = $ROLLBACK")" "rollback succeeded" \
	"the rollback is a recorded run"
is "$(psql_q -c "select count(*) from application_logs where payload->>'mode' = 'rollback' and (payload->>'run_id')::bigint = $ROLLBACK")" 1 \
	"the rollback has its application_logs row"

# Paused: in the database, across restarts, for timer refreshes.
ctl_json status
is "$(jget .result.paused.paused)" true "status shows paused after a rollback"
like "$(jget .result.paused.reason)" "undid run $RUN" "and why"
daemon_stop d1
daemon_start d1
connected
ctl_json refresh recent --trigger timer
is "$RC" 75 "a timer refresh is refused while paused, also after a restart (exit 75)"
like "$(jq -r .error.message <<<"$OUT")" "paused \(by uid" "the refusal names who paused"
ctl_json refresh full
is "$RC" 75 "a manual refresh while paused is refused without --force"
ctl_json refresh full --trigger timer --force
is "$RC" 75 "--force does not let a timer refresh through"
is "$(table_md5)" "$BEFORE" "the refused refreshes changed nothing"
ctl_json resume
is "$RC" 0 "resume succeeds"
ctl_json status
is "$(jget .result.paused.paused)" false "status shows not paused after resume"
ctl_json pause --reason "maintenance"
ctl_json refresh full --force
is "$RC" 0 "a manual refresh with --force runs while paused"
ctl resume >/dev/null

# --to across three runs.
R1=$(jget .result.run_id)
AT_R1=$(table_md5)
for i in 2 3 4; do change $i; ctl refresh full >/dev/null 2>&1; done
# --dry-run first: what it would undo, and nothing changed or recorded.
AT_R4=$(table_md5)
N_RUNS=$(psql_q -c "select count(*) from analytics_refresh_runs")
WANT_IDS=$(psql_q -c "select string_agg(id::text, ',' order by id desc) from analytics_refresh_runs
                       where id > $R1 and kind = 'refresh' and status = 'succeeded'")
WANT_ROWS=$(psql_q -c "select count(*) from analytics_undo_log where run_id > $R1")
ctl_json rollback --to "$R1" --dry-run
is "$RC" 0 "rollback --to --dry-run succeeds"
is "$(jget '[.result.runs[].run_id] | map(tostring) | join(",")')" "$WANT_IDS" \
	"it lists the three later runs, newest first"
is "$(jget '.result.rows.deleted + .result.rows.updated + .result.rows.inserted')" "$WANT_ROWS" \
	"its row counts add up to their undo log ($WANT_ROWS rows)"
is "$(jget '[.result.runs[].rows.updated] | add')" "$(jget .result.rows.updated)" \
	"and the runs' counts add up to the total"
is "$(table_md5)" "$AT_R4" "the dry run changed nothing in the table"
is "$(psql_q -c "select count(*) from analytics_refresh_runs")" "$N_RUNS" "and recorded no run"
is "$(psql_q -c "select paused from analytics_control")" f "and did not pause"
like "$(ctl rollback --dry-run 2>&1)" "rollback would undo 1 run \(nothing has been changed\)" \
	"a plain --dry-run says it would undo the latest run, in words"
ctl_json rollback --to 999999 --dry-run
is "$RC" 1 "--dry-run --to a run that does not exist fails"
like "$(jget .error.message)" "there is no run 999999" "and says so"
ctl_json rollback --to "$R1"
is "$RC" 0 "rollback --to succeeds"
is "$(jget '.result.undone | length')" 3 "rollback --to undoes the three later runs"
is "$(table_md5)" "$AT_R1" "the table is back to its state right after run $R1"
is "$(psql_q -c "select count(*) from analytics_refresh_runs where id > $R1 and kind = 'refresh' and status = 'rolled_back'")" 3 \
	"all three are marked rolled_back"

# A rollback is never undone: the next rollback takes the next older refresh.
ctl resume >/dev/null
ctl_json rollback
is "$(jget '.result.undone | join(",")')" "$R1" "the next rollback undoes run $R1, not the rollback"
is "$(psql_q -c "select count(*) from analytics_refresh_runs where kind = 'rollback' and status <> 'succeeded'")" 0 \
	"no rollback run is ever undone"
ctl resume >/dev/null
daemon_stop d1

# Pruned undo logs: keep_runs = 2.
PGDATABASE=rollback REFRESH_EXTRA='keep_runs = 2;' daemon_start d2
connected
for i in 5 6 7; do change $i; ctl refresh full >/dev/null 2>&1; done
is "$(psql_q -c "select count(*) from analytics_refresh_runs where undo_kept")" 2 "only keep_runs undo logs are kept"
FIRST=$(psql_q -c "select min(id) - 1 from analytics_refresh_runs where kind = 'refresh' and status = 'succeeded' and undone_by is null and id > (select max(id) from analytics_refresh_runs where kind = 'rollback')")
ctl_json rollback --to "$FIRST"
is "$RC" 1 "rollback past a pruned undo log is refused"
like "$(jget .error.message)" "pruned" "the refusal says the log was pruned"
ctl_json rollback --to "$FIRST" --dry-run
is "$RC" 1 "so does its dry run, with the same reason"
like "$(jget .error.message)" "pruned" "(the log was pruned)"
ctl_json rollback
is "$RC" 0 "rolling back the newest (kept) run still works"
daemon_stop d2
t_done
