"""JSON log lines carrying the current trace and span ids."""

from __future__ import annotations

import json
import logging
import time

from opentelemetry import trace

_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        ctx = trace.get_current_span().get_span_context()
        if ctx.is_valid:
            out["trace_id"] = format(ctx.trace_id, "032x")
            out["span_id"] = format(ctx.span_id, "016x")
            out["trace_sampled"] = ctx.trace_flags.sampled
        for k, v in record.__dict__.items():
            if k not in _RESERVED and not k.startswith("_"):
                out[k] = v if isinstance(v, (str, int, float, bool, type(None))) else str(v)
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


def setup_logging(level: str = "INFO") -> None:
    """Root + uvicorn loggers write JSON to stderr (idempotent)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    handler._obslab = True  # type: ignore[attr-defined]
    root = logging.getLogger()
    if not any(getattr(h, "_obslab", False) for h in root.handlers):
        root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        lg = logging.getLogger(name)
        if name == "uvicorn.access" and not lg.handlers and not lg.propagate:
            # `--no-access-log`: uvicorn decides per connection with hasHandlers(), which follows
            # propagation; re-enabling propagation would switch the access log back on.
            continue
        lg.handlers = []
        lg.propagate = True
