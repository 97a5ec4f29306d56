#!/usr/bin/env python3
"""Prints ptxas's registers and spills for each kernel of the CUDA files
whose paths match a pattern, compiled as the GPU build compiles them.
Runs on the build machine (no GPU needed).
Usage: scripts/gpu/registers.py [BUILD_DIR] [FILE_REGEX]
  defaults: build-gpu gemv"""
import json
import re
import subprocess
import sys

build = sys.argv[1] if len(sys.argv) > 1 else "build-gpu"
pattern = re.compile(sys.argv[2] if len(sys.argv) > 2 else "gemv")


def demangle(names):
    out = subprocess.run(["c++filt"], input="\n".join(names), capture_output=True, text=True)
    return out.stdout.splitlines() if out.returncode == 0 else names


def kernels_of(entry):
    cmd = re.sub(r" -o \S+", " -o /dev/null", entry["command"]).replace("ccache ", "")
    err = subprocess.run(cmd + " -Xptxas -v", shell=True, cwd=entry["directory"],
                         capture_output=True, text=True).stderr
    rows, name = [], None
    for line in err.splitlines():
        m = re.search(r"Compiling entry function '([^']+)'", line)
        if m:
            name = m.group(1)
        m = re.search(r"(\d+) bytes spill stores, (\d+) bytes spill loads", line)
        if m and name:
            spill = int(m.group(1)) + int(m.group(2))
        m = re.search(r"Used (\d+) registers", line)
        if m and name:
            rows.append([name, int(m.group(1)), spill])
            name = None
    return rows


with open(f"{build}/compile_commands.json") as f:
    entries = [e for e in json.load(f) if e["file"].endswith(".cu") and pattern.search(e["file"])]
for e in entries:
    rows = kernels_of(e)
    names = demangle([r[0] for r in rows])
    print(f"== {e['file'].split('/')[-1]}: registers, spill bytes")
    for (_, regs, spill), name in zip(rows, names):
        print(f"{regs:4d} {spill:5d}  {re.sub(r'sextant::kernels::cuda::', '', name)[:150]}")
