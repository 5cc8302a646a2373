"""observability/alerts.yaml -> Prometheus rule files, one per profile.

The rendered files are committed (observability/prometheus/rules/<profile>.rules.yml) so Compose can
mount them as they are; tests/observability checks they equal a fresh render.
Regenerate with `make rules` (python -m obslab.observability render).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from obslab.observability import ALERTS_FILE, OBS_DIR

RULES_DIR = OBS_DIR / "prometheus" / "rules"
SEVERITIES = ("critical", "warning")
_DURATION = re.compile(r"^(\d+)(ms|s|m|h|d)$")
_UNIT_S = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


class AlertsFileError(ValueError):
    """alerts.yaml is malformed; the message names the alert and the field to fix."""


def duration_s(text: str) -> float:
    m = _DURATION.match(str(text))
    if not m:
        raise AlertsFileError(f"bad duration {text!r}: use e.g. 10s, 5m")
    return int(m.group(1)) * _UNIT_S[m.group(2)]


@dataclass(frozen=True)
class Alert:
    name: str
    severity: str
    group: str
    summary: str
    runbook: str
    threshold: float
    unit: str
    window: str
    for_: str
    expr: str
    raw: dict[str, Any]

    @property
    def window_s(self) -> float:
        return duration_s(self.window)

    @property
    def for_s(self) -> float:
        return duration_s(self.for_)


def _fmt_threshold(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _subst(text: str, threshold: float, window: str) -> str:
    # Only these two placeholders: Prometheus' own {{ $labels.x }} templates pass through untouched.
    return text.replace("{threshold}", _fmt_threshold(threshold)).replace("{window}", window)


def load_definitions(path: Path = ALERTS_FILE) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise AlertsFileError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or "profiles" not in data or "alerts" not in data:
        raise AlertsFileError(f"{path}: needs top-level `profiles` and `alerts`")
    return data


def profiles(path: Path = ALERTS_FILE) -> dict[str, dict[str, str]]:
    return load_definitions(path)["profiles"]


def load_alerts(profile: str, path: Path = ALERTS_FILE) -> list[Alert]:
    data = load_definitions(path)
    if profile not in data["profiles"]:
        raise AlertsFileError(f"unknown alert profile {profile!r}: use one of {sorted(data['profiles'])}")
    out: list[Alert] = []
    seen: set[str] = set()
    for i, a in enumerate(data["alerts"]):
        name = a.get("name") or f"alerts[{i}]"
        for key in ("name", "severity", "group", "summary", "runbook", "threshold", "unit", "window",
                    "for", "expr"):
            if key not in a:
                raise AlertsFileError(f"{path}: alert {name} lacks `{key}`")
        if a["severity"] not in SEVERITIES:
            raise AlertsFileError(f"{path}: alert {name}: severity must be one of {SEVERITIES}")
        if name in seen:
            raise AlertsFileError(f"{path}: alert {name} defined twice")
        seen.add(name)
        window, for_ = a["window"].get(profile), a["for"].get(profile)
        if window is None or for_ is None:
            raise AlertsFileError(f"{path}: alert {name}: window/for lack profile {profile!r}")
        duration_s(window), duration_s(for_)
        threshold = float(a["threshold"])
        out.append(Alert(
            name=name, severity=a["severity"], group=a["group"], summary=_subst(a["summary"], threshold, window),
            runbook=a["runbook"], threshold=threshold, unit=a["unit"], window=window, for_=for_,
            expr=_subst(a["expr"].strip(), threshold, window), raw=a,
        ))
    return out


def render_rules(profile: str, path: Path = ALERTS_FILE) -> dict[str, Any]:
    """The Prometheus rule file (as data) for one profile: one rule group per alert `group`."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for a in load_alerts(profile, path):
        unit = {"seconds": "s", "percent": "%"}.get(a.unit, "")
        groups.setdefault(a.group, []).append({
            "alert": a.name,
            "expr": a.expr,
            "for": a.for_,
            "labels": {"severity": a.severity, "group": a.group},
            "annotations": {
                "summary": a.summary,
                "description": (f"value {{{{ $value | humanize }}}}{unit}, threshold "
                                f"{_fmt_threshold(a.threshold)}{unit} over {a.window} for {a.for_} "
                                f"(profile {profile})"),
                "runbook_url": a.runbook,
            },
        })
    return {"groups": [{"name": g, "rules": rules} for g, rules in groups.items()]}


def rules_path(profile: str) -> Path:
    return RULES_DIR / f"{profile}.rules.yml"


def rules_text(profile: str, path: Path = ALERTS_FILE) -> str:
    header = (f"# GENERATED from observability/alerts.yaml (profile {profile}) by `make rules`.\n"
              "# Do not edit: change alerts.yaml and re-render; tests check this file is fresh.\n")
    return header + yaml.safe_dump(render_rules(profile, path), sort_keys=False, width=120)


def write_rules() -> list[Path]:
    RULES_DIR.mkdir(parents=True, exist_ok=True)
    written = []
    for profile in profiles():
        p = rules_path(profile)
        p.write_text(rules_text(profile))
        written.append(p)
    return written
