#!/bin/bash
# SPDX-License-Identifier: ISC
# analytics_events payload contracts of schema version 1 (migration 0005): for each
# event type a valid payload is stored, and every kind of invalid one (a required field
# missing, a field of the wrong JSON type, a value out of range, a bad booking_id, a version
# mismatch, a payload that is not an object, an unknown event type) is refused by its CHECK
# constraint with SQLSTATE 23514, naming that constraint. No daemon: the migrations are
# applied with psql; the daemon's `check` of stored events is tested elsewhere.
. "$(dirname "$0")/../lib.sh"

ORG=00000000-0000-4000-8000-000000000001
BID=3f2b8c1e-9a4d-4e6f-8b7a-0c1d2e3f4a5b

pg_start main && db_new events || exit 1

for f in "$SRC_DIR"/sql/migrations/[0-9][0-9][0-9][0-9]_*.up.sql; do
	check "migration $(basename "$f") applies" psql_q -1 -f "$f"
done

# try_event ORG TYPE PAYLOAD SCHEMA_VERSION (each may be <null>): INSERT one row and print
# "ok", or the error's SQLSTATE and the constraint (else the column) it names, from
# GET STACKED DIAGNOSTICS. A refused row leaves nothing behind (its subtransaction is undone).
psql_q -c "
CREATE FUNCTION t_try_event(org text, et text, p text, sv text) RETURNS text
    LANGUAGE plpgsql AS \$\$
DECLARE st text; cn text; col text;
BEGIN
    INSERT INTO analytics_events (organization_id, event_type, payload, schema_version)
    VALUES (org::uuid, et, p::jsonb, sv::integer);
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, cn = CONSTRAINT_NAME, col = COLUMN_NAME;
    RETURN st || ' ' || coalesce(nullif(cn, ''), nullif(col, ''), '-');
END
\$\$" || exit 1
try_event() {
	psql_q -v org="$1" -v et="$2" -v p="$3" -v sv="$4" -f - 2>&1 <<-'SQL'
		select t_try_event(nullif(:'org', '<null>'), nullif(:'et', '<null>'),
		                         nullif(:'p', '<null>'), nullif(:'sv', '<null>'))
	SQL
}

# The valid payload of each type; variants are derived from it with a jq filter.
declare -A VALID=(
	[booking.created]="{\"version\":1,\"booking_id\":\"$BID\",\"loyalty_points_awarded\":10,\"waitlisted\":false}"
	[booking.waitlisted]="{\"version\":1,\"booking_id\":\"$BID\",\"waitlist_id\":\"wl-42\",\"queue_position\":3}"
	[booking.allocated]="{\"version\":1,\"booking_id\":\"$BID\",\"allocation_status\":\"allocated\"}"
	[booking.cancelled]="{\"version\":1,\"booking_id\":\"$BID\",\"previous_status\":\"ACCEPTED\",\"cancelled_by\":\"customer\"}"
)
TYPES="booking.created booking.waitlisted booking.allocated booking.cancelled"
constraint_of() { echo "analytics_events_booking_${1#booking.}"; }
variant() { jq -c "$2" <<<"${VALID[$1]}"; }

# accept TYPE JQ_FILTER DESC / reject TYPE JQ_FILTER CONSTRAINT DESC [SCHEMA_VERSION]
accept() {
	is "$(try_event "$ORG" "$1" "$(variant "$1" "$2")" 1)" ok "$1: $3 is accepted"
}
reject() {
	is "$(try_event "$ORG" "$1" "$(variant "$1" "$2")" "${5:-1}")" "23514 $3" \
		"$1: $4 is refused (23514, $3)"
}
count() { psql_q -c "select count(*) from analytics_events where event_type = '$1'"; }

# ---- valid payloads --------------------------------------------------------------------
for t in $TYPES; do
	accept "$t" . "the valid payload"
	is "$(count "$t")" 1 "$t: one row stored"
done
accept booking.created '.loyalty_points_awarded = 0 | .waitlisted = true' "0 points, waitlisted true"
accept booking.created ".booking_id = \"$(tr a-f A-F <<<"$BID")\"" "an upper-case uuid"
accept booking.waitlisted '.queue_position = 1' "queue_position 1 (next)"
accept booking.allocated '.allocation_status = "reallocated"' "allocation_status reallocated"
accept booking.cancelled '.previous_status = "PENDING" | .cancelled_by = "seller"' "PENDING cancelled by seller"
accept booking.cancelled '.cancelled_by = "system"' "cancelled by system"
is "$(count booking.created)" 3 "booking.created: three rows stored"
is "$(count booking.waitlisted)" 2 "booking.waitlisted: two rows stored"
is "$(count booking.allocated)" 2 "booking.allocated: two rows stored"
is "$(count booking.cancelled)" 3 "booking.cancelled: three rows stored"
TOTAL=$(psql_q -c "select count(*) from analytics_events")
is "$TOTAL" 10 "ten valid events stored in all"

# ---- per type: missing fields, wrong JSON types, out-of-range values --------------------
C=analytics_events_booking_created
reject booking.created 'del(.booking_id)' $C "missing booking_id"
reject booking.created 'del(.loyalty_points_awarded)' $C "missing loyalty_points_awarded"
reject booking.created 'del(.waitlisted)' $C "missing waitlisted"
reject booking.created '.booking_id = 12345' $C "booking_id a number"
reject booking.created '.booking_id = null' $C "booking_id null"
reject booking.created '.booking_id = "not-a-uuid"' $C "booking_id not a uuid"
reject booking.created '.booking_id |= .[1:]' $C "booking_id one character short of a uuid"
reject booking.created '.loyalty_points_awarded = "10"' $C "loyalty_points_awarded a string"
reject booking.created '.loyalty_points_awarded = true' $C "loyalty_points_awarded a boolean"
reject booking.created '.loyalty_points_awarded = -1' $C "negative loyalty_points_awarded"
reject booking.created '.loyalty_points_awarded = 2.5' $C "fractional loyalty_points_awarded"
reject booking.created '.waitlisted = 0' $C "waitlisted a number"
reject booking.created '.waitlisted = "false"' $C "waitlisted a string"
reject booking.created '.waitlisted = null' $C "waitlisted null"

C=analytics_events_booking_waitlisted
reject booking.waitlisted 'del(.booking_id)' $C "missing booking_id"
reject booking.waitlisted 'del(.waitlist_id)' $C "missing waitlist_id"
reject booking.waitlisted 'del(.queue_position)' $C "missing queue_position"
reject booking.waitlisted '.booking_id = 7' $C "booking_id a number"
reject booking.waitlisted '.booking_id = "not-a-uuid"' $C "booking_id not a uuid"
reject booking.waitlisted '.waitlist_id = 42' $C "waitlist_id a number"
reject booking.waitlisted '.waitlist_id = ""' $C "waitlist_id empty"
reject booking.waitlisted '.queue_position = "3"' $C "queue_position a string"
reject booking.waitlisted '.queue_position = 0' $C "queue_position 0"
reject booking.waitlisted '.queue_position = -1' $C "negative queue_position"
reject booking.waitlisted '.queue_position = 1.5' $C "fractional queue_position"

C=analytics_events_booking_allocated
reject booking.allocated 'del(.booking_id)' $C "missing booking_id"
reject booking.allocated 'del(.allocation_status)' $C "missing allocation_status"
reject booking.allocated '.booking_id = true' $C "booking_id a boolean"
reject booking.allocated '.booking_id = "not-a-uuid"' $C "booking_id not a uuid"
reject booking.allocated '.allocation_status = "assigned"' $C "allocation_status not in the enum"
reject booking.allocated '.allocation_status = "ALLOCATED"' $C "allocation_status in the wrong case"
reject booking.allocated '.allocation_status = 1' $C "allocation_status a number"
reject booking.allocated '.allocation_status = null' $C "allocation_status null"

C=analytics_events_booking_cancelled
reject booking.cancelled 'del(.booking_id)' $C "missing booking_id"
reject booking.cancelled 'del(.previous_status)' $C "missing previous_status"
reject booking.cancelled 'del(.cancelled_by)' $C "missing cancelled_by"
reject booking.cancelled '.booking_id = [.booking_id]' $C "booking_id an array"
reject booking.cancelled '.booking_id = "not-a-uuid"' $C "booking_id not a uuid"
reject booking.cancelled '.previous_status = "DECLINED"' $C "previous_status DECLINED"
reject booking.cancelled '.previous_status = "CANCELLED_BY_CUSTOMER"' $C "previous_status already cancelled"
reject booking.cancelled '.previous_status = "pending"' $C "previous_status in the wrong case"
reject booking.cancelled '.previous_status = 1' $C "previous_status a number"
reject booking.cancelled '.cancelled_by = "admin"' $C "cancelled_by not customer/seller/system"
reject booking.cancelled '.cancelled_by = "Customer"' $C "cancelled_by in the wrong case"
reject booking.cancelled '.cancelled_by = true' $C "cancelled_by a boolean"

# A payload is judged by the contract of its event_type: another type's valid payload fails.
reject booking.created "${VALID[booking.waitlisted]}" analytics_events_booking_created \
	"a booking.waitlisted payload"
reject booking.cancelled "${VALID[booking.allocated]}" analytics_events_booking_cancelled \
	"a booking.allocated payload"

# ---- per type: the version contract, and payloads that are not objects ------------------
V=analytics_events_version
for t in $TYPES; do
	reject "$t" 'del(.version)' $V "payload.version missing"
	reject "$t" '.version = "1"' $V "payload.version the string \"1\""
	reject "$t" '.version = null' $V "payload.version null"
	reject "$t" '.version = 2' $V "payload.version 2 with schema_version 1"
	reject "$t" '.version = 2' $V "schema_version 2 with payload.version 2" 2
	reject "$t" . $V "schema_version 2 with payload.version 1" 2
	reject "$t" '.version = 0' $V "schema_version 0 with payload.version 0" 0
	# Not an object: both this type's contract and analytics_events_version fail, and
	# PostgreSQL reports the first it evaluates; either name is right.
	for p in '[]' '"booking"' '1' 'null'; do
		like "$(try_event "$ORG" "$t" "$p" 1)" "^23514 ($(constraint_of "$t")|$V)\$" \
			"$t: payload $p (not an object) is refused (23514)"
	done
done

# ---- event type, and the NOT NULL columns -----------------------------------------------
E=analytics_events_event_type
P=${VALID[booking.created]}
is "$(try_event "$ORG" booking.updated "$P" 1)" "23514 $E" "unknown event_type booking.updated is refused (23514, $E)"
is "$(try_event "$ORG" Booking.Created "$P" 1)" "23514 $E" "event_type in the wrong case is refused (23514, $E)"
is "$(try_event "$ORG" "" "$P" 1)" "23514 $E" "empty event_type is refused (23514, $E)"
is "$(try_event "$ORG" "<null>" "$P" 1)" "23502 event_type" "event_type is required (23502)"
is "$(try_event "<null>" booking.created "$P" 1)" "23502 organization_id" "organization_id is required (23502)"
is "$(try_event "$ORG" booking.created "<null>" 1)" "23502 payload" "payload is required (23502)"
is "$(try_event "$ORG" booking.created "$P" "<null>")" "23502 schema_version" "schema_version is required (23502)"

# ---- a plain INSERT, as the platform would send it --------------------------------------
ERR=$(psql_q -v VERBOSITY=verbose -c "insert into analytics_events
	(organization_id, event_type, payload, schema_version)
	values ('$ORG', 'booking.created', '{\"version\":1,\"booking_id\":\"$BID\",\"waitlisted\":false}', 1)" 2>&1)
is "$?" 1 "a plain INSERT of an invalid payload fails"
like "$ERR" '23514: new row for relation "analytics_events" violates check constraint "analytics_events_booking_created"' \
	"its error carries SQLSTATE 23514 and the constraint name"

is "$(psql_q -c "select count(*) from analytics_events")" "$TOTAL" "no refused event left a row"
is "$(psql_q -c "select count(DISTINCT organization_id) from analytics_events where organization_id = '$ORG'")" 1 \
	"every stored event belongs to the organization"

t_done
