"""The first hour's slow paths (issue 17.5), each beside its reference, whole processes.

- `config set phases.solutio '{"provider": "anthropic"}'` against `config set user.note x` (the
  reference: any other key); it was 17-22x slower when validating loaded every llm plugin;
- `generate` with a phase set to a provider that has no key, and `generate --provider ollama`
  with no server, against `alchemy db path` (the CLI's floor): both used to take 6-15 s (plugins
  loaded, then four attempts for the refused connection) and now fail before any plugin loads;
- `llm --version` with no plugin, with only ours, and with every installed plugin: ours must add
  nothing (llm-anthropic's module imports its SDK; that cost is the plugin's, not ours).

Wall and CPU (user+sys, children included) per command, median of --runs; the load average is
printed beside them because this machine is shared. Usage: python benchmarks/fast_failures.py
"""

from __future__ import annotations

import argparse
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def _run(cmd: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.returncode


def measure(cmd: list[str], env: dict[str, str], runs: int) -> tuple[float, float, int]:
    """Median wall and CPU seconds over `runs`, and the last exit code."""
    results = [_run(cmd, env) for _ in range(runs)]
    return (
        statistics.median(r[0] for r in results),
        statistics.median(r[1] for r in results),
        results[-1][2],
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    alchemy, llm = str(BIN / "alchemy"), str(BIN / "llm")
    with tempfile.TemporaryDirectory(prefix="alchemy-bench-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_KEY"))}
        env.update(
            ALCHEMY_DB=str(Path(tmp) / "bench.db"),
            LLM_USER_PATH=str(Path(tmp) / "llm"),
            HOME=str(Path(tmp) / "home"),
        )
        with socket.socket() as probe:  # a port nothing listens on: Ollama is "down"
            probe.bind(("127.0.0.1", 0))
            env["OLLAMA_HOST"] = f"127.0.0.1:{probe.getsockname()[1]}"
        subprocess.run([alchemy, "db", "init"], env=env, capture_output=True, check=True)
        rows = [
            ("alchemy db path (floor)", [alchemy, "db", "path"], env),
            (
                "config set user.note x (reference)",
                [alchemy, "config", "set", "user.note", "x"],
                env,
            ),
            (
                "config set phases.solutio {provider: anthropic}",
                [alchemy, "config", "set", "phases.solutio", '{"provider": "anthropic"}'],
                env,
            ),
            (
                "generate, phase provider has no key",
                [alchemy, "generate", "a haiku", "-n", "1"],
                env,
            ),
        ]
        table = [(name, *measure(cmd, e, args.runs)) for name, cmd, e in rows]
        subprocess.run(
            [alchemy, "config", "delete", "phases.solutio"],
            env=env,
            check=True,
            capture_output=True,
        )
        ollama = [alchemy, "generate", "a haiku", "-n", "1", "--provider", "ollama"]
        table.append(("generate --provider ollama, no server", *measure(ollama, env, args.runs)))
        for label, plugins in (("none", ""), ("only alchemy-kit", "alchemy-kit"), ("all", None)):
            llm_env = dict(env)
            if plugins is None:
                llm_env.pop("LLM_LOAD_PLUGINS", None)
            else:
                llm_env["LLM_LOAD_PLUGINS"] = plugins
            table.append(
                (
                    f"llm --version, plugins: {label}",
                    *measure([llm, "--version"], llm_env, args.runs),
                )
            )
    width = max(len(r[0]) for r in table)
    print(f"{'command':<{width}}  {'wall s':>7}  {'cpu s':>6}  exit")
    for name, wall, cpu, code in table:
        print(f"{name:<{width}}  {wall:7.2f}  {cpu:6.2f}  {code:>4}")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
