#!/bin/sh
# SPDX-License-Identifier: ISC
# make check-citus: the Citus suite (tests/citus/t_*.sh) on a coordinator and two workers,
# through tests/run.sh, when Citus is installed for the PostgreSQL the tests use; otherwise
# one line saying why it skipped, and "0 passed, 0 failed".
#   tests/citus/run.sh BUILD_DIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
lib=$(cd "$PGBIN/../lib" 2>/dev/null && pwd)
if [ -z "$lib" ] || [ ! -f "$lib/citus.so" ]; then
	echo "check-citus: skipped: Citus is not installed for the PostgreSQL in ${PGBIN:-(none found)} (no citus.so in ${lib:-its lib directory}); build and install it with CITUS_SRC=/path/to/citus tools/citus-build.sh (docs/SCALE-OUT.md)"
	echo "0 passed, 0 failed"
	exit 0
fi
exec sh "$here/../run.sh" "$1" "$here"/t_*.sh
