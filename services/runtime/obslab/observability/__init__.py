"""Observability wiring: alert rules, Prometheus/Alertmanager configs, native components, OTLP receiver.

Everything here is rendered from the committed files under observability/ (alerts.yaml is the single
source of every threshold); nothing in this package holds a threshold or a port of its own.
"""

from __future__ import annotations

from obslab.settings import REPO_ROOT

OBS_DIR = REPO_ROOT / "observability"
ALERTS_FILE = OBS_DIR / "alerts.yaml"
