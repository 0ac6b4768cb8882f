"""Hostile runs of the CLI (issue 18, points 4, 5, 7, 9 and 11), for scripts/hostile_cli.py.

A SIGKILL at the worst moment of `learn` and `pick`; two or three `batch` runs over one file at
once; a 200 MB prompt through embed, score, list, search, export and import (peak memory from the
kernel, os.wait4's ru_maxrss); terminal control characters in stored text; and ideas made of
nothing visible or of one unspaced run.
"""

from __future__ import annotations

import json
import re
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

from hostile_lab import BATCH, IDEA, Lab, completed_once, ideas_file, raw, why

Case = tuple[str, Callable[[], bool | None]]
SLOW = ("-n", "1", "--provider", "local", "-m", "slow-fake", "--no-embed", "-c", "2", "--json")
# What a terminal obeys: C0 controls but tab and newline, DEL, C1, bidi controls, separators.
RAW_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]"
)
HOSTILE = (
    "Plan \x1b[2J\x1b]0;pwned\x07 a trip\x08\x08 \rover \x9b31m \u202eevil\u202c \u2066x\u2069"
)


# -- 4. learn / pick killed at the worst moment ----------------------------------------------
PICKS_SETUP = """
import sys, alchemy_kit as ak
store = ak.open_store(sys.argv[1])
for i in range(22):
    res = ak.generate(f"Write a note about topic {i} for new staff", store=store, count=2,
                      phases=["coagulatio"], embed=False, progress=False)
    a, b = res.prompts
    ak.prefer(store, b.id if i % 2 else a.id, a.id if i % 2 else b.id, who="tester")
"""
# Run the CLI with MODULE:ATTR.PATH wrapped so that the process is SIGKILLed as it returns.
KILL_AT = """
import importlib, os, signal, sys
from alchemy_kit.cli.main import cli
module, path = sys.argv[1].split(":")
owner = importlib.import_module(module)
*parents, name = path.split(".")
for parent in parents:
    owner = getattr(owner, parent)
real = getattr(owner, name)
def dying(*args, **kwargs):
    result = real(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)
    return result
setattr(owner, name, dying)
cli(sys.argv[2:])
"""


def killed_scoring(lab: Lab, command: str, at: str) -> bool | None:
    db = lab.path("picks.db")
    made = lab.py(PICKS_SETUP, str(db), timeout=600)
    if made.code != 0:
        return why(f"setup failed: {made.err[-300:]}")
    sql = "SELECT id, score, rank FROM prompts ORDER BY id"
    before, picks = raw(db, sql), raw(db, "SELECT count(*) FROM preferences")[0][0]
    pids = [row[0] for row in before]
    argv = {"learn": ["learn"], "pick": ["pick", pids[0][:8], "--rating", "5"]}[command]
    run = lab.py(KILL_AT, at, *argv, "-d", str(db))
    if run.code != -signal.SIGKILL:
        return why(f"the kill did not happen at {at}: exit {run.code} {run.err[-300:]}")
    lab.cli("db", "status", "-d", str(db))  # the next open
    after = raw(db, sql)
    weights = raw(db, "SELECT count(*) FROM configurations WHERE key = 'scoring.weights'")[0][0]
    picks_after = raw(db, "SELECT count(*) FROM preferences")[0][0]
    evidence_changed = weights > 0 if command == "learn" else picks_after != picks
    if not evidence_changed:
        return after == before or why("the evidence was not stored, yet scores changed")
    # The evidence landed: the scores must already be the ones it gives (re-deriving changes nothing).
    lab.cli("score", "--all", "-d", str(db))
    return raw(db, sql) == after or why("new evidence beside scores derived from the old")


EVAL_SETUP = """
import json, sys, alchemy_kit as ak
from alchemy_kit.scoring.scorer import default_weights
store = ak.open_store(sys.argv[1])
res = ak.generate("Summarise a clinical trial for patients", store=store, count=3, embed=False,
                  progress=False)
with open(sys.argv[2], "w") as f:
    for words in ("a trial of 40 adults", "blood pressure", "side effects", "dropouts"):
        f.write(json.dumps({"vars": {"input": words}, "assert": [{"type": "contains", "value": "trial"}]}) + "\\n")
flipped = default_weights().as_dict()
flipped["coef"] = {k: -v for k, v in flipped["coef"].items()}
with open(sys.argv[3], "w") as f:
    json.dump(flipped, f)
print(res.request.id)
"""


def eval_store(lab: Lab) -> tuple[Path, str, Path]:
    """A store with one request of 9 prompts and 4 cases; its request id; flipped weights."""
    db, cases, weights = lab.path("ev.db"), lab.path("cases.jsonl"), lab.path("w.json")
    made = lab.py(EVAL_SETUP, str(db), str(cases), str(weights), timeout=600)
    if made.code != 0:
        raise RuntimeError(f"could not build the eval store: {made.err[-300:]}")
    rid = made.out.strip().splitlines()[-1]
    lab.cli("cases", "import", str(cases), "-r", rid, "-d", str(db))
    return db, rid, weights


def killed_evidence(lab: Lab, command: str, at: str) -> bool:
    """Evidence the scores are derived from (eval grades, weights set or deleted) and the scores
    land together: SIGKILL right after the evidence's write, then re-deriving changes nothing."""
    db, rid, weights = eval_store(lab)
    if command == "config delete":  # the weights to delete
        lab.cli("config", "set", "scoring.weights", weights.read_text(), "-d", str(db))
    argv = {
        "eval": ["eval", "-r", rid, "-c", "1"],
        "config set": ["config", "set", "scoring.weights", weights.read_text()],
        "config delete": ["config", "delete", "scoring.weights"],
    }[command]
    run = lab.py(KILL_AT, at, *argv, "-d", str(db))
    if run.code != -signal.SIGKILL:
        return why(f"the kill did not happen at {at}: exit {run.code} {run.err[-300:]}")
    lab.cli("db", "status", "-d", str(db))  # the next open
    sql = "SELECT id, score FROM prompts ORDER BY id"
    after = raw(db, sql)
    lab.cli("score", "--all", "-d", str(db))
    moved = [
        (a, b) for (_, a), (_, b) in zip(after, raw(db, sql), strict=True) if abs(a - b) > 1e-3
    ]
    return not moved or why(
        f"{len(moved)} of {len(after)} scores stale after the kill: {moved[:2]}"
    )


# -- 5. batch runs over one file ------------------------------------------------------------
def concurrent_batches(lab: Lab, runners: int, stagger: float) -> bool:
    ideas, db = ideas_file(lab.path("ideas.jsonl"), 6), lab.path("two.db")
    lab.cli("db", "init", "-d", str(db))
    procs = []
    for _ in range(runners):
        procs.append(lab.start("batch", str(ideas), "-d", str(db), *SLOW, slow=0.3)[0])
        time.sleep(stagger)
    for proc in procs:
        proc.wait(timeout=300)
    total = raw(db, "SELECT count(*) FROM prompt_requests")[0][0]
    if not completed_once(db, 6) or total != 6:
        return why(
            f"{total} requests for 6 ideas: {raw(db, 'SELECT status, count(*) FROM prompt_requests GROUP BY 1')}"
        )
    return True


def concurrent_evals(lab: Lab, runners: int, stagger: float) -> bool:
    """Two or three `alchemy eval` of one selection at once: each output is paid for once."""
    db, rid, _ = eval_store(lab)
    argv = ("eval", "-r", rid, "-m", "slow-fake", "-c", "2", "-d", str(db))
    started = []
    for _ in range(runners):
        started.append(lab.start(*argv, slow=0.3))
        time.sleep(stagger)
    for proc, _ in started:
        proc.wait(timeout=300)
    time.sleep(0.5)  # the readers drain the pipes
    calls = sum(line.count(b"answered") for _, err in started for line in err)
    outputs = raw(db, "SELECT count(*) FROM outputs")[0][0]
    due = raw(db, "SELECT (SELECT count(*) FROM prompts) * (SELECT count(*) FROM cases)")[0][0]
    return (calls == outputs == due) or why(f"{calls} calls for {outputs} outputs ({due} due)")


def repeated_line(lab: Lab) -> bool:
    path = lab.path("dup.jsonl")
    line = json.dumps({"idea": "Summarise report number 1 for the board"})
    path.write_text(f"{line}\n{line}\n")
    db = lab.path("dup.db")
    once = lab.cli("batch", str(path), *BATCH, "-d", str(db))
    n = raw(db, "SELECT count(*) FROM prompt_requests WHERE status = 'completed'")[0][0]
    again = lab.cli("batch", str(path), *BATCH, "--again", "-d", str(db))
    m = raw(db, "SELECT count(*) FROM prompt_requests WHERE status = 'completed'")[0][0]
    return once.code == 0 and n == 1 and again.code == 0 and m == 3


def batch_after_demo(lab: Lab) -> bool:
    samples = lab.repo / "data" / "sample_ideas.jsonl"
    db = lab.path("demo.db")
    lab.cli("demo", "--ideas", str(samples), "-d", str(db), timeout=600)
    before = raw(db, "SELECT count(*) FROM prompt_requests")[0][0]
    run = lab.cli("batch", str(samples), "--no-embed", "-d", str(db), timeout=600)
    after = raw(db, "SELECT count(*) FROM prompt_requests")[0][0]
    return (run.code == 0 and before == after > 0) or why(f"{before} requests, then {after}")


def readme_batch_file(lab: Lab) -> bool:
    named = re.findall(r"alchemy batch (\S+)", (lab.repo / "README.md").read_text())
    help_text = lab.cli("batch", "-h").out
    return bool(named) and all((lab.repo / n).is_file() for n in named) and '"idea"' in help_text


# -- 7. one huge prompt --------------------------------------------------------------------
HUGE_ID = "0b5e8a1c-3d2f-4e6a-9b7c-1d2e3f4a5b6c"
_huge: dict[str, Path] = {}


HUGE_SETUP = """
import sqlite3, sys
db, request_sql, pid = sys.argv[1], "SELECT id FROM prompt_requests", sys.argv[2]
words = "the trial measured blood pressure in adults over twelve weeks; "
content = (words * (200 * 1024 * 1024 // len(words) + 1))[: 200 * 1024 * 1024]
conn = sqlite3.connect(db)
conn.execute(
    "INSERT INTO prompts (id, content, phase, provider, model, request_id)"
    " VALUES (?, ?, 'solutio', 'local', 'alchemy-local', ?)",
    [pid, content, conn.execute(request_sql).fetchone()[0]],
)
conn.commit()
"""


def huge_store(lab: Lab) -> Path:
    """A store holding one 200 MB prompt, made once, in a child (the harness stays small)."""
    if "db" not in _huge:
        db = lab.path("huge.db")
        lab.cli("generate", IDEA, "-n", "1", "--no-embed", "-d", str(db))
        made = lab.py(HUGE_SETUP, str(db), HUGE_ID)
        if made.code != 0:
            raise RuntimeError(f"could not build the huge store: {made.err[-300:]}")
        _huge["db"] = db
    return _huge["db"]


def huge_prompt(lab: Lab, step: str) -> bool:
    db = huge_store(lab)
    out = lab.path("huge-out")
    argv = {
        "embed --all": ["embed", "--all", "-d", str(db)],
        "score PROMPT": ["score", HUGE_ID[:8], "-d", str(db)],
        "score --all": ["score", "--all", "-d", str(db)],
        "prompts list": ["prompts", "list", "-d", str(db)],
        "search --text": ["search", "blood pressure", "--text", "-d", str(db)],
    }.get(step)
    if argv is None:  # export -f FMT, then import it
        fmt = step.split()[-1]
        run, peak = lab.cli_peak("export", str(out), "-f", fmt, "-d", str(db))
        print(f"      export {fmt}: peak {peak:.0f} MB", file=sys.stderr, flush=True)
        if peak >= 1024 or (run.code != 0 and not run.one_line_error):
            return why(f"export exit {run.code}, peak {peak:.0f} MB {run.err[-200:]!r}")
        if run.code != 0:  # a format that cannot carry the row refuses it in one line
            return True
        argv = ["import", str(out), "-d", str(lab.path("huge-in.db"))]
        step = f"import {fmt}"
    run, peak = lab.cli_peak(*argv)
    print(f"      {step}: peak {peak:.0f} MB", file=sys.stderr, flush=True)
    return (run.code == 0 and peak < 1024) or why(f"exit {run.code}, peak {peak:.0f} MB")


# -- 9. terminal control characters ------------------------------------------------------------
def terminal(lab: Lab, command: str) -> bool:
    if "term" not in _huge:
        db = lab.path("term.db")
        lab.cli("generate", HOSTILE, "-n", "1", "--no-embed", "--tag", "x\x1b[2Jy", "-d", str(db))
        lab.cli("config", "set", "user.note", HOSTILE, "-d", str(db))
        lab.cli("search", "trip", "--text", "-d", str(db))
        pid = raw(db, "SELECT id FROM prompts LIMIT 1")[0][0]
        lab.cli("pick", pid[:8], "--rating", "4", "--note", HOSTILE, "-d", str(db))
        _huge["term"] = db
    db = _huge["term"]
    pid, rid = raw(db, "SELECT id, request_id FROM prompts LIMIT 1")[0]
    argv = command.replace("PID", pid[:8]).replace("RID", rid[:8]).split()
    if command == "batch failures":
        bad = lab.path("bad.jsonl")
        bad.write_text(json.dumps({"idea": "x", HOSTILE: 1}) + "\n")
        argv = ["batch", str(bad), *BATCH]
    run = lab.cli(*argv, "-d", str(db))
    found = RAW_CONTROL.search(run.out + run.err.replace("\r", ""))  # progress bars use \r
    return (run.code in (0, 1) and "Traceback" not in run.err and found is None) or why(
        f"exit {run.code}, raw {found.group()!r} in {command}" if found else run.err[-200:]
    )


# -- 11. ideas that are not text -------------------------------------------------------------
def idea_refused(lab: Lab, via: str, text: str, word: str, seconds: float = 60) -> bool:
    db = lab.path("idea.db")
    lab.cli("db", "init", "-d", str(db))
    started = time.monotonic()
    if via == "argv":
        run = lab.cli("generate", text, "-n", "1", "--no-embed", "-d", str(db))
    elif via == "stdin":
        run = lab.cli("generate", "-", "-n", "1", "--no-embed", "-d", str(db), input=text.encode())
    else:
        path = lab.path("idea.txt")
        path.write_text(text)
        run = lab.cli("generate", "--idea-file", str(path), "-n", "1", "--no-embed", "-d", str(db))
    took = time.monotonic() - started
    stored = raw(db, "SELECT count(*) FROM prompt_requests")[0][0]
    return (run.one_line_error and word in run.err and stored == 0 and took < seconds) or why(
        f"exit {run.code}, {took:.0f} s, {stored} stored, {run.err[-200:]!r}"
    )


def runs_cases(lab: Lab) -> list[Case]:
    """The cases of the groups above, as scripts/hostile_cases.py prints them."""
    c: list[Case] = []
    for command, at in [
        ("learn", "alchemy_kit.store.configs:Configs.set_config"),
        ("learn", "alchemy_kit.scoring.rank:rescore"),
        ("pick", "alchemy_kit.store.picks:ScoringQueries.add_preferences"),
    ]:
        c.append(
            (
                "learn/pick killed mid-way: evidence and scores together",
                lambda x=command, a=at: killed_scoring(lab, x, a),
            )
        )
    for command, at in [
        ("eval", "alchemy_kit.store.evals:EvalQueries._write_outputs"),
        ("eval", "alchemy_kit.engine.evaluate:_write"),
        ("config set", "alchemy_kit.store.configs:Configs.set_config"),
        ("config set", "alchemy_kit.engine.configured:set_setting"),
        ("config delete", "alchemy_kit.engine.configured:delete_setting"),
    ]:
        c.append(
            (
                "learn/pick killed mid-way: evidence and scores together",
                lambda x=command, a=at: killed_evidence(lab, x, a),
            )
        )
    g = "batch/eval: concurrent runs, repeats and demo run each item once"
    for runners, stagger in ((2, 0.0), (2, 1.5), (3, 0.2)):
        c.append((g, lambda n=runners, s=stagger: concurrent_batches(lab, n, s)))
    for runners, stagger in ((2, 0.0), (2, 1.5), (3, 0.2)):
        c.append((g, lambda n=runners, s=stagger: concurrent_evals(lab, n, s)))
    c.append((g, lambda: repeated_line(lab)))
    c.append((g, lambda: batch_after_demo(lab)))
    c.append(
        (
            "batch: the README's file exists, -h says what a line holds",
            lambda: readme_batch_file(lab),
        )
    )
    for step in (
        "embed --all",
        "score PROMPT",
        "score --all",
        "prompts list",
        "search --text",
        "export jsonl",
        "export csv",
        "export parquet",
    ):
        c.append(
            ("a 200 MB prompt through the CLI: peak < 1 GB", lambda s=step: huge_prompt(lab, s))
        )
    for command in (
        "requests list",
        "requests show RID",
        "prompts list",
        "prompts show PID",
        "search trip --text",
        "search history",
        "config list",
        "picks",
        "score PID",
        "batch failures",
    ):
        c.append(("terminal tables escape control characters", lambda x=command: terminal(lab, x)))
    g = "ideas of nothing visible or unspaced: one line"
    zero_width = "\u200b\u200c\u200d\u2060\ufeff"
    for via in ("argv", "stdin", "file"):
        c.append((g, lambda v=via: idea_refused(lab, v, zero_width + "\n", "empty")))
    c.append((g, lambda: idea_refused(lab, "argv", "\u3164\u2800\u115f", "empty")))
    c.append((g, lambda: idea_refused(lab, "file", "a" * (4 * 1024 * 1024 - 16), "too long", 30)))
    c.append((g, lambda: idea_refused(lab, "argv", "x" * 100_000, "too long")))
    c.append((g, lambda: idea_refused(lab, "argv", "总结临床试验的结果" * 1200, "too long")))
    return c
