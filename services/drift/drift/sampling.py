"""Bounded-memory sampling of a stream of row batches.

Statistical choice: a uniform reservoir sample (Algorithm R, vectorised per batch) of at most `k`
rows over the whole window. Every row of the day has the same chance k/N of being kept and the
sample is a simple random sample without replacement, so the KS test and the moment-based methods
on the sample test the day's distribution without bias; only power depends on k (not on N). Memory
is O(k * D) whatever the day's volume. Unlike "first k rows" or "last file" it is not biased by
time of day; unlike per-file subsampling it needs no knowledge of N in advance.
"""

from __future__ import annotations

import numpy as np


class Reservoir:
    def __init__(self, k: int, dim: int, seed: int = 0, dtype=np.float32) -> None:
        if k < 1:
            raise ValueError("reservoir size must be >= 1")
        self.k = k
        self.dim = dim
        self.seen = 0
        self._buf = np.empty((k, dim), dtype=dtype)
        self._rng = np.random.default_rng(seed)

    def add(self, rows: np.ndarray) -> None:
        rows = np.asarray(rows)
        b = rows.shape[0]
        if b == 0:
            return
        fill = max(0, min(self.k - self.seen, b))
        if fill:
            self._buf[self.seen:self.seen + fill] = rows[:fill]
        if fill < b:
            rest = rows[fill:]
            # row number t (0-based, over the whole stream) replaces slot j ~ U{0..t} if j < k
            t = np.arange(self.seen + fill, self.seen + b)
            j = self._rng.integers(0, t + 1)
            keep = j < self.k
            if keep.any():
                slots, src = j[keep], np.flatnonzero(keep)
                # sequential semantics: a later row replacing the same slot wins
                rev_slots = slots[::-1]
                _, first = np.unique(rev_slots, return_index=True)
                last = len(slots) - 1 - first
                self._buf[slots[last]] = rest[src[last]]
        self.seen += b

    @property
    def sample(self) -> np.ndarray:
        return self._buf[: min(self.seen, self.k)]
