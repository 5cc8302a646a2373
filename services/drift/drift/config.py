"""Drift settings: one dataclass, read from the environment (`DRIFT_*`, `DATA_BUCKET`, ...).

Kept free of pydantic so the Lambda zip only needs numpy and scipy. Every threshold is named once
here; the Lambda's environment (Terraform) and the CLI override them by env var or flag.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, fields

CORRECTIONS = ("bonferroni", "bh")


@dataclass(frozen=True)
class Thresholds:
    """The decision rule (see detector.py): drift = KS rejects at `alpha` after `correction`
    AND at least one effect size is material."""

    alpha: float = 0.05
    # Bonferroni by default: "is there drift at all?" is a test of the global null, whose error is
    # the family-wise one; Bonferroni bounds it by alpha whatever the dependence between embedding
    # dimensions (they are strongly correlated). BH (Simes under the global null) needs positive
    # dependence for that guarantee, and buys power only when many dimensions drift a little.
    correction: str = "bonferroni"
    # Materiality (effect sizes). With very large samples KS flags immaterial shifts; these filter.
    ks_statistic: float = 0.05  # largest per-dimension CDF gap (KS D) at or above this is material
    mean_shift: float = 0.1  # centroid distance / reference spread
    cosine_similarity: float = 0.99  # centroid cosine similarity at or below this is material
    std_ratio: float = 1.1  # geometric-mean std ratio outside [1/x, x] is material
    min_rows: int = 30  # fewer rows in either sample is an input error

    def __post_init__(self) -> None:
        if not 0 < self.alpha < 1:
            raise ValueError(f"alpha must be in (0, 1), got {self.alpha}")
        if self.correction not in CORRECTIONS:
            raise ValueError(f"correction must be one of {CORRECTIONS}, got {self.correction!r}")
        if self.std_ratio < 1:
            raise ValueError(f"std_ratio threshold must be >= 1, got {self.std_ratio}")
        if self.min_rows < 2:
            raise ValueError(f"min_rows must be >= 2, got {self.min_rows}")

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_env(cls, env: dict | None = None, **overrides) -> Thresholds:
        env = os.environ if env is None else env
        kw = {}
        for f in fields(cls):
            raw = env.get(f"DRIFT_{f.name.upper()}")
            if raw not in (None, ""):
                kw[f.name] = type(f.default)(raw) if not isinstance(f.default, str) else raw.lower()
        kw.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**kw)


@dataclass(frozen=True)
class JobConfig:
    """Where the job reads and writes, and how much it keeps in memory."""

    data_bucket: str = "obslab-data"
    reference_prefix: str = "training_embeddings/"
    production_prefix: str = "production_embeddings/"
    results_prefix: str = "drift_results/"
    # Production rows kept (uniform reservoir sample over the whole window): caps memory and time.
    max_current_rows: int = 10000
    # Reference rows kept (seeded uniform subsample when the training set is larger).
    max_reference_rows: int = 50000
    seed: int = 0
    sns_topic_arn: str = ""
    pushgateway_url: str = ""
    metric_namespace: str = "obslab/Drift"

    @classmethod
    def from_env(cls, env: dict | None = None) -> JobConfig:
        env = os.environ if env is None else env
        names = {
            "data_bucket": "DATA_BUCKET",
            "max_current_rows": "DRIFT_MAX_CURRENT_ROWS",
            "max_reference_rows": "DRIFT_MAX_REFERENCE_ROWS",
            "seed": "DRIFT_SEED",
            "sns_topic_arn": "SNS_TOPIC_ARN",
            "pushgateway_url": "PUSHGATEWAY_URL",
            "metric_namespace": "DRIFT_METRIC_NAMESPACE",
        }
        kw = {}
        for f in fields(cls):
            raw = env.get(names.get(f.name, f"DRIFT_{f.name.upper()}"))
            if raw not in (None, ""):
                kw[f.name] = int(raw) if isinstance(f.default, int) else raw
        return cls(**kw)
