#!/bin/sh
# SPDX-License-Identifier: ISC
# Build the project in parallel from a clean copy of the tracked files (make -j4: a rule
# that two jobs run at once fails here), then the Debian package from the same clean
# copy, also in parallel; check it with lintian (no error allowed), and, as root, install
# it, look at what it installed, and purge it.
#   tools/package-check.sh [OUTDIR]     (the .deb is left in OUTDIR, default a temp dir)
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$(mktemp -d "${TMPDIR:-/tmp}/analyticsd-deb.XXXXXX")}
mkdir -p "$out/analyticsd"
(cd "$src" && git ls-files -z | xargs -0 tar cf - --no-recursion) | tar xf - -C "$out/analyticsd"
cd "$out/analyticsd"
echo "package: make -j4 from a clean copy in $out"
make -j4 WERROR=1 all >"$out/make.log" 2>&1 || { tail -n 40 "$out/make.log"; exit 1; }
make clean >/dev/null
echo "package: dpkg-buildpackage -us -uc -b -j4 in $out"
dpkg-buildpackage -us -uc -b -j4 >"$out/build.log" 2>&1 || { tail -n 40 "$out/build.log"; exit 1; }
deb=$(ls "$out"/analyticsd_*.deb)
echo "package: lintian $(basename "$deb")"
lintian --fail-on error --suppress-tags no-manual-page "$deb" | tee "$out/lintian.log"
if [ "$(id -u)" != 0 ]; then
	echo "package: not root, so not installed"
	exit 0
fi
fail() { echo "package: $*" >&2; exit 1; }
dpkg -i "$deb" >"$out/install.log" 2>&1 || { cat "$out/install.log"; fail "dpkg -i failed"; }
trap 'dpkg --purge analyticsd >/dev/null 2>&1 || true' EXIT
/usr/sbin/analyticsd --version | grep -q "analyticsd" || fail "analyticsd --version"
/usr/bin/analyticsctl --help >/dev/null 2>&1 || fail "analyticsctl --help"
dpkg-query --control-show analyticsd conffiles | grep -q '^/etc/analyticsd/analyticsd.conf' ||
	fail "/etc/analyticsd/analyticsd.conf is not a conffile"
for f in /lib/systemd/system/analyticsd.service /lib/systemd/system/analyticsd.socket \
	/lib/systemd/system/analyticsd-refresh.timer /usr/lib/sysusers.d/analyticsd.conf \
	/usr/lib/tmpfiles.d/analyticsd.conf /usr/share/man/man8/analyticsctl.8.gz \
	/usr/share/man/man5/analyticsd.conf.5.gz \
	/usr/share/bash-completion/completions/analyticsctl; do
	[ -e "$f" ] || fail "$f is not installed"
done
getent passwd analyticsd >/dev/null || fail "postinst did not create the analyticsd user"
getent group analyticsd-readers >/dev/null || fail "postinst did not create analyticsd-readers"
getent group analyticsd-operators >/dev/null || fail "postinst did not create analyticsd-operators"
analyticsd --check-config -c /etc/analyticsd/analyticsd.conf >/dev/null 2>&1 ||
	fail "the installed configuration does not check"
[ "$(stat -c '%a %U %G' /etc/analyticsd/analyticsd.conf)" = "640 root analyticsd" ] ||
	fail "/etc/analyticsd/analyticsd.conf is $(stat -c '%a %U %G' /etc/analyticsd/analyticsd.conf), not 640 root analyticsd"
echo "package: installed, checked and purged: 0 errors"
