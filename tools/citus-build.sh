#!/bin/sh
# SPDX-License-Identifier: ISC
# Build and install Citus from a source tree, for `make check-citus` (docs/SCALE-OUT.md).
#
#   CITUS_SRC=/path/to/citus tools/citus-build.sh
#
# CITUS_SRC is a Citus source tree (Citus 13.2.2 is the newest release for PostgreSQL 15).
# The tree is copied and built in a temporary directory, never in place, against the
# PostgreSQL whose pg_config comes first (PG_CONFIG, else /usr/lib/postgresql/15/bin, else
# PATH), and installed into that PostgreSQL's directories: run it as root, or as a user who
# may write there. It needs the server headers (Debian: postgresql-server-dev-15), a C
# toolchain, and the headers that Debian's server headers include (liblz4-dev, libzstd-dev,
# libkrb5-dev, libssl-dev); the optional libcurl support (anonymous statistics) is left out.
#
# PostgreSQL 15.20 declares have_createdb_privilege() itself; Citus 13.2.2 still defines a
# fallback copy for PostgreSQL 15, which then no longer compiles. When the server headers
# declare it, the copy's fallback is removed before building.
set -eu

die() { echo "citus-build: $*" >&2; exit 1; }

[ -n "${CITUS_SRC:-}" ] || die "set CITUS_SRC to a Citus source tree"
[ -f "$CITUS_SRC/configure" ] && [ -f "$CITUS_SRC/src/include/pg_version_compat.h" ] ||
	die "$CITUS_SRC is not a Citus source tree (no configure or src/include/pg_version_compat.h)"
if [ -z "${PG_CONFIG:-}" ]; then
	if [ -x /usr/lib/postgresql/15/bin/pg_config ]; then
		PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
	else
		PG_CONFIG=$(command -v pg_config) || die "no pg_config: install postgresql-server-dev-15 or set PG_CONFIG"
	fi
fi
INC=$("$PG_CONFIG" --includedir-server)
[ -f "$INC/postgres.h" ] || die "no server headers in $INC: install postgresql-server-dev-15"

BUILD=$(mktemp -d "${TMPDIR:-/tmp}/citus-build.XXXXXX")
trap 'rm -rf "$BUILD"' EXIT
cp -R "$CITUS_SRC"/. "$BUILD"/
# A copy's times follow the order of copying: a configure older than its configure.ac
# would make Citus's Makefile rerun autoreconf, which the build does not need.
touch "$BUILD/configure"

compat=$BUILD/src/include/pg_version_compat.h
if grep -q 'have_createdb_privilege' "$INC/commands/dbcommands.h" 2>/dev/null &&
   grep -q '^have_createdb_privilege(void)' "$compat"; then
	# Drop the fallback definition: from its "static inline bool" line to the closing brace.
	awk '
		/^static inline bool$/ { held = $0; next }
		held != "" && /^have_createdb_privilege\(void\)$/ { skip = 1; held = ""; next }
		held != "" { print held; held = "" }
		skip { if (/^}$/) skip = 0; next }
		{ print }
	' "$compat" >"$compat.new"
	mv "$compat.new" "$compat"
	! grep -q '^have_createdb_privilege(void)' "$compat" || die "could not remove the fallback from $compat"
	echo "citus-build: removed Citus's fallback have_createdb_privilege (declared by $INC)"
fi

cd "$BUILD"
./configure PG_CONFIG="$PG_CONFIG" --without-libcurl >configure.log 2>&1 ||
	{ tail -n 30 configure.log >&2; die "configure failed (log above)"; }
make -j"$(nproc)" >make.log 2>&1 || { tail -n 40 make.log >&2; die "make failed (log above)"; }
make install >install.log 2>&1 || { tail -n 20 install.log >&2; die "make install failed (log above)"; }
echo "citus-build: installed $(sed -n 's/^default_version = .\(.*\).$/\1/p' src/backend/distributed/citus.control 2>/dev/null || echo Citus) into $("$PG_CONFIG" --pkglibdir)"
