"""Fault injection for rehearsals (`/admin/faults`): added latency and real HTTP 500s on /predict."""

from __future__ import annotations

import random
import threading
import time

from pydantic import BaseModel, Field


class FaultSpec(BaseModel):
    """What to inject into every /predict request until cleared or `duration_s` has passed."""

    model_config = {"extra": "forbid"}

    latency_ms: int = Field(default=0, ge=0, le=600_000, description="extra latency per request")
    error_rate: float = Field(default=0.0, ge=0.0, le=1.0, description="fraction answered with HTTP 500")
    duration_s: float | None = Field(default=None, gt=0, le=86_400,
                                     description="clear by itself after this many seconds")


class FaultStatus(BaseModel):
    active: bool
    latency_ms: int = 0
    error_rate: float = 0.0
    duration_s: float | None = None
    remaining_s: float | None = None
    injected_errors: int = 0


class FaultState:
    def __init__(self, on_change=None):
        self._spec: FaultSpec | None = None
        self._until: float | None = None
        self._lock = threading.Lock()
        self.injected_errors = 0
        self._on_change = on_change

    def set(self, spec: FaultSpec) -> None:
        with self._lock:
            self._spec = spec
            self._until = time.monotonic() + spec.duration_s if spec.duration_s else None
            self.injected_errors = 0
        if self._on_change:
            self._on_change(True)

    def clear(self) -> None:
        with self._lock:
            self._spec, self._until = None, None
        if self._on_change:
            self._on_change(False)

    def current(self) -> FaultSpec | None:
        spec = self._spec
        if spec is None:
            return None
        if self._until is not None and time.monotonic() >= self._until:
            self.clear()
            return None
        return spec

    def should_fail(self, spec: FaultSpec) -> bool:
        if spec.error_rate > 0 and random.random() < spec.error_rate:
            self.injected_errors += 1
            return True
        return False

    def status(self) -> FaultStatus:
        spec = self.current()
        if spec is None:
            return FaultStatus(active=False, injected_errors=self.injected_errors)
        remaining = round(self._until - time.monotonic(), 3) if self._until is not None else None
        return FaultStatus(active=True, latency_ms=spec.latency_ms, error_rate=spec.error_rate,
                           duration_s=spec.duration_s, remaining_s=remaining,
                           injected_errors=self.injected_errors)
