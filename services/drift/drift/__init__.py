"""Embedding drift detection (numpy/scipy only): library, Lambda handler and CLI."""

__version__ = "0.1.0"

from drift.config import Thresholds  # noqa: E402
from drift.detector import DriftDetector, DriftInputError  # noqa: E402

__all__ = ["DriftDetector", "DriftInputError", "Thresholds", "__version__"]
