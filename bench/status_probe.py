#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""status round trips against analyticsd's control socket, as a second process would do.

  status_probe.py SOCKET STOPFILE [INTERVAL_S]

Until STOPFILE exists: connect, send one status request, read the reply line, close; then
sleep INTERVAL_S (default 0.01). A fresh connection each time, as analyticsctl makes one.
Prints the number of round trips, p50, p99 and max in milliseconds on one line, and the
number of replies that were not a successful status.
"""
import json
import os
import socket
import sys
import time


def one(path):
    t0 = time.perf_counter()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
        s.sendall(b'{"v":1,"cmd":"status"}\n')
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
    finally:
        s.close()
    ms = (time.perf_counter() - t0) * 1000.0
    try:
        ok = json.loads(buf).get("ok") is True
    except ValueError:
        ok = False
    return ms, ok


def pct(sorted_ms, p):
    if not sorted_ms:
        return float("nan")
    i = min(len(sorted_ms) - 1, max(0, int(round(p / 100.0 * len(sorted_ms) + 0.5)) - 1))
    return sorted_ms[i]


def main():
    path, stop = sys.argv[1], sys.argv[2]
    interval = float(sys.argv[3]) if len(sys.argv) > 3 else 0.01
    ms, bad = [], 0
    while not os.path.exists(stop):
        t, ok = one(path)
        ms.append(t)
        bad += 0 if ok else 1
        time.sleep(interval)
    ms.sort()
    print("n=%d p50=%.3f p99=%.3f max=%.3f failed=%d"
          % (len(ms), pct(ms, 50), pct(ms, 99), ms[-1] if ms else float("nan"), bad))


if __name__ == "__main__":
    main()
