#!/bin/sh
# SPDX-License-Identifier: ISC
# make check-valgrind: a BIN directory whose analyticsd runs the plain build
# under valgrind's memcheck, for tests/run.sh. Errors and definite or
# indirect leaks make the daemon exit 99 (so daemon_stop's "exits 0"
# assertion fails) and land in the daemon's log (which daemon_log_clean
# scans). analyticsctl and the unit tests are not wrapped; the rest of the build is
# linked as it is.
#   tools/valgrind-bin.sh PLAIN_BUILD_DIR OUT_DIR
set -eu
plain=$(cd "$1" && pwd)
mkdir -p "$2"
out=$(cd "$2" && pwd)
ln -sf "$plain/analyticsctl" "$out/analyticsctl"
# What the tests read of a build besides its binaries: the generated SQL and its tool
# (t_columns), the daemon's object files (t_layers).
ln -sf "$plain/gen-sql" "$out/gen-sql"
ln -sfn "$plain/gen" "$out/gen"
ln -sfn "$plain/daemon" "$out/daemon"
cat >"$out/analyticsd" <<SH
#!/bin/sh
exec valgrind --quiet --error-exitcode=99 --leak-check=full \\
	--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \\
	--suppressions="$(cd "$(dirname "$0")" && pwd)/valgrind.supp" \\
	"$plain/analyticsd" "\$@"
SH
chmod 755 "$out/analyticsd"
