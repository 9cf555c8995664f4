#!/bin/bash
# SPDX-License-Identifier: ISC
# Bad input on the control socket: each gets a clear error and a closed
# connection, and the daemon goes on serving.
. "$(dirname "$0")/../lib.sh"

pg_start main && db_new proto || exit 1
CONTROL_EXTRA='max_request_bytes = 1024; idle_timeout_s = 2; max_clients = 3;' daemon_start d1

raw() { socat -t 5 - UNIX-CONNECT:"$SOCK"; }

OUT=$(printf '{"cmd": "status"\n' | raw)
is "$(jq -r .error.code <<<"$OUT")" bad_request "malformed JSON is answered with bad_request"
like "$(jq -r .error.message <<<"$OUT")" "not valid JSON" "the error message says what is wrong"

OUT=$(printf 'garbage\n{"cmd":"status"}\n' | raw)
is "$(printf '%s\n' "$OUT" | wc -l)" 1 "the connection is closed after garbage (later lines unanswered)"

OUT=$(printf '[1,2]\n' | raw)
is "$(jq -r .error.code <<<"$OUT")" bad_request "a JSON array is not a request"

OUT=$(printf '{"cmd":"frobnicate"}\n' | raw)
is "$(jq -r .error.code <<<"$OUT")" unknown_command "an unknown command is named as such"

OUT=$(printf '{"cmd":"status","args":{"bogus":1}}\n' | raw)
is "$(jq -r .error.code <<<"$OUT")" bad_request "an unknown argument is refused"

# Arguments are checked against the command's schema before it runs, with
# one message form. (Root may run every command, so these reach the checks.)
arg_error() { printf '%s\n' "$1" | raw | jq -r '.error.code + ": " + .error.message'; }
is "$(arg_error '{"cmd":"status","args":{"bogus":1}}')" "bad_request: unknown argument 'bogus'" \
	"an unknown argument is named"
is "$(arg_error '{"cmd":"refresh","args":{}}')" "bad_request: argument 'mode' is required" \
	"a missing required argument is named"
is "$(arg_error '{"cmd":"refresh","args":{"mode":"sideways"}}')" \
	"bad_request: argument 'mode' must be one of full, incremental, recent, org" "an enumeration lists its values"
is "$(arg_error '{"cmd":"refresh","args":{"mode":"org"}}')" \
	"bad_request: argument 'org' is required when mode=org" "a conditional requirement is named"
is "$(arg_error '{"cmd":"refresh","args":{"mode":"org","org":"nope"}}')" \
	"bad_request: argument 'org' must be an id (a uuid)" "a uuid is checked"
is "$(arg_error '{"cmd":"refresh","args":{"mode":"full","trigger":"Timer!"}}')" \
	"bad_request: argument 'trigger' must be 1-15 characters of a-z, '-' or '_'" "a trigger name is checked"
is "$(arg_error '{"cmd":"runs","args":{"limit":0}}')" \
	"bad_request: argument 'limit' must be an integer from 1 to 1000" "an integer's range is named"
is "$(arg_error '{"cmd":"rollback","args":{"to":"1"}}')" \
	"bad_request: argument 'to' must be an integer from 1 to 9223372036854775807" "a type is checked"
is "$(arg_error '{"cmd":"loyalty","args":{"action":"rebuild","force":"yes"}}')" \
	"bad_request: argument 'force' must be true or false" "a boolean is checked"

OUT=$( (printf '{"cmd":"status","pad":"'; head -c 4000 /dev/zero | tr '\0' x; printf '"}\n') | raw)
is "$(jq -r .error.code <<<"$OUT")" too_large "an oversized request is refused as too_large"

OUT=$(printf '{"cmd":"status"}' | raw)
is "$(jq -r .ok <<<"$OUT")" true "a last request without newline before EOF is still served"

OUT=$( (printf '{"cmd":"sta'; sleep 4) | socat -t 6 - UNIX-CONNECT:"$SOCK")
is "$(jq -r .error.code <<<"$OUT")" timeout "a half-sent request times out with an error"

OUT=$(printf '{"cmd":"status"}\n{"cmd":"status"}\n' | raw)
is "$(printf '%s\n' "$OUT" | jq -r .ok | tr '\n' ' ')" "true true " "two requests on one connection get two replies"

# max_clients: hold three idle connections, the fourth is refused.
HOLD=""
for i in 1 2 3; do (sleep 3 | socat - UNIX-CONNECT:"$SOCK" >/dev/null) & HOLD="$HOLD $!"; done
sleep 0.5
OUT=$(printf '{"cmd":"status"}\n' | raw)
is "$(jq -r .error.code <<<"$OUT")" busy "a client over control.max_clients is refused as busy"
wait $HOLD

ctl_json status
is "$RC" 0 "the daemon still serves after all of that"
is "$(kill -0 "$(daemon_pid d1)" && echo alive)" alive "the daemon process is alive"
daemon_stop d1
t_done
