"""Embedding drift detection (numpy/scipy only): library, Lambda handler and CLI.

Import from the submodules (drift.detector, drift.config, ...): under pytest, tests/drift can shadow
this package as a namespace package, so nothing should depend on this file running.
"""

from drift._version import __version__
from drift.config import Thresholds
from drift.detector import DriftDetector, DriftInputError

__all__ = ["DriftDetector", "DriftInputError", "Thresholds", "__version__"]
