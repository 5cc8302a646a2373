"""`obslab drift check`: one JSON object on good input, exit 2 with a clear message on bad input."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from drift.cli import app

REQUIRED = ("drift_detected", "ks_pvalue_min", "ks_drifted_fraction", "centroid_cosine_similarity",
            "mean_shift", "std_ratio", "n_reference", "n_current")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("npy")
    rng = np.random.default_rng(0)
    arrays = {
        "ref": rng.standard_normal((500, 8)).astype(np.float32) + 0.5,
        "same": rng.standard_normal((200, 8)).astype(np.float32) + 0.5,
        "shifted": rng.standard_normal((200, 8)).astype(np.float32) + 1.5,
        "three_d": np.zeros((10, 4, 2)),
        "one_d": np.zeros(100),
        "wrong_dim": np.zeros((100, 5)),
        "nan": np.vstack([np.zeros((99, 8)), np.full((1, 8), np.nan)]),
        "few": np.zeros((3, 8)),
    }
    for name, a in arrays.items():
        np.save(d / f"{name}.npy", a)
    (d / "garbage.npy").write_bytes(b"not a numpy file")
    return d


def run(*args):
    return CliRunner().invoke(app, ["check", *args])


def test_no_drift_and_drift(files):
    r = run("--reference", str(files / "ref.npy"), "--current", str(files / "same.npy"))
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert all(k in out for k in REQUIRED)
    assert out["drift_detected"] is False and out["n_reference"] == 500 and out["n_current"] == 200
    r = run("--reference", str(files / "ref.npy"), "--current", str(files / "shifted.npy"), "--alpha", "0.01")
    out = json.loads(r.stdout)
    assert r.exit_code == 0 and out["drift_detected"] is True and out["threshold"] == 0.01


@pytest.mark.parametrize("current,msg", [
    ("missing.npy", "file not found"),
    ("garbage.npy", "not a readable .npy"),
    ("three_d.npy", "expected a 2-D array"),
    ("one_d.npy", "expected a 2-D array"),
    ("wrong_dim.npy", "dimension mismatch"),
    ("nan.npy", "NaN"),
    ("few.npy", "fewer than the minimum"),
])
def test_bad_current(files, current, msg):
    r = run("--reference", str(files / "ref.npy"), "--current", str(files / current))
    assert r.exit_code == 2
    assert msg in r.stderr and "Traceback" not in r.output + r.stderr


def test_bad_reference_and_alpha(files):
    r = run("--reference", str(files / "few.npy"), "--current", str(files / "same.npy"))
    assert r.exit_code == 2 and "reference: 3 rows" in r.stderr
    r = run("--reference", str(files / "ref.npy"), "--current", str(files / "same.npy"), "--alpha", "2")
    assert r.exit_code == 2 and "alpha must be in (0, 1)" in r.stderr
    r = run("--reference", str(files / "ref.npy"), "--current", str(files / "same.npy"), "--correction", "x")
    assert r.exit_code == 2 and "correction must be one of" in r.stderr


def test_mounted_in_obslab_cli(files):
    """The real `obslab drift check` entry point prints exactly one JSON line."""
    obslab = Path(sys.executable).parent / "obslab"
    p = subprocess.run([str(obslab), "drift", "check", "--reference", str(files / "ref.npy"),
                        "--current", str(files / "shifted.npy")], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.strip().splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["drift_detected"] is True
    p = subprocess.run([str(obslab), "drift", "check", "--reference", str(files / "ref.npy"),
                        "--current", str(files / "nan.npy")], capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and "error: current: 1 rows contain NaN" in p.stderr and p.stdout == ""
