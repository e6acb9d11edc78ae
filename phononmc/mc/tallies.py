"""Weighted tallies (OpenMC-style): per-batch scores, their sums and sums of squares.

A kernel gives every batch one float64 vector of scores, laid out by a `Layout`: a packet
adds its weight w (1 for a packet of the emitted flux; signed or reduced for deviational
packets and variance reduction) to each score it reaches. For every score — a scalar or
one bin of a histogram — the running sums over B batches give

    x̄ = S₁ / B,     S₁ = Σ_b x_b,     S₂ = Σ_b x_b²,
    σ_x̄ = √[(S₂ − S₁²/B) / (B (B − 1))]          (standard error of the batch mean),

and the physical value is `unit` · x̄, with `unit` the flux one unit of weight stands for
(e.g. G_emit / N in W m⁻² K⁻¹ for a side that emits N packets per batch). Where several
scores enter one derived quantity (a fit through a temperature profile, a ratio of fluxes),
their covariance matters too: a tally may keep the cross products S_xy = Σ_b x_b y_bᵀ of
chosen scores (`correlated`), and

    cov(x̄, ȳ) = (S_xy − S_x S_yᵀ/B) / (B (B − 1)).

Batches are
added in order, one at a time, so the sums — and a resumed run — are bit-identical
however the batches were chunked or threaded. Memory does not grow with packets or
batches.
"""

from __future__ import annotations

import math

import numpy as np


class Layout:
    """Names, shapes and offsets of the scores in a batch's vector: the one definition that
    kernels (through `offsets`) and readers (through `split`) share.

    offsets_type : a NamedTuple class whose fields name the scores in vector order; the
        kernel receives an instance holding each score's offset.
    shapes : {score name: shape}, the same names.
    """

    def __init__(self, offsets_type, shapes: dict):
        if tuple(shapes) != offsets_type._fields:
            raise ValueError(f"score names {tuple(shapes)} differ from {offsets_type.__name__} fields "
                             f"{offsets_type._fields}")
        self.shapes = {name: tuple(shape) for name, shape in shapes.items()}
        sizes = [math.prod(shape) for shape in self.shapes.values()]
        starts = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
        self.offsets = offsets_type(*(int(s) for s in starts[:-1]))
        self.size = int(starts[-1])

    def split(self, vectors: np.ndarray) -> dict:
        """{name: array (..., *shape)} views of score vectors of shape (..., size)."""
        lead = vectors.shape[:-1]
        return {name: vectors[..., start:start + math.prod(shape)].reshape(lead + shape)
                for (name, shape), start in zip(self.shapes.items(), self.offsets)}


class ScoreTally:
    """Running sums S₁, S₂ of every score over the batches added so far.

    layout : the scores' `Layout`. unit : physical value of one unit of weight (e.g.
    W m⁻² K⁻¹ per packet). correlated : names of scores whose cross products are kept, in
    this order, for `covariance` (memory: the square of their total size).
    """

    def __init__(self, layout: Layout, unit: float, correlated: tuple = ()):
        self.layout = layout
        self.unit = float(unit)
        self.batches = 0
        self._s1 = np.zeros(layout.size)
        self._s2 = np.zeros(layout.size)
        unknown = [name for name in correlated if name not in layout.shapes]
        if unknown:
            raise ValueError(f"correlated scores {unknown} are not in the layout ({', '.join(layout.shapes)})")
        self.correlated = tuple(correlated)
        index = np.arange(layout.size)
        self._pick = np.concatenate([layout.split(index)[name].ravel() for name in self.correlated] or [[]]).astype(int)
        self._sxy = np.zeros((self._pick.size, self._pick.size))

    def add(self, scores: np.ndarray) -> None:
        """Add batches: scores (B, layout.size), one row per batch, in batch order."""
        for row in np.asarray(scores, dtype=float).reshape(-1, self.layout.size):
            self._s1 += row
            self._s2 += row * row
            if self._pick.size:
                picked = row[self._pick]
                self._sxy += np.outer(picked, picked)
            self.batches += 1

    def sum(self, name: str) -> np.ndarray:
        """S₁ of score `name` (weight units), shaped like the score."""
        return self.layout.split(self._s1)[name]

    def mean(self, name: str):
        """unit · x̄ of score `name` (a float for a scalar score, else an array); NaN before any batch."""
        if not self.batches:
            return np.full(self.layout.shapes[name], np.nan)[()]
        return (self.unit * self.layout.split(self._s1)[name] / self.batches)[()]

    def stderr(self, name: str):
        """unit · σ_x̄ of score `name` from the batch-to-batch scatter; NaN below 2 batches."""
        b = self.batches
        if b < 2:
            return np.full(self.layout.shapes[name], np.nan)[()]
        s1, s2 = self.layout.split(self._s1)[name], self.layout.split(self._s2)[name]
        return (self.unit * np.sqrt(np.maximum(s2 - s1 * s1 / b, 0.0) / (b * (b - 1))))[()]

    def covariance(self) -> np.ndarray:
        """unit² · cov of the batch means of the `correlated` scores, flattened and concatenated
        in that order: shape (k, k); NaN below 2 batches."""
        b = self.batches
        if b < 2:
            return np.full(self._sxy.shape, np.nan)
        s = self._s1[self._pick]
        return self.unit**2 * (self._sxy - np.outer(s, s) / b) / (b * (b - 1))

    def state(self) -> dict:
        """Everything needed to resume (for HDF5 checkpoints): unit, batches, per score
        `<name>_sum` and `<name>_sum_sq`, and `cross_sum` (S_xy of the correlated scores) if any."""
        out = {"unit": self.unit, "batches": self.batches}
        for name in self.layout.shapes:
            out[f"{name}_sum"] = self.layout.split(self._s1)[name]
            out[f"{name}_sum_sq"] = self.layout.split(self._s2)[name]
        if self.correlated:
            out["cross_sum"] = self._sxy
        return out

    def datasets(self, prefix: str, unit_label: str) -> dict:
        """`state` as results-file datasets {prefix + key: (array, units)}: `unit` in
        `unit_label`, the sums in units of weight ("1")."""
        return {prefix + key: (np.asarray(value), unit_label if key == "unit" else "1")
                for key, value in self.state().items()}

    def restored(self, datasets, prefix: str) -> "ScoreTally":
        """A tally of this one's layout and correlated scores, from the datasets `datasets`
        wrote under `prefix` (any mapping of name -> array, e.g. an `io.Group`)."""
        keys = ["unit", "batches", *(f"{name}_{s}" for name in self.layout.shapes for s in ("sum", "sum_sq"))]
        keys += ["cross_sum"] if self.correlated else []
        return ScoreTally.from_state(self.layout, {k: datasets[prefix + k] for k in keys}, self.correlated)

    @classmethod
    def from_state(cls, layout: Layout, state: dict, correlated: tuple = ()) -> "ScoreTally":
        tally = cls(layout, state["unit"], correlated)
        tally.batches = int(state["batches"])
        for name in layout.shapes:
            tally.layout.split(tally._s1)[name][...] = state[f"{name}_sum"]
            tally.layout.split(tally._s2)[name][...] = state[f"{name}_sum_sq"]
        if correlated:
            tally._sxy[...] = state["cross_sum"]
        return tally


def combine(tallies: list[ScoreTally], name: str) -> tuple[float, float]:
    """Score `name` and its standard error from one tally, or the average of several
    independent ones (the two-sided deviational G = (G₁ + G₂)/2)."""
    k = len(tallies)
    means = [float(t.mean(name)) for t in tallies]
    errs = [float(t.stderr(name)) for t in tallies]
    return sum(means) / k, math.sqrt(sum(e * e for e in errs)) / k
