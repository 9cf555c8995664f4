#!/bin/sh
# SPDX-License-Identifier: ISC
# The Debian 12 packages analyticsd needs to build, test and demo.
#   deps.sh install   install what is missing (root, or via sudo if present)
#   deps.sh check     only say what is missing (exit 1 then); never installs
#   DEPS_PACKAGING=1  also what building and checking the Debian package needs
set -eu
PKGS="gcc make pkg-config libpq-dev libevent-dev libconfig-dev libsystemd-dev
libjansson-dev libsmartcols-dev libcmocka-dev postgresql jq socat valgrind systemd util-linux procps
python3 python3-jsonschema tzdata man-db clang libclang-rt-14-dev prometheus openssl"
[ -n "${DEPS_PACKAGING:-}" ] && PKGS="$PKGS debhelper dpkg-dev fakeroot lintian"

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in *"ok installed"*) ;; *) missing="$missing $p";; esac
done
# Debian's "postgresql" is a metapackage: any installed server will do.
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
	missing=$(echo "$missing" | sed 's/ postgresql\b//')
fi
[ -z "$missing" ] && exit 0

echo "analyticsd needs these Debian packages:$missing" >&2
if [ "${1:-check}" = install ] && [ "$(id -u)" = 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing
elif [ "${1:-check}" = install ] && command -v sudo >/dev/null 2>&1; then
	# shellcheck disable=SC2086
	sudo apt-get update -qq && sudo apt-get install -y --no-install-recommends $missing
else
	echo "Install them with:  sudo make deps" >&2
	echo "(or: sudo apt-get install$missing)" >&2
	exit 1
fi
