#!/usr/bin/env python3
"""Prints one row per launch of an ncu --csv --page raw report made with
profile.sh's DETAIL metrics: time, grid, block, registers, and the shares
of peak that say what bounds the kernel.

usage: kernel_detail.py REPORT.csv
"""
import sys

from kernel_table import read_report, short_name

COLUMNS = [
    ("us", "gpu__time_duration.sum", 1e-3),
    ("grid", "launch__grid_size", 1),
    ("block", "launch__block_size", 1),
    ("regs", "launch__registers_per_thread", 1),
    ("dram%", "dram__throughput.avg.pct_of_peak_sustained_elapsed", 1),
    ("sm%", "sm__throughput.avg.pct_of_peak_sustained_elapsed", 1),
    ("issue%", "smsp__issue_active.avg.pct_of_peak_sustained_active", 1),
    ("occup%", "sm__warps_active.avg.pct_of_peak_sustained_active", 1),
]


def number(text):
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    rows = read_report(sys.argv[1], "kernel_detail")
    print(f"{'kernel':<44}" + "".join(f"{name:>9}" for name, _, _ in COLUMNS))
    for row in rows:
        values = [number(row.get(metric, "")) for _, metric, _ in COLUMNS]
        if values[0] is None:
            continue  # the units row
        cells = "".join(
            f"{v * scale:9.1f}" if v is not None else f"{'-':>9}"
            for v, (_, _, scale) in zip(values, COLUMNS))
        print(f"{short_name(row['Kernel Name'])[:44]:<44}{cells}")


if __name__ == "__main__":
    main()
