#!/bin/bash
# SPDX-License-Identifier: ISC
# loyalty rebuild (analyticsctl(8) "loyalty"): customers are the distinct normalised contacts,
# a second rebuild changes nothing, manual adjustments survive, a pilot
# organization accrues only once the configuration lists it (after reload),
# rollback of a rebuild restores all four tables exactly, the balance column of
# customer_analytics reads the ledger (recent catches ledger changes), and a
# rebuild obeys the paused rule.
. "$(dirname "$0")/../lib.sh"

pg_start main && db_new loyalty || exit 1
export ANALYTICSD_TEST_AS_OF='2026-11-20 09:30:00+00'
SALON=11111111-1111-4111-8111-000000000001      # pilot programme
KITCHEN=11111111-1111-4111-8111-000000000002    # ordinary programme
BARBER=11111111-1111-4111-8111-000000000003     # no programme
daemon_start d1
wait_for "connected" 20 sh -c "'$BIN/analyticsctl' -s '$SOCK' --json status | jq -e '.result.work_connection.state == \"connected\"'"
ctl migrate up >/dev/null
psql_q -f "$SRC_DIR/sql/demo_data.sql" >/dev/null 2>&1
# The demo data's programmes: the restaurant's accrues; the salon's is a pilot.
is "$(psql_q -c "select string_agg(organization_id || ' ' || pilot_only, ',' order by organization_id) from loyalty_programs")" \
	"$SALON true,$KITCHEN false" "the demo has an ordinary and a pilot programme"

# The four tables a rebuild writes, each as one checksum over every column.
tables_md5() {
	psql_q -c "select md5(concat_ws('#',
	  (select string_agg(t::text, '|' order by organization_id, id) from customers t),
	  (select string_agg(t::text, '|' order by organization_id, customer_id) from customer_profiles t),
	  (select string_agg(t::text, '|' order by organization_id, id) from loyalty_point_events t),
	  (select string_agg(t::text, '|' order by organization_id, customer_id, program_id) from loyalty_points t)))"
}
# Distinct normalised contacts of the bookings, computed here independently of
# the rebuild's SQL (same functions: their own tests are t_normalize).
contacts() {
	psql_q -c "select count(*) from (select distinct b.organization_id,
	             analytics_normalize_email(b.customer_email) e,
	             analytics_normalize_phone(b.customer_phone, s.phone_country_code) p
	           from bookings b left join analytics_org_settings s using (organization_id)) c
	           where e is not null or p is not null"
}
# Points the bookings of ORG award to customers with a usable contact.
awarded() {
	psql_q -c "select coalesce(sum(loyalty_points_awarded), 0) from bookings b
	           left join analytics_org_settings s using (organization_id)
	           where b.organization_id = '$1'
	             and (analytics_normalize_email(b.customer_email) is not null
	                  or analytics_normalize_phone(b.customer_phone, s.phone_country_code) is not null)"
}
ledger_sum() { psql_q -c "select coalesce(sum(delta), 0) from loyalty_point_events where organization_id = '$1' and reason = '$2'"; }
# The ids of the bookings of customers row (ORG, ID), by normalised contact.
bookings_of() {
	echo "select b.id from bookings b
	  left join analytics_org_settings s on s.organization_id = b.organization_id
	  join customers c on c.organization_id = b.organization_id
	   and coalesce(c.email_normalized, '') = coalesce(analytics_normalize_email(b.customer_email), '')
	   and coalesce(c.phone_e164, '') = coalesce(analytics_normalize_phone(b.customer_phone, s.phone_country_code), '')
	 where c.organization_id = '$1' and c.id = $2"
}
check_status() { jq -r --arg n "$1" '.result.checks[] | select(.name == $n) | .status' <<<"$OUT"; }

ctl_json check
is "$(check_status customers)" fail "before any rebuild, check fails: customers are missing"

# --- first rebuild -----------------------------------------------------------
ctl_json loyalty rebuild
is "$RC" 0 "loyalty rebuild succeeds"
REBUILD1=$(jget .result.run_id)
is "$(psql_q -c "select count(*) from customers")" "$(contacts)" \
	"customers are exactly the distinct normalised contacts of the bookings"
is "$(jget .result.tables.customers.inserted)" "$(contacts)" "and the reply counts them as inserted"
is "$(ledger_sum "$KITCHEN" booking)" "$(awarded "$KITCHEN")" \
	"the ordinary programme's booking entries add up to the bookings' awards"
is "$(ledger_sum "$SALON" booking)" 0 "the pilot organization, not in the configuration, accrues nothing"
is "$(psql_q -c "select count(*) from loyalty_points p where balance <> (select sum(delta) from loyalty_point_events e
          where (e.organization_id, e.customer_id, e.program_id) = (p.organization_id, p.customer_id, p.program_id))")" 0 \
	"every balance is the sum of its ledger entries"
is "$(psql_q -c "select count(*) from customer_profiles")" "$(psql_q -c "select count(*) from customers")" \
	"every customer has a profile"
is "$(psql_q -c "select kind || ' ' || mode || ' ' || status from analytics_refresh_runs where id = $REBUILD1")" \
	"loyalty_rebuild rebuild succeeded" "the rebuild is a recorded run"
is "$(psql_q -c "select count(*) from loyalty_undo_log where run_id = $REBUILD1")" "$(jget '.result.rows.inserted')" \
	"its undo log holds one row per row it wrote"
is "$(psql_q -c "select payload->>'cron_name' from application_logs where (payload->>'run_id')::bigint = $REBUILD1")" \
	backfill-customers-loyalty "its application_logs row names the backfill"

# A profile, worked out by hand for one contact with several bookings.
read -r PORG PCUST <<<"$(psql_q -F ' ' -c "select organization_id, customer_id from customer_profiles
	where total_bookings >= 3 and cardinality(square_customer_ids) >= 1 order by 1, 2 limit 1")"
is "$(psql_q -c "select total_bookings || ' ' || total_covers || ' ' || coalesce(marketing_opt_in::text, 'null')
	from customer_profiles where organization_id = '$PORG' and customer_id = $PCUST")" \
	"$(psql_q -c "with b as (select * from bookings where id in ($(bookings_of "$PORG" "$PCUST")))
	   select count(*) || ' ' || coalesce(sum(party_size) filter (where status = 'ACCEPTED'), 0) || ' ' ||
	          coalesce((select marketing_opt_in::text from b order by created_at desc, start_at desc, id desc limit 1), 'null') from b")" \
	"a profile counts its bookings, accepted covers and the latest booking's opt-in"

ctl_json check
is "$(check_status customers) $(check_status loyalty_balances) $(check_status analytics_events)" "pass pass pass" \
	"check: customers, balances and event contracts pass after a rebuild"
like "$(check_status loyalty_awards)" '^(pass|warn)$' "check: booking awards match the ledger"
like "$(check_status contacts)" '^warn$' "check: the demo's unparseable phones are counted (warn)"

# --- idempotent ----------------------------------------------------------------
BEFORE=$(tables_md5)
ctl_json loyalty rebuild
is "$(jget '"\(.result.rows.inserted) \(.result.rows.updated) \(.result.rows.deleted)"')" "0 0 0" \
	"a second rebuild on the same data changes nothing"
is "$(tables_md5)" "$BEFORE" "and the four tables are byte-for-byte the same"

# --- manual adjustments survive --------------------------------------------------
# A customer of the ordinary programme who is also a customer_analytics row.
ctl refresh full >/dev/null
ca_join="customer_analytics ca join customers c on ca.organization_id = c.organization_id
	and coalesce(ca.email_normalized, '') = coalesce(c.email_normalized, '')
	and coalesce(ca.phone_e164, '') = coalesce(c.phone_e164, '')"
MCUST=$(psql_q -c "select c.id from $ca_join where c.organization_id = '$KITCHEN' order by c.id limit 1")
PROG=$(psql_q -c "select id from loyalty_programs where organization_id = '$KITCHEN'")
psql_q -c "insert into loyalty_point_events (organization_id, customer_id, program_id, delta, reason, note, created_at)
           values ('$KITCHEN', $MCUST, '$PROG', 25, 'manual', 'birthday bonus', '2026-11-01 12:00+00')"
MANUAL=$(psql_q -c "select md5(string_agg(t::text, '|' order by id)) from loyalty_point_events t where reason = 'manual'")
ctl_json loyalty rebuild
is "$(psql_q -c "select md5(string_agg(t::text, '|' order by id)) from loyalty_point_events t where reason = 'manual'")" \
	"$MANUAL" "a manual adjustment survives a rebuild untouched"
is "$(jget .result.tables.loyalty_points.updated) $(jget .result.tables.loyalty_point_events.deleted)" "1 0" \
	"the rebuild only brings that customer's balance up to date"
is "$(psql_q -c "select sum(balance) from loyalty_points where organization_id = '$KITCHEN' and customer_id = $MCUST")" \
	"$(psql_q -c "select sum(delta) from loyalty_point_events where organization_id = '$KITCHEN' and customer_id = $MCUST")" \
	"its balance includes the adjustment"

# --- customer_analytics reads the ledger -------------------------------------------
ctl refresh full >/dev/null
ca_balance() { psql_q -c "select ca.loyalty_points_balance from $ca_join where c.organization_id = '$KITCHEN' and c.id = $MCUST"; }
cust_ledger() { psql_q -c "select sum(delta) from loyalty_point_events where organization_id = '$KITCHEN' and customer_id = $MCUST"; }
is "$(ca_balance)" "$(cust_ledger)" "customer_analytics.loyalty_points_balance is the matching customer's ledger sum"
is "$(psql_q -c "select count(*) from customer_analytics ca where loyalty_points_balance <> 0
	and not exists (select 1 from customers c where c.organization_id = ca.organization_id
	and coalesce(c.email_normalized, '') = coalesce(ca.email_normalized, '') and coalesce(c.phone_e164, '') = coalesce(ca.phone_e164, ''))")" 0 \
	"a row without a matching customer has balance 0"
psql_q -c "insert into loyalty_point_events (organization_id, customer_id, program_id, delta, reason, note)
           values ('$KITCHEN', $MCUST, '$PROG', -5, 'expiry', 'points expired')"
ctl_json refresh recent --days 1
is "$(ca_balance)" "$(cust_ledger)" "refresh recent picks up a ledger change of a customer without recent bookings"

# --- a pilot organization accrues after a reload that lists it --------------------
ctl_json loyalty rebuild
is "$(ledger_sum "$SALON" booking)" 0 "still no accrual for the pilot organization before the reload"
sed -i '$a loyalty = { pilot_organizations = [ "'"$SALON"'" ]; };' "$T/d1.conf"
ctl_json reload
is "$RC" 0 "reload with the pilot organization listed"
BEFORE=$(tables_md5)
ctl_json loyalty rebuild --org "$SALON"
is "$RC" 0 "loyalty rebuild --org succeeds"
PILOT_RUN=$(jget .result.run_id)
is "$(ledger_sum "$SALON" booking)" "$(awarded "$SALON")" "after the reload, the pilot organization accrues its bookings' awards"
is "$(ledger_sum "$KITCHEN" booking)" "$(awarded "$KITCHEN")" "and the other organization's entries are as they were"
is "$(jget .result.scope.organization_id)" "$SALON" "the run's scope is the organization"

# --- rollback of a rebuild ---------------------------------------------------------
ctl_json rollback
is "$RC" 0 "rollback of the rebuild succeeds"
is "$(jget '.result.undone | join(",")')" "$PILOT_RUN" "it undoes the rebuild (the latest run)"
is "$(tables_md5)" "$BEFORE" "after the rollback the four tables are exactly what they were"
is "$(psql_q -c "select status from analytics_refresh_runs where id = $PILOT_RUN")" rolled_back "the rebuild is marked rolled_back"
is "$(psql_q -c "select count(*) from loyalty_undo_log where run_id = $PILOT_RUN")" 0 "its undo log is spent"

# --- paused --------------------------------------------------------------------------
ctl_json loyalty rebuild
is "$RC" 75 "while paused (after the rollback), a rebuild is refused (exit 75)"
like "$(jget .error.message)" 'paused.*loyalty rebuild --force' "and says how to run one anyway"
ctl_json loyalty rebuild --force
is "$RC" 0 "with --force it runs"
ctl resume >/dev/null

# --- contacts come and go ---------------------------------------------------------------
# A booking's contact changes to a new one: a new customer; a customer no booking names any
# more goes, unless ledger entries name it.
OLD=$(psql_q -c "select c.id from customers c join customer_profiles p on p.organization_id = c.organization_id and p.customer_id = c.id
	where c.organization_id = '$BARBER' and p.total_bookings = 1 and c.email_normalized is not null order by c.id limit 1")
psql_q -c "update bookings set customer_email = 'Someone.New@Example.COM ', customer_phone = null
	where id in ($(bookings_of "$BARBER" "$OLD"))"
ctl_json loyalty rebuild
is "$(jget .result.tables.customers.inserted) $(jget .result.tables.customers.deleted)" "1 1" \
	"a changed contact adds its customer and removes the one no booking names"
is "$(psql_q -c "select count(*) from customers where organization_id = '$BARBER' and email_normalized = 'someone.new@example.com'")" 1 \
	"the new customer has the normalised email"
psql_q -c "update bookings set customer_email = 'nobody-else@example.com', customer_phone = null
	where id in ($(bookings_of "$KITCHEN" "$MCUST"))"
ctl_json loyalty rebuild
is "$(psql_q -c "select count(*) from customers where organization_id = '$KITCHEN' and id = $MCUST")" 1 \
	"a customer with manual ledger entries stays when no booking names it"
is "$(psql_q -c "select count(*) || ' ' || sum(delta) from loyalty_point_events where organization_id = '$KITCHEN' and customer_id = $MCUST")" \
	"2 20" "only its manual and expiry entries remain, and they add up"
ctl_json check
is "$(check_status customers)" warn "check warns about the customer kept for its ledger entries"
is "$(check_status loyalty_balances)" pass "balances still equal the ledger"

# --- bad requests ------------------------------------------------------------------------
ctl_json loyalty rebuild --org not-a-uuid
is "$RC" 64 "rebuild --org with a non-uuid is refused by the daemon (exit 64)"
like "$(jget .error.code)" 'bad_request' "as a bad request"
ctl_json loyalty
is "$RC" 64 "loyalty without an action is a usage error (exit 64)"

daemon_stop d1
t_done
