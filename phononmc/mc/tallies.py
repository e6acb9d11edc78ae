"""Streaming batch statistics (OpenMC-style: sums and sums of squares, read out on demand).

A `SideTally` accumulates the batches of one emitting side at one point. It stores the
integer sum Σn and sum of squares Σn² of the transmitted-packet counts per batch, so the
mean and its standard error are exact and independent of how batches were chunked or
threaded; the histograms (outcome, spectral, angular, outgoing) are summed counts.
Memory does not grow with the number of packets or batches.

    G_b = G_emit · n_b / N          (batch estimate, N packets per batch)
    Ḡ = G_emit Σn / (B N),   σ_Ḡ² = G_emit² / N² · (B Σn² − (Σn)²) / (B² (B − 1))
"""

from __future__ import annotations

import math

import numpy as np

HISTOGRAMS = ("outcome", "spectral", "angular", "outgoing")


class SideTally:
    """Running sums for the batches of one side.

    g_emit: emitted flux per kelvin of that side (W m⁻² K⁻¹); n_packets: per batch.
    """

    def __init__(self, g_emit: float, n_packets: int, shapes: dict[str, tuple]):
        self.g_emit = float(g_emit)
        self.n_packets = int(n_packets)
        self.batches = 0
        self.sum = 0  # Python ints: exact, no overflow
        self.sum_sq = 0
        self.hist = {name: np.zeros(shape, np.int64) for name, shape in shapes.items()}

    def add(self, out: dict) -> None:
        """Add the per-batch tallies returned by `interface.run_batches`."""
        n = out["transmitted"]
        self.batches += len(n)
        self.sum += int(n.sum())
        self.sum_sq += sum(int(x) * int(x) for x in n)
        for name in HISTOGRAMS:
            self.hist[name] += out[name].sum(axis=0)

    @property
    def mean(self) -> float:
        """Ḡ (W m⁻² K⁻¹)."""
        return self.g_emit * self.sum / (self.batches * self.n_packets) if self.batches else math.nan

    @property
    def stderr(self) -> float:
        """Standard error of Ḡ from the batch-to-batch scatter (W m⁻² K⁻¹); NaN below 2 batches."""
        b = self.batches
        if b < 2:
            return math.nan
        numerator = b * self.sum_sq - self.sum * self.sum  # exact integer arithmetic
        return self.g_emit / self.n_packets * math.sqrt(max(numerator, 0) / (b * b * (b - 1)))

    def state(self) -> dict:
        """Everything needed to resume: scalars and histograms (for HDF5 checkpoints)."""
        return {"g_emit": self.g_emit, "n_packets": self.n_packets, "batches": self.batches,
                "sum": self.sum, "sum_sq": self.sum_sq, **self.hist}

    @classmethod
    def from_state(cls, state: dict) -> "SideTally":
        tally = cls(state["g_emit"], state["n_packets"], {n: np.shape(state[n]) for n in HISTOGRAMS})
        tally.batches = int(state["batches"])
        tally.sum, tally.sum_sq = int(state["sum"]), int(state["sum_sq"])
        for name in HISTOGRAMS:
            tally.hist[name][...] = state[name]
        return tally


def combine(tallies: list[SideTally]) -> tuple[float, float]:
    """G and its standard error from one side, or the two-sided deviational average (G₁ + G₂)/2."""
    means = [t.mean for t in tallies]
    errs = [t.stderr for t in tallies]
    k = len(tallies)
    return sum(means) / k, math.sqrt(sum(e * e for e in errs)) / k
