"""Trace one offline `alchemy generate`: modules loaded, checks run, settings read, layer changes.

Usage: python benchmarks/generate_trace.py [--idea TEXT]
Runs the CLI in a fresh interpreter (temporary HOME, LLM_USER_PATH and database, --no-embed) with
a profiler counting calls, then again under `python -X importtime` for the import count. Works on
older checkouts too: PYTHONPATH=/path/to/old python benchmarks/generate_trace.py (functions an old
checkout lacks count 0). Prints markdown tables.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

# What one request checks and reads; any of these running more than once per input is the
# duplication issue 19.1 removed.
WATCH = (
    "check_idea",
    "check_run_options",
    "check_options",
    "validate_persona",
    "validate_phases",
    "plan",
    "resolve_plan",
    "model_for_phase",
    "phase_plan",
    "phase_setting",
    "phase_options",
    "get_request",
)

CHILD = r"""
import collections, json, sys, threading
WATCH = set(json.loads(sys.argv[1]))
calls, reads, edges = collections.Counter(), collections.Counter(), collections.Counter()

def folder(path):
    i = path.rfind("alchemy_kit/")
    if i < 0:
        return None
    rest = path[i + len("alchemy_kit/"):]
    return rest.split("/")[0] if "/" in rest else "base"

def profile(frame, event, arg):
    if event != "call" or "alchemy_kit" not in frame.f_code.co_filename:
        return
    name = frame.f_code.co_name
    if name in WATCH:
        calls[name] += 1
    if name == "get_config":
        reads[str(frame.f_locals.get("key"))] += 1
    here, back = folder(frame.f_code.co_filename), frame.f_back
    there = folder(back.f_code.co_filename) if back is not None else None
    if here and there and here != there:
        edges[f"{there} -> {here}"] += 1

threading.setprofile(profile)
sys.setprofile(profile)
from alchemy_kit.cli.main import cli
try:
    cli(sys.argv[2:], standalone_mode=False)
except SystemExit:
    pass
sys.setprofile(None)
ours = [m for m in sys.modules if m.startswith("alchemy_kit")]
print("@@" + json.dumps({"calls": calls, "reads": reads, "edges": edges, "ours": len(ours),
                          "modules": len(sys.modules)}))
"""


def run(idea: str) -> dict:
    """Trace one run; return the counts."""
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, HOME=tmp, LLM_USER_PATH=tmp, IPYTHONDIR=tmp)
        args = ["generate", idea, "-d", os.path.join(tmp, "a.db"), "--no-embed", "--seed", "1"]
        out = subprocess.run(
            [sys.executable, "-c", CHILD, json.dumps(WATCH), *args],
            env=env,
            capture_output=True,
            text=True,
        )
        found = [line for line in out.stdout.splitlines() if line.startswith("@@")]
        if not found:
            raise SystemExit(f"the traced run failed:\n{out.stderr[-3000:]}")
        data = json.loads(found[0][2:])
        args[3] = os.path.join(tmp, "b.db")
        timed = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "alchemy_kit", *args],
            env=env,
            capture_output=True,
            text=True,
        )
        lines = [x for x in timed.stderr.splitlines() if x.startswith("import time:") and "|" in x]
        names = [x.rsplit("|", 1)[-1].strip() for x in lines[1:]]  # the first is the header
        data["importtime"] = len(names)
        data["importtime_ours"] = sum(n.startswith("alchemy_kit") for n in names)
        return data


def main() -> None:
    """Print the trace as markdown tables."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--idea", default="Write a Python function that deduplicates a CSV by email")
    data = run(ap.parse_args().idea)
    print("| modules loaded | count |\n|---|---:|")
    print(f"| alchemy_kit modules (-X importtime) | {data['importtime_ours']} |")
    print(f"| every module (-X importtime) | {data['importtime']} |")
    print("\n| function | calls |\n|---|---:|")
    for name in WATCH:
        print(f"| {name} | {data['calls'].get(name, 0)} |")
    print("\n| setting read (get_config) | reads |\n|---|---:|")
    for key, n in sorted(data["reads"].items()):
        print(f"| {key} | {n} |")
    print("\n| layer change (caller -> callee) | calls |\n|---|---:|")
    for edge, n in sorted(data["edges"].items()):
        print(f"| {edge} | {n} |")
    print(f"\n{len(data['edges'])} distinct layer changes")


if __name__ == "__main__":
    main()
