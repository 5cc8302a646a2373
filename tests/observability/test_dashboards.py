"""Grafana dashboards and provisioning. No Grafana server runs here, so: (a) every dashboard JSON
type-checks against Grafana's own types (@grafana/schema, tsc --strict), (b) every panel's PromQL
returns data from the live lab's Prometheus after a short load, (c) provisioning references existing
dashboards and datasource uids, and matches the folders compose.yaml mounts."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from datetime import UTC, datetime

import httpx
import pytest
import yaml

from obslab.observability import dashboards as dash
from obslab.settings import REPO_ROOT

GRAFANA = REPO_ROOT / "observability" / "grafana"
TOOLS = REPO_ROOT / ".tools" / "observability"
TSC = TOOLS / "node_modules" / ".bin" / "tsc"


def _committed() -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in sorted(dash.DASHBOARDS_DIR.glob("*.json"))}


def _datasources() -> list[dict]:
    return yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "datasources.yml").read_text())["datasources"]


def test_committed_dashboards_match_a_fresh_render():
    rendered = dash.render()
    assert sorted(rendered) == sorted(p.name for p in dash.DASHBOARDS_DIR.glob("*.json"))
    for name, text in rendered.items():
        assert (dash.DASHBOARDS_DIR / name).read_text() == text, f"{name} is stale: run `make dashboards`"


def test_dashboards_type_check_against_grafana_schema():
    assert TSC.exists(), "dashboard type-checker missing: run `make install` (scripts/install.d/observability.sh)"
    work = TOOLS / "check"  # inside .tools/observability so node resolution finds @grafana/schema
    work.mkdir(exist_ok=True)
    src = work / "dashboards.ts"
    src.write_text(dash.typescript_source(_committed()))
    r = subprocess.run([str(TSC), "--noEmit", "--strict", "--target", "es2022", "--module", "esnext",
                        "--moduleResolution", "node", src.name], cwd=work, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]


def test_every_dashboard_has_the_expected_panels():
    boards = _committed()
    assert set(boards) == {"serving", "model", "drift", "training", "infra"}
    uids = [b["uid"] for b in boards.values()]
    assert len(set(uids)) == len(uids)
    for name, b in boards.items():
        ids = [p["id"] for p in b["panels"]]
        assert len(set(ids)) == len(ids), name
        for p in b["panels"]:
            if p["type"] != "row":
                assert p["targets"], f"{name}/{p['title']} has no query"
    serving_lat = [p for p in boards["serving"]["panels"] if p["title"].startswith("Latency by handler")][0]
    assert all(t.get("exemplar") for t in serving_lat["targets"])
    exprs = " ".join(t["expr"] for t in serving_lat["targets"])
    assert all(f"histogram_quantile({q}" in exprs for q in ("0.5", "0.95", "0.99")) and "by (le, handler)" in exprs


def test_provisioning_references_existing_datasources_and_dashboards():
    ds = _datasources()
    uids = {d["uid"] for d in ds}
    assert {d["type"] for d in ds} == {"prometheus", "jaeger", "alertmanager"}
    assert len(uids) == len(ds)
    prom = next(d for d in ds if d["type"] == "prometheus")
    dest = prom["jsonData"]["exemplarTraceIdDestinations"]
    assert dest[0]["datasourceUid"] in uids and dest[0]["name"] == "trace_id"
    for name, b in _committed().items():
        for p in b["panels"]:
            for ref in [p.get("datasource"), *[t.get("datasource") for t in p.get("targets", [])]]:
                if ref:
                    assert ref["uid"] in uids, f"{name}/{p['title']}: unknown datasource uid {ref['uid']}"

    providers = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "dashboards.yml").read_text())["providers"]
    compose = yaml.safe_load((REPO_ROOT / "compose.yaml").read_text())
    mounts = dict(v.rsplit(":", 2)[:2] if v.count(":") > 1 else v.split(":", 1)
                  for v in compose["services"]["grafana"]["volumes"] if v.startswith("./"))
    assert mounts["./observability/grafana/dashboards"] == providers[0]["options"]["path"]
    assert mounts["./observability/grafana/provisioning"] == "/etc/grafana/provisioning"
    # Datasource URLs use compose service names that exist.
    for d in ds:
        host = d["url"].split("//", 1)[1].split(":", 1)[0]
        assert host in compose["services"], f"datasource {d['name']}: no compose service {host}"


def _query(prom_url: str, expr: str) -> list:
    q = expr.replace("$__rate_interval", "1m")
    r = httpx.get(f"{prom_url}/api/v1/query", params={"query": q}, timeout=10)
    body = r.json()
    assert body["status"] == "success", f"{q}: {body}"
    return body["data"]["result"]


@pytest.mark.integration
def test_every_panel_query_returns_data_after_a_short_load(lab, obslab_cli, lab_env):
    s = lab
    headers = {"authorization": f"Bearer {s.api_key}"} if s.api_key else {}
    rows = [[(i * 7 + j) % 17 / 16 for j in range(64)] for i in range(40)]
    with httpx.Client(base_url=s.serving_url, timeout=10) as c:
        for i in range(200):  # a short load: single rows and batches
            r = c.post("/predict", json={"instances": rows[i % 40:i % 40 + 1 + (i % 4)]}, headers=headers)
            assert r.status_code == 200, r.text
        c.get("/health")
    # The drift job publishes the drift dashboard's metrics (today's embeddings, just written).
    time.sleep(2)
    d = subprocess.run([obslab_cli, "drift", "run", "--date", datetime.now(UTC).strftime("%Y-%m-%d")],
                       env=lab_env, capture_output=True, text=True, timeout=180)
    assert d.returncode == 0, d.stdout[-2000:] + d.stderr[-2000:]
    time.sleep(5)  # a few 1 s scrapes

    # Latency exemplars reach Prometheus (OpenMetrics scrape + exemplar storage): what Grafana links to Jaeger.
    now = time.time()
    ex = httpx.get(f"{s.prometheus_url}/api/v1/query_exemplars", timeout=10, params={
        "query": 'http_request_duration_seconds_bucket{job="serving", handler="/predict"}',
        "start": now - 300, "end": now}).json()["data"]
    trace_ids = [e["labels"].get("trace_id", "") for series in ex for e in series["exemplars"]]
    assert trace_ids and all(len(t) == 32 for t in trace_ids), ex

    empty = []
    for name, board in _committed().items():
        for title, expr in dash.queries(board):
            if not _query(s.prometheus_url, expr):
                empty.append(f"{name}/{title}: {expr}")
    assert not empty, "panels without data:\n" + "\n".join(empty)


def test_tsc_is_installed_by_install_d():
    script = (REPO_ROOT / "scripts" / "install.d" / "observability.sh").read_text()
    assert "observability/grafana/typecheck/package.json" in script
    assert shutil.which("npm"), "npm is needed to install the dashboard type-checker"
