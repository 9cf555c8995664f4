#!/bin/sh
# SPDX-License-Identifier: ISC
# The daemon's layers (docs/HACKING.md): every module calls down, never up or sideways.
#
#   tools/layers.sh BUILD_DIR
#
# daemon/LAYERS lists the modules from the bottom up, one layer a line; modules on one line
# may not use each other either. A module is a daemon/NAME.c with its NAME.h. Checked:
#   - the symbols each object file uses (nm -u) against the module that defines them
#     (nm --defined-only): the definer must sit on a lower line;
#   - the #include "NAME.h" lines of daemon/*.c and daemon/*.h: the same rule, so that a
#     header cannot hide a call up either;
#   - every module is listed, and every listed name is a module (a header alone, such as
#     daemon.h, the daemon's state, may be one).
# Prints one line for each breach and "N modules, N breaches"; exits 1 on any breach.
# Calls through a function pointer a module was given (a callback, a hook) are invisible
# here by design: that is how a lower layer reports up.
set -eu
build=${1:?usage: tools/layers.sh BUILD_DIR}
src=$(cd "$(dirname "$0")/.." && pwd)
layers=${LAYERS:-$src/daemon/LAYERS}      # another order, for the test that it can fail
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# rank: "module line" for each listed module.
awk '{ sub(/#.*/, "") } NF { n++; for (i = 1; i <= NF; i++) print $i, n }' "$layers" >"$tmp/rank"

for c in "$src"/daemon/*.c; do
	m=$(basename "$c" .c)
	echo "$m"
done | sort >"$tmp/modules"
cut -d' ' -f1 "$tmp/rank" | sort >"$tmp/listed"

for o in "$build"/daemon/*.o; do
	m=$(basename "$o" .o)
	nm --defined-only "$o" | awk -v m="$m" '$2 ~ /^[TDBRC]$/ { print $3, m }'
done | sort >"$tmp/defs"

for o in "$build"/daemon/*.o; do
	m=$(basename "$o" .o)
	nm -u "$o" | awk -v m="$m" '{ print $2, m }'
done | sort >"$tmp/uses"

# "user definer symbol" for every use of another module's symbol.
join "$tmp/uses" "$tmp/defs" | awk '$2 != $3 { print $2, $3, "calls " $1 }' >"$tmp/edges"

# "user header-module" for every include of a daemon header.
for f in "$src"/daemon/*.c "$src"/daemon/*.h; do
	m=$(basename "$f"); m=${m%.*}
	sed -n 's/^#include "\([a-z_]*\)\.h".*/\1/p' "$f" | while read -r h; do
		if [ "$h" != "$m" ] && [ -f "$src/daemon/$h.h" ]; then
			echo "$m $h includes $h.h"
		fi
	done
done >>"$tmp/edges"

awk -v listed="$tmp/listed" -v modules="$tmp/modules" -v src="$src" '
	FILENAME == ARGV[1] { rank[$1] = $2; next }
	{
		u = $1; d = $2; $1 = $2 = ""; what = substr($0, 3)
		if (!(u in rank) || !(d in rank))
			next          # reported below
		if (rank[d] >= rank[u]) {
			printf "%s (layer %d) %s of %s (layer %d)\n", u, rank[u], what, d, rank[d]
			bad++
		}
	}
	END {
		while ((getline m < modules) > 0) {
			n++
			if (!(m in rank)) { printf "%s is in no layer of daemon/LAYERS\n", m; bad++ }
		}
		while ((getline m < listed) > 0)
			if (system("test -f " src "/daemon/" m ".c -o -f " src "/daemon/" m ".h")) {
				printf "daemon/LAYERS lists %s, which is no module\n", m; bad++
			}
		printf "%d modules, %d breaches\n", n, bad
		exit bad > 0
	}' "$tmp/rank" "$tmp/edges"
