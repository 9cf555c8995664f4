#!/bin/bash
# SPDX-License-Identifier: ISC
# The daemon's modules call down only (daemon/LAYERS, tools/layers.sh, docs/HACKING.md):
# by the symbols each object file of this build uses and defines, and by its #include
# lines; no exception list. And the check can fail: the same objects against an order
# with two modules swapped, and with a module left out.
. "$(dirname "$0")/../lib.sh"

out=$(sh "$SRC_DIR/tools/layers.sh" "$BIN" 2>&1)
rc=$?
is "$rc" 0 "every daemon module uses only the modules below it"
[ "$rc" -eq 0 ] || printf '%s\n' "$out" | sed 's/^/# /' | head -n 20
like "$out" "^[0-9]+ modules, 0 breaches$" "the check counts the modules and finds no breach"
n=$(ls "$SRC_DIR"/daemon/*.c | wc -l)
like "$out" "^$n modules" "it read every daemon module ($n)"

# job below request: job's calls of request_* and its #include of request.h are breaches.
awk '{ if ($1 == "request") print "job"; else if ($1 == "job") print "request"; else print }' \
	"$SRC_DIR/daemon/LAYERS" >"$T/LAYERS.swapped"
out=$(LAYERS=$T/LAYERS.swapped sh "$SRC_DIR/tools/layers.sh" "$BIN" 2>&1)
is "$?" 1 "with request above job, the check fails"
like "$out" "job \(layer [0-9]+\) calls request_reply_ok of request" "naming the call up"
like "$out" "job \(layer [0-9]+\) includes request.h of request" "and the include"

sed "s/\\<pause\\>//" "$SRC_DIR/daemon/LAYERS" >"$T/LAYERS.short"
out=$(LAYERS=$T/LAYERS.short sh "$SRC_DIR/tools/layers.sh" "$BIN" 2>&1)
is "$?" 1 "a module in no layer fails the check"
like "$out" "pause is in no layer" "naming it"

t_done
