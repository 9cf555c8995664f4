#!/bin/bash
# SPDX-License-Identifier: ISC
# analyticsctl trusts the well-known socket only if root or the analyticsd user answers on
# it: a process of another user that got hold of /run/analyticsd/control.sock could fake
# any outcome ("refresh succeeded"). -s or ANALYTICSD_SOCKET naming another path is trusted
# as asked.
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" != 0 ] || [ -e /run/analyticsd ]; then
	echo "# skipped: needs root and no /run/analyticsd of a real installation"
	t_done; exit
fi
trap 'rm -rf /run/analyticsd; t_cleanup' EXIT

# fake USER: a "daemon" on the well-known socket that says every request succeeded.
fake() {
	runuser -u "$1" -- python3 - 2>/dev/null <<'PY' &
import os, socket
path = "/run/analyticsd/control.sock"
s = socket.socket(socket.AF_UNIX); s.bind(path); os.chmod(path, 0o666); s.listen(4)
while True:
    c, _ = s.accept()
    try:
        if c.recv(65536):
            c.sendall(b'{"ok":true,"result":{"run_id":1,"status":"succeeded","mode":"full",'
                      b'"scope":{},"rows":{"inserted":0,"updated":0,"deleted":0,"unchanged":0},'
                      b'"duration_ms":1}}\n')
    except OSError:
        pass
    c.close()
PY
	FAKE=$!
	wait_for "the fake's socket" 10 test -S /run/analyticsd/control.sock
}

mkdir -p /run/analyticsd && chown nobody /run/analyticsd
fake nobody
OUT=$(env -u ANALYTICSD_SOCKET "$BIN/analyticsctl" refresh full 2>&1); RC=$?
is "$RC" 69 "a daemon of another user on the well-known socket is not trusted (exit 69)"
like "$OUT" 'runs as uid [0-9]+, not as root or analyticsd: not trusting it' "and says why"
ln -s /run/analyticsd/control.sock "$T/other.sock"
OUT=$("$BIN/analyticsctl" -s "$T/other.sock" refresh full 2>&1); RC=$?
is "$RC" 0 "-s naming another path is trusted as asked"
kill "$FAKE" 2>/dev/null; wait "$FAKE" 2>/dev/null
rm -f /run/analyticsd/control.sock

fake root
OUT=$(env -u ANALYTICSD_SOCKET "$BIN/analyticsctl" refresh full 2>&1); RC=$?
is "$RC" 0 "root's daemon (systemd's socket) on the well-known socket is trusted"
kill "$FAKE" 2>/dev/null; wait "$FAKE" 2>/dev/null
t_done
