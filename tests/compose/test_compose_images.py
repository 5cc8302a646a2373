"""The Dockerfiles: lint-clean, pinned, non-root, cache-friendly, health-checked; and the images contain
every third-party package the code they run imports (checked statically against the pinned venv)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from importlib import metadata

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from obslab.settings import REPO_ROOT

HADOLINT = REPO_ROOT / ".tools" / "bin" / "hadolint"
DOCKERFILES = {name: REPO_ROOT / "services" / name / "Dockerfile" for name in ("serving", "training", "mlflow")}
# Packages whose code runs inside the project image (serving and training); obslab.settings is shared.
IMAGE_PACKAGES = {"serving": ["serving", "obslab"], "training": ["training", "obslab"]}
# obslab modules that only the host CLI uses (never imported by serving or training).
HOST_ONLY = ("obslab/native", "obslab/observability", "obslab/cli.py", "obslab/compose_runtime.py")


def _instructions(path):
    """Dockerfile instructions as (KEYWORD, argument text), continuation lines joined."""
    out, buf = [], ""
    for line in path.read_text().splitlines():
        if line.lstrip().startswith("#") and not buf:
            continue
        buf += line.rstrip("\\").strip() + " "
        if not line.rstrip().endswith("\\"):
            if buf.strip():
                kw, _, arg = buf.strip().partition(" ")
                out.append((kw.upper(), arg.strip()))
            buf = ""
    return out


def _pins(path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[canonicalize_name(name.split("[")[0])] = version.strip()
    return pins


def test_hadolint_finds_nothing():
    assert HADOLINT.exists(), "hadolint missing: run `make install` (scripts/install.d/compose.sh)"
    proc = subprocess.run([str(HADOLINT), "--no-color", *map(str, DOCKERFILES.values())],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_hadolint_really_lints(tmp_path):
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN pip install requests\n")
    proc = subprocess.run([str(HADOLINT), "--no-color", str(bad)], capture_output=True, text=True)
    assert proc.returncode != 0 and "DL3007" in proc.stdout, proc.stdout


@pytest.mark.parametrize("name", sorted(DOCKERFILES))
def test_dockerfile_is_pinned_non_root_and_health_checked(name):
    ins = _instructions(DOCKERFILES[name])
    froms = [arg for kw, arg in ins if kw == "FROM"]
    assert froms and all(re.fullmatch(r"python:3\.11\.\d+-slim-bookworm", f) for f in froms), froms
    users = [arg for kw, arg in ins if kw == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0"), users
    assert re.fullmatch(r"\d+(:\d+)?", users[-1]), "numeric USER, so runAsNonRoot checks can verify it"
    health = [arg for kw, arg in ins if kw == "HEALTHCHECK"]
    assert health, "no HEALTHCHECK"
    if name == "training":
        assert health == ["NONE"], "a one-shot job has nothing to health-check"
    else:
        assert "CMD" in health[0]


@pytest.mark.parametrize("name", ["serving", "training"])
def test_dependencies_are_installed_before_the_source_is_copied(name):
    ins = _instructions(DOCKERFILES[name])
    kinds = [(kw, arg) for kw, arg in ins if kw in ("COPY", "RUN")]
    dep_copy = next(i for i, (kw, arg) in enumerate(kinds) if kw == "COPY" and "requirements.lock" in arg)
    dep_install = next(i for i, (kw, arg) in enumerate(kinds) if kw == "RUN" and "-c requirements.lock" in arg)
    src_copy = next(i for i, (kw, arg) in enumerate(kinds) if kw == "COPY" and arg.startswith("services/"))
    assert dep_copy < dep_install < src_copy


def test_mlflow_image_pins_equal_the_projects():
    mlflow_pins = _pins(REPO_ROOT / "services/mlflow/requirements.txt")
    project = {canonicalize_name(Requirement(d).name): str(Requirement(d).specifier).lstrip("=")
               for d in tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["dependencies"]}
    lock = _pins(REPO_ROOT / "requirements.lock")
    assert {"mlflow", "psycopg2-binary", "boto3"} <= set(mlflow_pins)
    for name, version in mlflow_pins.items():
        expected = project.get(name) or lock.get(name)
        assert expected, f"{name} is pinned for the MLflow image but not in pyproject.toml/requirements.lock"
        assert version == expected, f"{name}: image {version} vs project {expected}"


def _image_requirements(dockerfile) -> list[Requirement]:
    """What the serving/training Dockerfile installs: pyproject's dependencies minus its DEV_ONLY list."""
    text = dockerfile.read_text()
    dev = set(re.search(r'ARG DEV_ONLY="([^"]*)"', text).group(1).split())
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    deps = [Requirement(d) for d in project["dependencies"]]
    names = {canonicalize_name(r.name) for r in deps}
    assert dev <= names, f"DEV_ONLY names packages pyproject.toml does not have: {sorted(dev - names)}"
    return [r for r in deps if canonicalize_name(r.name) not in dev]


def _closure(reqs: list[Requirement]) -> set[str]:
    """Distributions those requirements pull in, as resolved in the project venv (pinned by the lock)."""
    seen: set[str] = set()
    todo = [(r, frozenset(r.extras)) for r in reqs]
    while todo:
        req, extras = todo.pop()
        name = canonicalize_name(req.name)
        key = f"{name}[{','.join(sorted(extras))}]"
        if key in seen:
            continue
        seen.add(key)
        seen.add(name)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        for raw in dist.requires or []:
            sub = Requirement(raw)
            if sub.marker is None or any(sub.marker.evaluate({"extra": e}) for e in (extras or {""})):
                todo.append((sub, frozenset(sub.extras)))
    return {s for s in seen if "[" not in s}


def _third_party_imports(packages: list[str]) -> dict[str, set[str]]:
    own = {"obslab", "serving", "training", "drift"}
    found: dict[str, set[str]] = {}
    for pkg in packages:
        root = REPO_ROOT / "services" / ("runtime" if pkg == "obslab" else pkg) / pkg
        for path in root.rglob("*.py"):
            rel = str(path.relative_to(root.parent))
            if pkg == "obslab" and rel.startswith(HOST_ONLY):
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                mods = []
                if isinstance(node, ast.Import):
                    mods = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    mods = [node.module]
                for m in mods:
                    top = m.split(".")[0]
                    if top not in own and top not in sys.stdlib_module_names:
                        found.setdefault(top, set()).add(rel)
    return found


@pytest.mark.parametrize("image", sorted(IMAGE_PACKAGES))
def test_image_contains_every_package_its_code_imports(image):
    installed = _closure(_image_requirements(DOCKERFILES[image]))
    providers = metadata.packages_distributions()
    missing = {}
    for module, where in _third_party_imports(IMAGE_PACKAGES[image]).items():
        dists = {canonicalize_name(d) for d in providers.get(module, [])}
        if not dists & installed:
            missing[module] = sorted(where)
    assert not missing, f"the {image} image lacks what these imports need: {missing}"


@pytest.mark.parametrize("name", ["serving", "training"])
def test_image_pythonpath_covers_every_package_folder(name):
    """The images run the packages from services/*/ via PYTHONPATH: the folders pyproject.toml maps."""
    env = " ".join(arg for kw, arg in _instructions(DOCKERFILES[name]) if kw == "ENV")
    paths = re.search(r"PYTHONPATH=(\S+)", env).group(1).split(":")
    mapping = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]
    for package, folder in mapping.items():
        parent = "/app/" + folder.rsplit("/", 1)[0]
        assert folder.endswith("/" + package) and parent in paths, f"{package} ({folder}) not on {paths}"
