#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Where the compute's time goes: EXPLAIN (ANALYZE, FORMAT JSON) of the refresh's SELECT
(stdin) summed by step of refresh_compute.sql, as a Markdown table (stdout).

A node's own time is its actual total time minus its children's. Each node is charged to
the nearest enclosing step: a CTE that is materialized once (its own subplan), or one of
the aggregates joined in the final join chain, named by its alias there. A CTE Scan's own
time is left out: the first scan of a materialized CTE would otherwise carry the whole
cost of computing it, which is charged to that CTE instead. The per-node timing of
EXPLAIN ANALYZE adds overhead, so the shares matter more than the sums.
"""
import json
import sys

# Aliases of the final join chain in refresh_compute.sql, by the CTE they read.
ALIASES = {
    "a": "bk_agg (plain aggregates of bookings)",
    "sq": "bk_seq (window: rebooking, first visit)",
    "pv": "paid_visit (visits with a payment)",
    "p": "pay_agg (spend)",
    "pc": "paid_visit_count",
    "fl": "fav_location",
    "fs": "fav_staff",
    "fsv": "fav_service",
    "fw": "fav_weekday",
    "fh": "fav_hour",
    "ga": "gap_agg (visit gaps, median)",
    "rm": "referral_made",
    "rc": "referral_converted",
}


def total(n):
    return n.get("Actual Total Time", 0.0) * n.get("Actual Loops", 1)


def walk(n, step, acc):
    name = n.get("Subplan Name") or ""
    if name.startswith("CTE "):
        step = "CTE " + name[4:] + " (materialized)"
    elif n["Node Type"] == "Hash" and n.get("Plans"):
        alias = n["Plans"][0].get("Alias", "")
        if alias in ALIASES:
            step = ALIASES[alias]
    kids = n.get("Plans", [])
    own = total(n) - sum(total(k) for k in kids if k.get("Parent Relationship") != "InitPlan")
    if n["Node Type"] == "CTE Scan":
        own = 0.0
    acc[step] = acc.get(step, 0.0) + max(own, 0.0)
    for k in kids:
        walk(k, step, acc)


def main():
    plan = json.load(sys.stdin)[0]
    acc = {}
    walk(plan["Plan"], "final joins, derived metrics, output", acc)
    whole = sum(acc.values())
    print("| step of refresh_compute.sql | ms (instrumented) | share |")
    print("|---|---:|---:|")
    for step, ms in sorted(acc.items(), key=lambda kv: -kv[1]):
        print("| %s | %.0f | %.0f%% |" % (step, ms, 100.0 * ms / whole))
    print("| total (EXPLAIN ANALYZE execution time) | %.0f | |" % plan["Execution Time"])


if __name__ == "__main__":
    main()
