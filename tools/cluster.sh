# SPDX-License-Identifier: ISC
# Throwaway PostgreSQL clusters for tests and the demo (sourced, bash).
# A cluster NAME lives in $T/NAME.pg and listens only on a Unix socket in
# $T/NAME.sock.d. As root, PostgreSQL runs as the postgres user (it refuses
# to run as root); otherwise as the caller.
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
T_CLUSTERS=${T_CLUSTERS:-}

as_pg() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# pg_start NAME: a cluster listening only on a Unix socket in $T/NAME.sock.d.
# Sets PGHOST, PGPORT, PGUSER for it.
pg_start() {
	local name=$1 dir=$T/$1.pg sock=$T/$1.sock.d
	mkdir -p "$dir" "$sock"
	[ "$(id -u)" = 0 ] && chown postgres: "$dir" "$sock"
	as_pg "$PGBIN/initdb" -D "$dir" -A trust -U analytics --no-sync -E UTF8 \
		--locale=C >"$T/$name.initdb.log" 2>&1 || { cat "$T/$name.initdb.log"; return 1; }
	pg_resume "$name" || return 1
	T_CLUSTERS="$T_CLUSTERS $name"
	export PGHOST=$sock PGPORT=5432 PGUSER=analytics
}
pg_stop()   { as_pg "$PGBIN/pg_ctl" -D "$T/$1.pg" -m fast -w stop >/dev/null 2>&1; }
# PG_SERVER_OPTS: more server options, after (and so over) these test defaults.
pg_resume() {
	as_pg "$PGBIN/pg_ctl" -D "$T/$1.pg" -l "$T/$1.pg/server.log" -w -t 60 \
		-o "-k $T/$1.sock.d -c listen_addresses='' -p 5432 -c fsync=off -c full_page_writes=off ${PG_SERVER_OPTS:-}" \
		start >/dev/null || { cat "$T/$1.pg/server.log"; return 1; }
}

# db_new NAME: a fresh database on the current cluster; sets PGDATABASE.
db_new() {
	"$PGBIN/createdb" -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" "$1" && export PGDATABASE=$1
}
psql_q() { "$PGBIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }
