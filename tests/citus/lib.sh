# SPDX-License-Identifier: ISC
# The Citus harness (sourced, bash, after tests/lib.sh): a coordinator and two workers,
# private clusters as the single-node tests make them (tools/cluster.sh), each listening
# only on its own Unix socket directory, which is also its node name in Citus's metadata.
# Needs Citus installed for this PostgreSQL (tools/citus-build.sh; tests/citus/run.sh
# skips the suite when it is not).

CITUS_DB=app
# citus_start: nodes "coord", "w1", "w2", a database $CITUS_DB with the extension on each,
# the workers registered with the coordinator; PGHOST and PGDATABASE then name the
# coordinator's. Every node allows the triggers the capture needs on distributed tables.
citus_start() {
	local n
	for n in w1 w2 coord; do
		PG_SERVER_OPTS="-c shared_preload_libraries=citus -c wal_level=logical \
			-c max_worker_processes=50 -c max_prepared_transactions=20 \
			-c citus.shard_count=4 -c citus.node_conninfo=sslmode=disable \
			-c citus.enable_unsafe_triggers=on" pg_start "$n" || return 1
		"$PGBIN/createdb" -h "$T/$n.sock.d" -p 5432 -U analytics "$CITUS_DB" || return 1
		psql_q -h "$T/$n.sock.d" -d "$CITUS_DB" -c "CREATE EXTENSION citus" || return 1
	done
	export PGHOST=$T/coord.sock.d PGDATABASE=$CITUS_DB
	psql_q -c "SELECT citus_set_coordinator_host('$T/coord.sock.d', 5432)" >/dev/null &&
		psql_q -c "SELECT citus_add_node('$T/w1.sock.d', 5432)" >/dev/null &&
		psql_q -c "SELECT citus_add_node('$T/w2.sock.d', 5432)" >/dev/null
}
