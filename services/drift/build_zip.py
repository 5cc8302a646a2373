"""Build the drift Lambda zip: numpy + scipy wheels for python3.13 manylinux x86_64, plus `drift`.

numpy >= 2.3 ships only manylinux_2_28 wheels (glibc 2.28); the python3.13 Lambda runtime is Amazon
Linux 2023 (glibc 2.34), so both manylinux2014 and manylinux_2_28 tags are accepted.

boto3 is not packaged (the Lambda runtime provides it). Test folders of numpy/scipy are dropped.
Usage: python services/drift/build_zip.py [--out build/drift-lambda.zip]
Prints the zipped and unzipped sizes; fails if unzipped >= 250 MB (Lambda's limit).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
# Same versions as the project venv (pyproject.toml), so tests and Lambda run the same numerics.
REQUIREMENTS = ["numpy==2.4.6", "scipy==1.17.1"]
LIMIT = 250 * 1024 * 1024
EPOCH = (2020, 1, 1, 0, 0, 0)


def vendor(dest: Path) -> None:
    key = hashlib.sha256(" ".join(REQUIREMENTS).encode()).hexdigest()[:12]
    stamp = dest / ".stamp"
    if stamp.exists() and stamp.read_text() == key:
        return
    shutil.rmtree(dest, ignore_errors=True)
    env = {**os.environ, "PIP_CONSTRAINT": ""}
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check",
                    "--target", str(dest), "--platform", "manylinux2014_x86_64", "--platform", "manylinux_2_28_x86_64",
                    "--implementation", "cp", "--python-version", "3.13", "--only-binary=:all:",
                    "--no-compile", *REQUIREMENTS], check=True, env=env)
    stamp.write_text(key)


def keep(rel: Path) -> bool:
    parts = rel.parts
    if "__pycache__" in parts or rel.suffix == ".pyc":
        return False
    if parts[0] in ("numpy", "scipy") and "tests" in parts:
        return False
    return parts[0] != "bin" and rel.name != ".stamp"


def build(out: Path) -> tuple[int, int]:
    vendor_dir = ROOT / "build" / "drift-vendor"
    vendor(vendor_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    unzipped = 0
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        sources = [(p, p.relative_to(vendor_dir)) for p in vendor_dir.rglob("*") if p.is_file()]
        sources += [(p, Path("drift") / p.relative_to(HERE / "drift")) for p in (HERE / "drift").rglob("*.py")]
        for path, rel in sorted(sources, key=lambda s: str(s[1])):
            if not keep(rel):
                continue
            info = zipfile.ZipInfo(str(rel), EPOCH)
            info.external_attr = (0o755 if os.access(path, os.X_OK) else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            data = path.read_bytes()
            unzipped += len(data)
            zf.writestr(info, data)
    tmp.replace(out)
    return out.stat().st_size, unzipped


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "drift-lambda.zip")
    args = ap.parse_args()
    zipped, unzipped = build(args.out)
    print(f"{args.out}: {zipped / 2**20:.1f} MB zipped, {unzipped / 2**20:.1f} MB unzipped "
          f"(Lambda limit 250 MB), handler drift.handler.lambda_handler, runtime python3.13 x86_64")
    if unzipped >= LIMIT:
        sys.exit(f"unzipped size {unzipped} bytes is over Lambda's 250 MB limit")


if __name__ == "__main__":
    main()
