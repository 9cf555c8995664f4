#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Where a run's time goes, by statement, from the server's log.

  stmt_times.py SQL_DIRS RUN_MS DAEMON_CPU_MS < server.log

The log holds one run with log_min_duration_statement = 0. Every statement's durations
(parse, bind, execute) are summed under the SQL file it came from, found by its first line
among the files of SQL_DIRS (colon-separated: sql/queries and the build's generated ones). Prints a markdown table: statement, executions, ms, share of the run,
then the rest of the run (the daemon and the round trips not overlapped with the server's
work) and the daemon's CPU time.
"""
import os
import re
import sys

LINE = re.compile(r"duration: ([0-9.]+) ms  (?:(?:parse|bind|execute) [^:]*|statement): (.*)")


def first_lines(sql_dirs):
    names = {}
    for sql_dir, f in sorted((d, f) for d in sql_dirs.split(":") for f in os.listdir(d)):
        if f.endswith(".sql"):
            with open(os.path.join(sql_dir, f), encoding="utf-8") as fh:
                first = fh.readline().strip()
            names.setdefault(first, f)
    return names


def main():
    sql_dir, run_ms, cpu_ms = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    names = first_lines(sql_dir)
    ms, count = {}, {}
    for line in sys.stdin:
        m = LINE.search(line)
        if not m:
            continue
        text = m.group(2).strip()
        name = names.get(text, text[:50])
        ms[name] = ms.get(name, 0.0) + float(m.group(1))
        if " execute " in line or "statement: " in line:
            count[name] = count.get(name, 0) + 1
    total = sum(ms.values())
    print("| statement | executions | ms (server) | share of the run |")
    print("|---|---:|---:|---:|")
    for name, t in sorted(ms.items(), key=lambda kv: -kv[1]):
        if t < 0.01 * run_ms:
            continue
        print(f"| `{name}` | {count.get(name, 0)} | {t:.0f} | {100 * t / run_ms:.0f}% |")
    small = sum(t for t in ms.values() if t < 0.01 * run_ms)
    print(f"| the other statements (each under 1%) | | {small:.0f} | {100 * small / run_ms:.0f}% |")
    rest = run_ms - total
    print(f"| the rest: the daemon and round trips, where the server waited | | {rest:.0f} | "
          f"{100 * rest / run_ms:.0f}% |")
    print(f"| the run (daemon's duration_ms); the daemon's CPU time in it: {cpu_ms:.0f} ms | | "
          f"{run_ms:.0f} | 100% |")


if __name__ == "__main__":
    main()
