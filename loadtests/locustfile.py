"""Locust load for obslab serving (FastHttpUser). Pick a scenario with --scenario (or LOCUST_SCENARIO):
baseline | latency | errors | drift (see scenarios.py). The fault itself is switched by run.py (or by
hand via POST /admin/faults); this file only shapes the traffic.

Each request carries a W3C `traceparent` (sampled), so serving's spans join a trace that starts here.
With OTEL_EXPORTER_OTLP_ENDPOINT set, locust also exports its own client span (service "locust") as
the trace's root; without it the traceparent ids are random but still honoured by serving.

  make load SCENARIO=errors        headless, bounded, waits for the alert and its emails
  make load-ui                     web UI on 127.0.0.1
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import numpy as np
from locust import constant_pacing, events, task
from locust.contrib.fasthttp import FastHttpUser

sys.path.insert(0, str(Path(__file__).resolve().parent))
import scenarios  # noqa: E402  (sibling module; locust loads this file by path)

_rows: np.ndarray | None = None
_tracer = None


@events.init_command_line_parser.add_listener
def _args(parser) -> None:
    parser.add_argument("--scenario", default=os.environ.get("LOCUST_SCENARIO", "baseline"),
                        choices=list(scenarios.SCENARIOS), help="traffic shape (scenarios.py)")


@events.init.add_listener
def _init(environment, **_kw) -> None:
    global _rows, _tracer
    sc = scenarios.get(environment.parsed_options.scenario)
    from sklearn.datasets import load_digits

    x = load_digits().data.astype(np.float32) / 16.0  # the model's training distribution: [0, 1]
    _rows = np.clip(x * sc.scale + sc.shift, 0.0, 1.0)
    PredictUser.wait_time = constant_pacing(sc.pace_s)
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") and os.environ.get("OTEL_SDK_DISABLED") != "true":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        provider = TracerProvider(resource=Resource.create({"service.name": "locust"}))
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        _tracer = provider.get_tracer("obslab.loadtests")
        events.quitting.add_listener(lambda **_: provider.shutdown())


def _headers() -> dict[str, str]:
    h = {"content-type": "application/json"}
    if os.environ.get("API_KEY"):
        h["authorization"] = f"Bearer {os.environ['API_KEY']}"
    return h


class PredictUser(FastHttpUser):
    wait_time = constant_pacing(0.1)

    def _traced_post(self, batch: np.ndarray) -> None:
        body = {"instances": batch.round(4).tolist()}
        headers = _headers()
        if _tracer is None:
            headers["traceparent"] = f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"
            self.client.post("/predict", json=body, headers=headers, name="/predict")
            return
        from opentelemetry import propagate, trace

        with _tracer.start_as_current_span("POST /predict", kind=trace.SpanKind.CLIENT) as span:
            propagate.inject(headers)
            with self.client.post("/predict", json=body, headers=headers, name="/predict",
                                  catch_response=True) as resp:
                span.set_attribute("http.response.status_code", resp.status_code)
                if resp.status_code >= 500:
                    span.set_status(trace.Status(trace.StatusCode.ERROR))

    @task(20)
    def predict_one(self) -> None:
        i = np.random.randint(len(_rows))
        self._traced_post(_rows[i:i + 1])

    @task(2)
    def predict_batch(self) -> None:
        idx = np.random.randint(len(_rows), size=8)
        self._traced_post(_rows[idx])

    @task(1)
    def health(self) -> None:
        self.client.get("/health", name="/health")
