#!/bin/sh
# SPDX-License-Identifier: ISC
# Build the project in parallel from a clean copy of the tracked files (make -j4: a rule
# that two jobs run at once fails here), then the Debian package from the same clean
# copy, also in parallel. tests/integration/t_package.sh runs it and checks the package.
#   tools/package-check.sh OUTDIR     (the .deb is left in OUTDIR)
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: tools/package-check.sh OUTDIR}
mkdir -p "$out/analyticsd"
(cd "$src" && git ls-files -z | xargs -0 tar cf - --no-recursion) | tar xf - -C "$out/analyticsd"
cd "$out/analyticsd"
echo "package: make -j4 from a clean copy in $out"
make -j4 WERROR=1 all >"$out/make.log" 2>&1 || { tail -n 40 "$out/make.log"; exit 1; }
make clean >/dev/null
echo "package: dpkg-buildpackage -us -uc -b -j4 in $out"
dpkg-buildpackage -us -uc -b -j4 >"$out/build.log" 2>&1 || { tail -n 40 "$out/build.log"; exit 1; }
