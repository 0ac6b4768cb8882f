"""Record notebooks/06_evaluate.ipynb again: run it live on SmolLM2, keep every call, replay it.

The notebook replays `notebooks/data/06_recording/` (an `alchemy export` of the `model_calls` table)
so it runs offline, with no model installed, and gives the same outputs on every run. This script
makes that recording:

1. with `--variants` (or when `notebooks/data/06_variants/` is missing), generates the request's
   variants again with the offline model (seed 7) and exports them there;
2. executes a copy of the notebook with ALCHEMY_REPLAY=0, so every SmolLM2 call runs for real and
   is recorded, in a temporary store, HOME, IPYTHONDIR and LLM_USER_PATH;
3. exports that store's `model_calls` to `notebooks/data/06_recording/` (replacing the old one);
4. re-executes the notebook in place in replay mode (scripts/run_notebooks.sh), saving its outputs.

The notebook's comments describe the committed recording's results: read them again after
re-recording (a new recording may make SmolLM2 answer differently). Needs SmolLM2: `make smollm`. Usage: .venv/bin/python scripts/record_notebook06.py [--variants]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "06_evaluate.ipynb"
DATA = ROOT / "notebooks" / "data"
VARIANTS = DATA / "06_variants"
RECORDING = DATA / "06_recording"
IDEA = (
    "Summarise a customer review in one sentence of at most 25 words, saying whether the customer"
    " is happy or unhappy."
)
SEED = 7


def make_variants(tmp: Path) -> None:
    """Generate the request offline (deterministic) and export its rows for the notebook."""
    import alchemy_kit as ak

    with ak.open_store(tmp / "variants.db") as store:
        ak.generate(IDEA, store=store, count=3, seed=SEED, progress=False, embed=False)
        ak.export(
            store,
            VARIANTS,
            tables=["prompt_requests", "request_phases", "prompts"],
            overwrite=True,
        )
    print(f"variants: {VARIANTS.relative_to(ROOT)} (offline model, seed {SEED})")


def hermetic_env(tmp: Path, replay: str) -> dict[str, str]:
    """A temporary home, IPython, llm and Jupyter folders and database; ALCHEMY_REPLAY as given."""
    env = dict(os.environ)
    for var, sub in (
        ("HOME", "home"),
        ("IPYTHONDIR", "ipython"),
        ("LLM_USER_PATH", "llm"),
        ("JUPYTER_RUNTIME_DIR", "runtime"),
    ):
        env[var] = str(tmp / sub)
        (tmp / sub).mkdir(exist_ok=True)
    env["ALCHEMY_DB"] = str(tmp / "alchemy.db")
    env["ALCHEMY_REPLAY"] = replay
    return env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", action="store_true", help="generate the variants again")
    args = parser.parse_args()
    from alchemy_kit.models.smollm_files import is_available, unavailable_reason

    if not is_available():
        print(f"SmolLM2 cannot run: {unavailable_reason()} (run `make smollm` first)")
        return 1
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="alchemy-record06-") as name:
        tmp = Path(name)
        if args.variants or not (VARIANTS / "manifest.json").exists():
            make_variants(tmp)
        cmd = [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute"]
        cmd += ["--ExecutePreprocessor.timeout=3600", f"--output-dir={tmp}", "--output=live"]
        cmd.append(str(NOTEBOOK))
        subprocess.run(cmd, env=hermetic_env(tmp, "0"), check=True)
        import alchemy_kit as ak

        with ak.open_store(tmp / "alchemy.db") as store:
            # A failed call is not recorded, so a replay would stop at it: refuse such a recording.
            failed = [
                o.error for run in store.eval_runs(limit=None) for o in store.outputs_of(run.id)
            ]
            failed = [e for e in failed if e]
            if failed:
                print(f"{len(failed)} call(s) failed, nothing replaced; the first: {failed[0]}")
                return 1
            calls = store.counts()["model_calls"]
            ak.export(store, RECORDING, tables=["model_calls"], overwrite=True)
    size = sum(p.stat().st_size for p in RECORDING.iterdir())
    print(f"recording: {calls} calls, {size / 1024:.0f} KB in {RECORDING.relative_to(ROOT)}")
    subprocess.run([str(ROOT / "scripts" / "run_notebooks.sh"), str(NOTEBOOK)], check=True)
    print(f"done in {time.monotonic() - started:.0f} s; commit notebooks/data/ and the notebook")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
