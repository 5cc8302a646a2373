"""Load scenarios as data: what locust sends, which fault is switched on, which alert must arrive.

Used by locustfile.py (traffic shape) and run.py (fault switch, alert/email wait).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    # Body for POST /admin/faults while the fault is on (None: no fault switch).
    fault: dict | None = None
    # Alert that must fire (and resolve) in Alertmanager; None: none is expected.
    alert: str | None = None
    # Feature transform the locust users apply to the digit rows they send.
    shift: float = 0.0
    scale: float = 1.0
    users: int = 8
    # Seconds between one user's requests (FastHttpUser, constant pacing): ~users/pace req/s.
    pace_s: float = 0.1
    extra: dict = field(default_factory=dict)


SCENARIOS: dict[str, Scenario] = {s.name: s for s in [
    Scenario("baseline", "steady traffic with real digit rows; no fault, no alert expected"),
    Scenario("latency", "1.5 s extra latency on every /predict: p95 > 1 s -> HighLatency",
             fault={"latency_ms": 1500}, alert="HighLatency"),
    Scenario("errors", "half of /predict answers HTTP 500: > 10 5xx per window -> HighErrorRate",
             fault={"error_rate": 0.5}, alert="HighErrorRate"),
    Scenario("drift", "rows shifted and rescaled (mean +0.35, x0.6) so production embeddings drift; "
             "the drift job then reports DataDriftDetected", shift=0.35, scale=0.6, alert="DataDriftDetected"),
]}


def get(name: str) -> Scenario:
    if name not in SCENARIOS:
        raise KeyError(f"unknown scenario {name!r}: use one of {', '.join(SCENARIOS)}")
    return SCENARIOS[name]
