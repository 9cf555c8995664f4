#!/bin/bash
# SPDX-License-Identifier: ISC
# Contact normalisation (docs/METRICS.md "Clarifications"): analytics_normalize_email and
# analytics_normalize_phone, as the migrations leave them, against the hand-worked cases of
# tests/fixtures/normalize_cases.tsv (its header documents the columns and escapes). No daemon:
# the migrations are applied with psql, each file in one transaction as the runner does.
. "$(dirname "$0")/../lib.sh"

CASES=$TESTS_DIR/fixtures/normalize_cases.tsv

pg_start main && db_new normalize || exit 1

for f in "$SRC_DIR"/sql/migrations/[0-9][0-9][0-9][0-9]_*.up.sql; do
	check "migration $(basename "$f") applies" psql_q -1 -f "$f"
done
# The database is created with the C locale: only the ICU definition of 0005 folds É.
is "$(psql_q -c "select count(*) from pg_collation where collname = 'und-x-icu'")" 1 \
	"the ICU root collation exists (non-ASCII e-mail folding depends on it)"

# sql_arg FIELD VAR: the SQL for a decoded fixture field: NULL for <null>, else the psql
# variable VAR (set by the caller with -v), quoted as a literal by psql.
sql_arg() { if [ "$1" = "<null>" ]; then echo "NULL::text"; else echo ":'$2'::text"; fi; }
# decode FIELD: the escapes of the fixture (\t \n \uXXXX ...) and <empty> into $DECODED.
decode() { if [ "$1" = "<empty>" ]; then DECODED=; else printf -v DECODED '%b' "$1"; fi; }

# run_case DESC CALL: evaluate the SQL CALL (which may use :'raw' :'cc' :'want') and compare
# with the expected value; both sides are shown as JSON, so whitespace is visible.
run_case() {
	local out got want
	out=$(printf 'select coalesce(to_json(%s)::text, %s), coalesce(to_json(%s)::text, %s);\n' \
			"$2" "'null'" "$(sql_arg "$want_f" want)" "'null'" |
		psql_q -F $'\t' -v raw="$RAW" -v cc="$cc_f" -v want="$WANT" -f - 2>&1)
	IFS=$'\t' read -r got want <<<"$out"
	is "$got" "$want" "$1"
}

n=0 emails=0 phones=0 line=0
while IFS= read -r row || [ -n "$row" ]; do
	line=$((line + 1))
	case $row in ''|'#'*) continue ;; esac
	IFS=$'\t' read -r kind raw_f cc_f want_f note <<<"$row"
	if [ -z "${note:-}" ]; then not_ok "fixture line $line has five non-empty fields"; continue; fi
	n=$((n + 1))
	decode "$raw_f"; RAW=$DECODED
	decode "$want_f"; WANT=$DECODED
	name="$kind #$n (line $line): $note: [$raw_f]"
	case $kind in
	email)
		emails=$((emails + 1))
		run_case "$name" "analytics_normalize_email($(sql_arg "$raw_f" raw))"
		;;
	phone)
		phones=$((phones + 1))
		if [ "$cc_f" = "<null>" ]; then
			run_case "$name, default code" "analytics_normalize_phone($(sql_arg "$raw_f" raw))"
			run_case "$name, code NULL" "analytics_normalize_phone($(sql_arg "$raw_f" raw), NULL)"
		else
			run_case "$name, code $cc_f" "analytics_normalize_phone($(sql_arg "$raw_f" raw), :'cc'::text)"
		fi
		;;
	*) not_ok "fixture line $line: unknown kind '$kind'" ;;
	esac
done <"$CASES"

like "$emails" '^([2-9][0-9]|1[0-9])$' "the fixture has at least 10 e-mail cases ($emails)"
like "$phones" '^[2-9][0-9]$' "the fixture has at least 20 phone cases ($phones)"

t_done
