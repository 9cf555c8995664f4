#!/bin/bash
# SPDX-License-Identifier: ISC
# The README's Deploying section followed as written, from source, on this machine as a
# sudo user would (as root here, each "sudo" dropped), in a mount namespace whose /usr,
# /etc and /var are overlays and /run a tmpfs, so that nothing is left on the host. What
# needs systemd as PID 1 is stood in for: "systemctl enable --now analyticsd.socket
# analyticsd.service" by the unit's own ExecStart as its User= (in the runtime directory
# the socket unit would make), the timers and journalctl are left out, and sudoedit is a
# sed of database.conninfo. The database roles are the README's (t_roles runs them in
# depth). Then an operator and a reader, added as step 8 says, work from a new login.
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" != 0 ]; then
	echo "# skipped: needs root for a mount namespace and throwaway users"
	t_done; exit
fi
if [ -n "${VALGRIND_PLAIN_BUILD:-}" ]; then
	echo "# skipped: run once, under make check"
	t_done; exit
fi
pg_start main || exit 1
psql_q -d postgres -c "CREATE ROLE booking_owner LOGIN; CREATE ROLE booking_app LOGIN" &&
	psql_q -d postgres -c "CREATE DATABASE booking OWNER booking_owner" || exit 1
PGUSER=booking_owner psql_q -d booking -1 -f "$SRC_DIR/sql/migrations/0001_source_schema.up.sql" >/dev/null
psql_q -d booking -v ON_ERROR_STOP=1 -c "$(readme_block "-- as a superuser, in the platform's database")" >/dev/null ||
	not_ok "the README's superuser lines"

# The source as a user has it, and the shell lines of the section's steps, in order.
mkdir -p "$T/src" "$T/ov"
(cd "$SRC_DIR" && git ls-files -z | xargs -0 tar cf - --no-recursion) | tar xf - -C "$T/src"
INSTALL=$(readme_block "r from source:" | sed 's/  *#.*//; s/^sudo //; s/&& sudo /\&\& /g')
# Steps 4 to 6: the analyticsctl lines, in order; after the migration, the README's grants.
CTL=$(sed -n '/^## Deploying/,/^8\. /p' "$SRC_DIR/README.md" | sed -n 's/^ *sudo analyticsctl \([^#]*[^# ]\) *\(#.*\)\{0,1\}$/\1/p' |
	sed 's/^migrate$/migrate\nAFTER/')
like "$(printf '%s,' $CTL)" "status,migrate,status,migrate,AFTER,loyalty,rebuild,refresh,full,check," \
	"the README's analyticsctl lines of steps 4 to 6"
like "$INSTALL" "make install PREFIX=/usr" "the README installs from source with make install"
OPERATOR=adop$$ READER=adrd$$
useradd -M -N -g nogroup "$OPERATOR" && useradd -M -N -g nogroup "$READER" ||
	{ not_ok "throwaway users"; t_done; exit; }
trap 'userdel "$OPERATOR" 2>/dev/null; userdel "$READER" 2>/dev/null; t_cleanup' EXIT
chmod 0755 "$T"
HOST_HAD=$(test -e /usr/sbin/analyticsd; echo $?)

cat >"$T/inner.sh" <<INNER
set -u
for d in usr etc var; do
	mkdir -p "$T/ov/\$d/up" "$T/ov/\$d/work"
	mount -t overlay overlay -o lowerdir=/\$d,upperdir="$T/ov/\$d/up",workdir="$T/ov/\$d/work" /\$d || exit 90
done
mount -t tmpfs tmpfs /run || exit 90
step() { echo "== \$*" >>"$T/steps.log"; }
cd "$T/src"
export MAKEFLAGS=-j2
# 1. Install, from source.
while IFS= read -r line; do
	step "\$line"; bash -c "\$line" >>"$T/install.log" 2>&1; echo "\$? \$line" >>"$T/rcs"
done <<<"$INSTALL"
# 3. Configure: the conninfo (sudoedit), then the README's check.
sed -i 's|^\( *conninfo *= *\)"[^"]*"|\1"host=$PGHOST port=$PGPORT dbname=booking user=analyticsd"|' /etc/analyticsd/analyticsd.conf
analyticsd --check-config -c /etc/analyticsd/analyticsd.conf >>"$T/install.log" 2>&1; echo "\$? check-config" >>"$T/rcs"
# 4. Start: what analyticsd.socket and analyticsd.service would do.
mkdir -p /run/analyticsd && chmod 0755 /run/analyticsd && chown analyticsd:analyticsd /run/analyticsd
UNIT=/usr/lib/systemd/system/analyticsd.service
EXEC=\$(sed -n 's/^ExecStart=//p' "\$UNIT") USER=\$(sed -n 's/^User=//p' "\$UNIT")
ANALYTICSD_LOG_TARGET=stderr setpriv --reuid="\$USER" --regid="\$(id -g "\$USER")" --init-groups \
	\$EXEC 2>"$T/daemon.log" &
DAEMON=\$!
for i in \$(seq 100); do analyticsctl --json status 2>/dev/null | grep -q '"state": "connected"' && break; sleep 0.1; done
# 4-6, as root ("sudo analyticsctl ...").
while IFS= read -r c; do
	if [ "\$c" = AFTER ]; then
		psql -X -q -v ON_ERROR_STOP=1 -d booking -c "\$(cat "$T/after_super.sql")" >>"$T/ctl.log" 2>&1 &&
			PGUSER=analyticsd psql -X -q -v ON_ERROR_STOP=1 -d booking -c "\$(cat "$T/after_ad.sql")" >>"$T/ctl.log" 2>&1
		echo "\$? after-migration grants" >>"$T/rcs"
		# The platform's data (the demo's, which names analyticsd's settings too).
		psql -X -q -v ON_ERROR_STOP=1 -d booking -f "$SRC_DIR/sql/demo_data.sql" >>"$T/ctl.log" 2>&1
		echo "\$? platform data" >>"$T/rcs"
		continue
	fi
	analyticsctl \$c >>"$T/ctl.log" 2>&1; echo "\$? analyticsctl \$c" >>"$T/rcs"
done <<<"$CTL"
# 8. Operators and readers, from their next login.
usermod -aG analyticsd-operators,analyticsd-readers "$OPERATOR"; echo "\$? usermod operator" >>"$T/rcs"
usermod -aG analyticsd-readers "$READER"; echo "\$? usermod reader" >>"$T/rcs"
runuser -l "$OPERATOR" -s /bin/sh -c "analyticsctl refresh incremental" >>"$T/ctl.log" 2>&1; echo "\$? operator refresh incremental" >>"$T/rcs"
runuser -l "$READER" -s /bin/sh -c "analyticsctl runs" >>"$T/ctl.log" 2>&1; echo "\$? reader runs" >>"$T/rcs"
runuser -l "$READER" -s /bin/sh -c "analyticsctl pause" >>"$T/ctl.log" 2>&1; echo "\$? reader pause" >>"$T/rcs"
kill -TERM \$DAEMON; wait \$DAEMON; echo "\$? daemon exit" >>"$T/rcs"
test -e /usr/sbin/analyticsd; echo "\$? installed inside" >>"$T/rcs"
INNER
readme_block "-- as a superuser, after the migration" >"$T/after_super.sql"
readme_block "-- as analyticsd, after the migration" >"$T/after_ad.sql"
PGDATABASE=booking unshare -m --propagation private bash "$T/inner.sh"
is "$?" 0 "the namespace with its overlays was set up"
rc() { awk -v c="$1" '{ n = $1; $1 = ""; sub(/^ /, ""); if ($0 == c) print n }' "$T/rcs"; }
while IFS= read -r line; do
	is "$(rc "$line")" 0 "step 1: $line"
done <<<"$INSTALL"
is "$(rc check-config)" 0 "step 3: analyticsd --check-config accepts the configured file"
for c in "status" "migrate status" "migrate"; do is "$(rc "analyticsctl $c")" 0 "step 4-5: sudo analyticsctl $c"; done
is "$(rc "after-migration grants")" 0 "step 5: the after-migration grants"
is "$(rc "analyticsctl loyalty rebuild")" 0 "step 6: sudo analyticsctl loyalty rebuild"
is "$(rc "analyticsctl refresh full")" 0 "step 6: sudo analyticsctl refresh full"
is "$(rc "analyticsctl check")" 0 "step 6: sudo analyticsctl check exits 0"
like "$(psql_q -d booking -c "select count(*) from customer_analytics")" '^[1-9][0-9]+$' "the refresh wrote the table"
is "$(rc "operator refresh incremental")" 0 "step 8: an operator refreshes from a new login"
is "$(rc "reader runs")" 0 "step 8: a reader reads from a new login"
is "$(rc "reader pause")" 77 "and may not change things (77)"
is "$(rc "daemon exit")" 0 "the daemon stops cleanly"
is "$(rc "installed inside")" 0 "it was installed inside the namespace"
check "into the overlay, not the host's /usr" test -x "$T/ov/usr/up/sbin/analyticsd"
is "$(test -e /usr/sbin/analyticsd; echo $?)" "$HOST_HAD" "the host's /usr/sbin is as it was"
[ "$T_FAIL" -gt 0 ] && { sed 's/^/# /' "$T/rcs"; tail -n 20 "$T/install.log" "$T/ctl.log" "$T/daemon.log" | sed 's/^/# /'; }
t_done
