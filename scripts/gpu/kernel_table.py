#!/usr/bin/env python3
"""Sums an ncu --csv --page raw report of gpu__time_duration.sum by kernel
and prints microseconds and launches per step, largest first.

usage: kernel_table.py REPORT.csv STEPS
"""
import csv
import re
import sys
from collections import defaultdict


def short_name(name):
    name = re.sub(r"^void ", "", name)
    # Anonymous namespaces: "(anonymous namespace)::", or "unnamed>::" in the
    # names ncu writes (its stray ">" would hide the parameter list below).
    name = re.sub(r"\(anonymous namespace\)::|<?unnamed>::", "", name)
    name = re.sub(r"\b[a-z_]+::", "", name)  # namespaces
    depth = 0
    for i, ch in enumerate(name):  # cut the parameter list, keep template arguments
        depth += ch == "<"
        depth -= ch == ">"
        if ch == "(" and depth == 0:
            return name[:i]
    return name


def read_report(path, tool):
    """The rows of an ncu --csv --page raw report (the units row included),
    skipping ncu's own lines before the header; exits naming `tool` when
    there is no header."""
    with open(path, newline="") as f:
        lines = f.read().splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith('"ID"')), None)
    if start is None:
        sys.exit(f"{tool}: no ncu CSV header in {path}")
    return list(csv.DictReader(lines[start:]))


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    path, steps = sys.argv[1], int(sys.argv[2])
    rows = read_report(path, "kernel_table")
    ns = defaultdict(float)
    launches = defaultdict(int)
    for row in rows:
        value = row.get("gpu__time_duration.sum", "").replace(",", "")
        try:
            t = float(value)
        except ValueError:
            continue  # the units row
        key = short_name(row["Kernel Name"])
        ns[key] += t
        launches[key] += 1
    total = sum(ns.values())
    if total == 0:
        sys.exit(f"kernel_table: no timed kernels in {path}")
    print(f"{'kernel':<60} {'us/step':>9} {'launches':>9} {'share':>7}")
    for key in sorted(ns, key=ns.get, reverse=True):
        print(f"{key[:60]:<60} {ns[key] / 1e3 / steps:9.1f} "
              f"{launches[key] / steps:9.1f} {100 * ns[key] / total:6.1f}%")
    print(f"{'total':<60} {total / 1e3 / steps:9.1f} "
          f"{sum(launches.values()) / steps:9.1f} {100.0:6.1f}%")


if __name__ == "__main__":
    main()
