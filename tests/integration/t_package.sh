#!/bin/bash
# SPDX-License-Identifier: ISC
# The Debian package as an administrator gets it: built from a clean copy
# (tools/package-check.sh), lintian-clean (no error, no warning), its files (every path a
# man page names, the documentation, the example), and its maintainer scripts run as dpkg
# runs them, with systemd's and dpkg's helpers recording what they were asked: nothing
# started on a first install, what was running restarted on upgrade, everything stopped
# on remove, the obsolete conffile dropped. With PACKAGE_INSTALL=1 as root (make
# package-check, last in CI: the users it makes outlive the purge), installed for real,
# looked at and purged.
. "$(dirname "$0")/../lib.sh"

if ! command -v dpkg-buildpackage >/dev/null || ! command -v lintian >/dev/null ||
	! command -v dh >/dev/null; then
	echo "# skipped: dpkg-buildpackage, debhelper or lintian is not installed (DEPS_PACKAGING=1 make deps)"
	t_done; exit
fi
if [ -n "${VALGRIND_PLAIN_BUILD:-}" ]; then
	echo "# skipped: the package is checked once, under make check"
	t_done; exit
fi

sh "$SRC_DIR/tools/package-check.sh" "$T/pkg"; RC=$?
is "$RC" 0 "the package builds from a clean copy"
DEB=$(ls "$T"/pkg/analyticsd_*_amd64.deb "$T"/pkg/analyticsd_*_"$(dpkg --print-architecture)".deb 2>/dev/null | head -n 1)
check "a .deb was built" test -s "$DEB"

lintian --fail-on error,warning "$DEB" >"$T/lintian.log" 2>&1; RC=$?
grep -v 'running with root privileges' "$T/lintian.log" | sed 's/^/# lintian: /'
is "$RC" 0 "lintian: no error and no warning"

mkdir -p "$T/files" "$T/ctl"
dpkg-deb -x "$DEB" "$T/files"
dpkg-deb -e "$DEB" "$T/ctl"
for f in usr/share/doc/analyticsd/examples/analyticsd.conf usr/share/doc/analyticsd/README.md.gz \
	usr/share/doc/analyticsd/NEWS.gz usr/share/doc/analyticsd/CAPTURE.md.gz \
	usr/share/doc/analyticsd/METRICS.md.gz \
	usr/share/doc/analyticsd/alerts.yml usr/share/doc/analyticsd/json/status.json \
	usr/share/doc/analyticsd/json/common.json usr/share/doc/analyticsd/json/validate.py \
	lib/systemd/system/analyticsd.service usr/lib/sysusers.d/analyticsd.conf \
	usr/lib/tmpfiles.d/analyticsd.conf usr/lib/systemd/catalog/analyticsd.catalog; do
	check "ships /$f" test -s "$T/files/$f"
done
check "the example is not a conffile in /etc" test ! -e "$T/files/etc/analyticsd/analyticsd.conf.example"
is "$(cat "$T/ctl/conffiles")" "/etc/analyticsd/analyticsd.conf" "the configuration is the one conffile"
MISSING=""
for p in $(zcat "$T"/files/usr/share/man/man*/*.gz | grep -o '/usr/[A-Za-z0-9_./-]*' | sed 's/[.]$//' | sort -u); do
	[ -e "$T/files$p" ] || [ -e "$T/files$p.gz" ] || MISSING="$MISSING $p"
done
is "$MISSING" "" "every /usr path the man pages name is shipped"
check "the examples and the JSON Schemas are not compressed" \
	sh -c "! find '$T/files/usr/share/doc/analyticsd/examples' '$T/files/usr/share/doc/analyticsd/json' -name '*.gz' | grep -q ."

# The maintainer scripts, run as dpkg runs them: every helper they call records its
# arguments; /run/systemd/system stands for a system booted with systemd.
mkdir -p "$T/fake" "$T/root/run/systemd/system"
# The answers a first install gets: no override of the configuration's mode, no unit
# enabled before.
for h in deb-systemd-invoke deb-systemd-helper systemctl systemd-tmpfiles systemd-sysusers \
	dpkg-maintscript-helper dpkg-statoverride chown chmod; do
	printf '#!/bin/sh\necho "%s $*" >>"%s"\ncase "%s $*" in dpkg-statoverride*|*--quiet\ was-enabled*) exit 1 ;; esac\n' \
		"$h" "$T/calls" "$h" >"$T/fake/$h"
	chmod +x "$T/fake/$h"
done
run_script() {     # run_script SCRIPT ARGS...: the calls it made, one per line
	local s=$1; shift
	: >"$T/calls"
	sed "s|/run/systemd/system|$T/root/run/systemd/system|g" "$T/ctl/$s" >"$T/script"
	PATH="$T/fake:$PATH" sh "$T/script" "$@" >/dev/null 2>&1 || echo "$s $* failed" >>"$T/calls"
	cat "$T/calls"
}
CALLS=$(run_script postinst configure)
check "a first install starts nothing" sh -c "! printf '%s\n' \"\$1\" | grep -q '^deb-systemd-invoke'" _ "$CALLS"
check "a first install enables nothing" sh -c "! printf '%s\n' \"\$1\" | grep -q 'deb-systemd-helper enable'" _ "$CALLS"
check "a first install creates the users and the metrics directory" \
	sh -c "printf '%s\n' \"\$1\" | grep -q '^systemd-sysusers' && printf '%s\n' \"\$1\" | grep -q '^systemd-tmpfiles'" _ "$CALLS"
CALLS=$(run_script postinst configure 0.2.0)
RESTART=$(printf '%s\n' "$CALLS" | grep '^deb-systemd-invoke')
like "$RESTART" "^deb-systemd-invoke try-restart " "an upgrade try-restarts (only what was running)"
for u in analyticsd.service analyticsd.socket analyticsd-refresh.timer analyticsd-full-refresh.timer \
	analyticsd-metrics.timer; do
	like "$RESTART" " $u( |\$)" "an upgrade restarts $u if it was running"
done
check "an upgrade does not restart a timer's running job" \
	sh -c "! printf '%s\n' \"\$1\" | grep -q 'analyticsd-refresh.service'" _ "$RESTART"
like "$CALLS" "dpkg-maintscript-helper rm_conffile /etc/analyticsd/analyticsd.conf.example 0.3.0~" \
	"an upgrade drops the old example conffile (if unchanged)"
check "the upgrade's preinst stops nothing" \
	sh -c "! printf '%s\n' \"\$1\" | grep -q '^deb-systemd-invoke'" _ "$(run_script preinst upgrade 0.2.0)"
check "the old version's removal on upgrade stops nothing" \
	sh -c "! printf '%s\n' \"\$1\" | grep -q '^deb-systemd-invoke'" _ "$(run_script prerm upgrade 0.3.0)"
STOP=$(run_script prerm remove | grep '^deb-systemd-invoke')
like "$STOP" "^deb-systemd-invoke stop " "remove stops the units"
for u in analyticsd.service analyticsd.socket analyticsd-refresh.timer analyticsd-full-refresh.timer \
	analyticsd-metrics.timer; do
	like "$STOP" " $u( |\$)" "remove stops $u"
done
like "$(run_script postrm purge)" "deb-systemd-helper purge" "purge forgets the units' enablement state"
check "purge removes the metrics directory and symlink the package created" \
	grep -q 'rm -rf /var/lib/prometheus/node-exporter/analyticsd$' "$T/ctl/postrm"

# For real, as root: install, look, purge.
if [ -n "${PACKAGE_INSTALL:-}" ] && [ "$(id -u)" = 0 ]; then
	# A first install, as on a fresh machine: the users and groups an earlier install made
	# outlive its purge (as Debian leaves them), and their presence hid an install that
	# created the metrics directory before its owner.
	if ! dpkg -s analyticsd >/dev/null 2>&1; then
		for u in analyticsd analyticsd-metrics; do userdel "$u" 2>/dev/null; done
		for g in analyticsd analyticsd-metrics analyticsd-readers analyticsd-operators; do
			groupdel "$g" 2>/dev/null
		done
	fi
	dpkg -i "$DEB" >"$T/install.log" 2>&1; RC=$?
	is "$RC" 0 "dpkg -i succeeds"
	check "analyticsd --version" /usr/sbin/analyticsd --version
	check "analyticsctl --help" /usr/bin/analyticsctl --help
	check "postinst made the analyticsd user" getent passwd analyticsd
	check "postinst made analyticsd-readers" getent group analyticsd-readers
	check "postinst made analyticsd-operators" getent group analyticsd-operators
	check "the installed configuration checks" analyticsd --check-config -c /etc/analyticsd/analyticsd.conf
	is "$(stat -c '%a %U %G' /etc/analyticsd/analyticsd.conf)" "640 root analyticsd" "the configuration is 0640 root:analyticsd"
	is "$(stat -c '%a %U %G' /var/lib/prometheus/node-exporter/analyticsd 2>&1)" \
		"755 analyticsd-metrics analyticsd-readers" "the metrics directory exists, analyticsd-metrics's"
	check "node_exporter's symlink exists" test -L /var/lib/prometheus/node-exporter/analyticsd.prom
	dpkg --purge analyticsd >"$T/purge.log" 2>&1; RC=$?
	is "$RC" 0 "dpkg --purge succeeds"
	check "purge removes the metrics directory" test ! -e /var/lib/prometheus/node-exporter/analyticsd
	check "purge removes node_exporter's symlink" test ! -L /var/lib/prometheus/node-exporter/analyticsd.prom
	check "purge removes the configuration" test ! -e /etc/analyticsd/analyticsd.conf
	check "purge removes the documentation" test ! -e /usr/share/doc/analyticsd
else
	echo "# not installed (make package-check installs and purges it, as root)"
fi
t_done
