from obslab.settings import DEFAULT_PORTS, LabSettings


def test_offset_shifts_every_default_port():
    s = LabSettings(obslab_port_offset=1000, _env_file=None)
    for env_name, default in DEFAULT_PORTS.items():
        assert s.port(env_name) == default + 1000


def test_an_explicit_port_wins_over_the_offset(monkeypatch):
    monkeypatch.setenv("SERVING_PORT", "18123")
    s = LabSettings(obslab_port_offset=1000, _env_file=None)
    assert s.serving_url == "http://127.0.0.1:18123"
    assert s.port("MLFLOW_PORT") == 6000


def test_mlflow_backend_uses_psycopg2_driver():
    # SQLAlchemy 2.1 reads plain postgresql:// as psycopg 3, which is not installed.
    assert LabSettings(_env_file=None).postgres_dsn.startswith("postgresql+psycopg2://")


def test_every_python_package_is_declared_for_installation():
    """A subpackage missing from pyproject's list works in the editable venv but not in an image."""
    import tomllib

    from obslab.settings import REPO_ROOT

    cfg = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    declared = set(cfg["packages"])
    roots = {name: REPO_ROOT / path for name, path in cfg["package-dir"].items()}
    found = set()
    for top, root in roots.items():
        for init in root.rglob("__init__.py"):
            rel = init.parent.relative_to(root).parts
            found.add(".".join((top, *rel)))
    assert found == declared, f"pyproject packages out of date: missing {found - declared}, extra {declared - found}"
