"""Validate the hand-written scoring pairs and print their balance and baseline rates.

Usage: python tests/data/check_pairs.py [FILE ...]
(defaults to scoring_pairs.jsonl and scoring_pairs_holdout.jsonl next to this script)

Baselines: "longer wins" counts a pair as right when `better` has more words than
`worse`; "more markdown wins" when `better` has more lines starting with `#`, `-`, `*`
or a number followed by `.` or `)`. Ties count as not right and are reported separately.
Exit status is 1 when any structural problem is found.
"""

import json
import re
import sys
from collections import Counter
from pathlib import Path

PERSONAS = ("code", "writing", "analysis", "generic")
KINDS = ("padded", "drift", "contradiction", "plain")
STYLES = ("paragraph", "markdown")
FIELDS = ("id", "idea", "persona", "kind", "better", "worse", "better_style", "worse_style", "note")
MD_LINE = re.compile(r"^(#|-|\*|\d+[.)])")
TABLE_LINE = re.compile(r"^\|")
PLACEHOLDER = re.compile(r"(?i:\[insert|lorem ipsum|<placeholder)|\bTODO\b|\{\{")


def words(text: str) -> int:
    return len(text.split())


def md_lines(text: str) -> int:
    return sum(1 for line in text.splitlines() if MD_LINE.match(line.strip()))


def looks_markdown(text: str) -> bool:
    return any(
        MD_LINE.match(line.strip()) or TABLE_LINE.match(line.strip()) for line in text.splitlines()
    )


def check(rows: list[dict]) -> list[str]:
    problems = []
    ids = Counter(r.get("id") for r in rows)
    problems += [f"duplicate id {i}" for i, n in ids.items() if n > 1]
    ideas: dict[str, list[str]] = {}
    for r in rows:
        rid = r.get("id", "?")
        missing = [f for f in FIELDS if not isinstance(r.get(f), str) or not r[f].strip()]
        if missing:
            problems.append(f"{rid}: missing or empty {missing}")
            continue
        if r["persona"] not in PERSONAS or r["kind"] not in KINDS:
            problems.append(f"{rid}: bad persona/kind")
        for side in ("better", "worse"):
            style = r[f"{side}_style"]
            if style not in STYLES:
                problems.append(f"{rid}: bad {side}_style")
            elif (style == "markdown") != looks_markdown(r[side]):
                problems.append(f"{rid}: {side}_style says {style}")
            if PLACEHOLDER.search(r[side]):
                problems.append(f"{rid}: placeholder in {side}")
        bw, ww = words(r["better"]), words(r["worse"])
        if not 40 <= bw <= 350:
            problems.append(f"{rid}: better has {bw} words")
        kind = r["kind"]
        if kind == "padded" and ww <= bw:
            problems.append(f"{rid}: padded worse not longer ({ww} <= {bw})")
        if kind in ("drift", "contradiction") and not 0.7 <= ww / bw <= 1.3:
            problems.append(f"{rid}: {kind} length ratio {ww / bw:.2f}")
        if kind == "plain" and (len(r["worse"].splitlines()) > 2 or ww > 40):
            problems.append(f"{rid}: plain worse is not a one- or two-liner")
        ideas.setdefault(" ".join(r["idea"].lower().split()), []).append(kind)
    for idea, kinds in ideas.items():
        if len(kinds) > 2 or len(set(kinds)) < len(kinds):
            problems.append(f"idea reused badly ({kinds}): {idea[:60]}")
    return problems


def rate(rows: list[dict], key) -> str:
    right = sum(1 for r in rows if key(r["better"]) > key(r["worse"]))
    ties = sum(1 for r in rows if key(r["better"]) == key(r["worse"]))
    return f"{right}/{len(rows)} = {right / len(rows):.0%} (ties {ties})"


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def report(path: Path) -> bool:
    rows = load(path)
    print(f"## {path.name}: {len(rows)} pairs\n")
    cells = Counter((r["persona"], r["kind"]) for r in rows)
    print("| persona | " + " | ".join(KINDS) + " | total |")
    print("|---" * (len(KINDS) + 2) + "|")
    for p in PERSONAS:
        counts = [cells[(p, k)] for k in KINDS]
        print(f"| {p} | " + " | ".join(map(str, counts)) + f" | {sum(counts)} |")
    styles = Counter(f"{r['better_style']} / {r['worse_style']}" for r in rows)
    print("\nbetter / worse style: " + ", ".join(f"{s}: {n}" for s, n in sorted(styles.items())))
    print("\n| subset | longer wins | more markdown wins |\n|---|---|---|")
    for kind in ("all", *KINDS):
        sub = rows if kind == "all" else [r for r in rows if r["kind"] == kind]
        if sub:
            print(f"| {kind} | {rate(sub, words)} | {rate(sub, md_lines)} |")
    for kind in ("drift", "contradiction"):
        sub = [r for r in rows if r["kind"] == kind]
        longer = sum(1 for r in sub if words(r["worse"]) > words(r["better"]))
        print(f"\n{kind}: worse is the longer prompt in {longer}/{len(sub)}")
    problems = check(rows)
    for problem in problems:
        print("PROBLEM:", problem)
    print()
    return not problems


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    paths = [Path(a) for a in argv] or [
        here / "scoring_pairs.jsonl",
        here / "scoring_pairs_holdout.jsonl",
    ]
    ok = [report(p) for p in paths if p.exists()]
    seen: dict[str, str] = {}
    for p in paths:
        for r in load(p) if p.exists() else []:
            idea = " ".join(r["idea"].lower().split())
            if seen.setdefault(idea, p.name) != p.name:
                print(f"PROBLEM: idea shared by {seen[idea]} and {p.name}: {idea[:60]}")
                ok.append(False)
    return 0 if all(ok) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
