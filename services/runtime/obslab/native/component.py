"""What the native runtime knows about one component: how to start it and how to tell it is healthy."""

from __future__ import annotations

import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Component:
    name: str
    command: list[str]
    env: dict[str, str] = field(default_factory=dict)
    # Ports it listens on, by settings env name (e.g. {"PROMETHEUS_PORT": 9090}); checked free before start
    # and checked closed after stop.
    ports: dict[str, int] = field(default_factory=dict)
    # Health: an HTTP URL answering 2xx when ready, or "tcp://host:port".
    health: str | None = None
    # Where a human looks (printed once the lab is healthy).
    url: str | None = None
    # Repository config files it reads (relative to the repo root); compose mounts the same ones.
    config_files: list[str] = field(default_factory=list)
    depends_on: list[str] = field(default_factory=list)
    # Run as this unprivileged user when we are root (Postgres refuses root).
    run_as: str | None = None
    cwd: Path | None = None
    # Idempotent setup before start (init a data dir, render a config) and after health (create buckets).
    prepare: Callable[[], None] | None = None
    post_start: Callable[[], None] | None = None
    # Run while it is still healthy, before `down` stops it (e.g. save state it would lose).
    pre_stop: Callable[[], None] | None = None
    ready_timeout_s: float = 60.0
    # Seconds to wait after SIGTERM before SIGKILL (LocalStack sometimes ignores SIGTERM).
    stop_timeout_s: float = 10.0
    # Postgres wants SIGINT (fast shutdown); SIGTERM would wait for every client to disconnect.
    stop_signal: int = signal.SIGTERM
