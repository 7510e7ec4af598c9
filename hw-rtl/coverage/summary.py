#!/usr/bin/env python3
"""Summarises a Verilator coverage file per module and kind (line, toggle): points
hit at least once over points, as hw-rtl/coverage.sh prints it."""
import collections
import sys

def points(path):
    # each point: C '<key \x02 value \x01 ...>' count
    with open(path, encoding="latin-1") as f:
        for line in f:
            if not line.startswith("C '"):
                continue
            body, count = line[3:].rsplit("' ", 1)
            kv = dict(p.split("\x02", 1) for p in body.split("\x01") if "\x02" in p)
            yield kv, int(count)

def main():
    stats = collections.defaultdict(lambda: [0, 0])
    for kv, count in points(sys.argv[1]):
        page = kv.get("page", "?")  # e.g. v_line/offload_top, v_toggle/offload_acl
        kind, _, module = page.partition("/")
        key = (module or "?", kind.replace("v_", ""))
        stats[key][1] += 1
        stats[key][0] += count > 0
    print(f"{'module':24} {'kind':10} {'hit':>8} {'points':>8} {'share':>7}")
    for (module, kind), (hit, total) in sorted(stats.items()):
        print(f"{module:24} {kind:10} {hit:8} {total:8} {100.0 * hit / total:6.1f}%")

if __name__ == "__main__":
    main()
