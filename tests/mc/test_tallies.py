"""Weighted tallies and stream keys: layout, estimators against numpy, chunking, state round trip."""

from typing import NamedTuple

import numpy as np
import pytest

from phononmc.mc.rng import emitter_key
from phononmc.mc.tallies import Layout, ScoreTally, combine


class Scores(NamedTuple):
    total: int
    hist: int


LAYOUT = Layout(Scores, {"total": (), "hist": (2, 3)})


def test_layout_offsets_and_split():
    assert LAYOUT.offsets == Scores(0, 1) and LAYOUT.size == 7
    vectors = np.arange(14.0).reshape(2, 7)
    parts = LAYOUT.split(vectors)
    np.testing.assert_array_equal(parts["total"], [0.0, 7.0])
    np.testing.assert_array_equal(parts["hist"][1], np.arange(8.0, 14.0).reshape(2, 3))
    with pytest.raises(ValueError, match="differ from Scores fields"):
        Layout(Scores, {"hist": (2, 3), "total": ()})


def test_mean_and_standard_error_equal_numpy_for_signed_weights():
    """Signed, non-integer scores (deviational packets): mean and σ of every bin equal numpy's
    mean and std(ddof=1)/√B of the batch values, times the unit."""
    rng = np.random.default_rng(1)
    batches = rng.normal(0.3, 2.0, size=(50, LAYOUT.size))
    tally = ScoreTally(LAYOUT, unit=2.5)
    tally.add(batches[:20])
    tally.add(batches[20:])  # in chunks, as a run adds them
    values = LAYOUT.split(batches)
    for name in ("total", "hist"):
        np.testing.assert_allclose(tally.mean(name), 2.5 * values[name].mean(axis=0), rtol=1e-12)
        np.testing.assert_allclose(tally.stderr(name), 2.5 * values[name].std(axis=0, ddof=1) / np.sqrt(50),
                                   rtol=1e-9)
    assert tally.batches == 50


def test_chunking_and_state_round_trip_are_bit_identical():
    rng = np.random.default_rng(2)
    batches = rng.normal(size=(12, LAYOUT.size))
    whole, chunked = ScoreTally(LAYOUT, 1.0), ScoreTally(LAYOUT, 1.0)
    whole.add(batches)
    for start in range(0, 12, 5):
        chunked.add(batches[start:start + 5])
    restored = ScoreTally.from_state(LAYOUT, chunked.state())
    for tally in (chunked, restored):
        for key, value in whole.state().items():
            np.testing.assert_array_equal(tally.state()[key], value, err_msg=key)


def test_too_few_batches_give_nan_and_combine_averages_sides():
    tally = ScoreTally(LAYOUT, 1.0)
    assert np.isnan(tally.mean("total")) and np.isnan(tally.stderr("total"))
    tally.add(np.ones((1, LAYOUT.size)))
    assert tally.mean("total") == 1.0 and np.isnan(tally.stderr("total"))
    a, b = ScoreTally(LAYOUT, 1.0), ScoreTally(LAYOUT, 1.0)
    a.add(np.array([[1.0] * 7, [3.0] * 7]))
    b.add(np.array([[5.0] * 7, [5.0] * 7]))
    assert combine([a, b], "total") == (3.5, pytest.approx(0.5))  # σ_a = 1, σ_b = 0: √(1 + 0)/2


def test_emitter_keys_are_distinct_and_checked():
    keys = {emitter_key(kind, n) for kind in ("side", "wall", "layer") for n in range(4)}
    assert len(keys) == 12
    with pytest.raises(ValueError, match="emitter kind = 'door'"):
        emitter_key("door", 1)
    with pytest.raises(ValueError, match="emitter number"):
        emitter_key("side", -1)


def test_covariance_of_correlated_scores_matches_numpy():
    """Cross products give numpy's covariance of the batch rows / B (the batch-mean covariance),
    and survive a state round trip."""
    class Offsets(NamedTuple):
        a: int
        b: int
        c: int

    layout = Layout(Offsets, {"a": (), "b": (3,), "c": (2,)})
    rows = np.random.default_rng(2).normal(size=(9, layout.size))
    rows[:, 1] += rows[:, 0]  # correlate
    tally = ScoreTally(layout, 2.0, correlated=("a", "b"))
    tally.add(rows[:4])
    tally.add(rows[4:])
    expected = 4.0 * np.cov(rows[:, :4], rowvar=False) / 9
    assert np.allclose(tally.covariance(), expected, rtol=1e-12)
    again = ScoreTally.from_state(layout, tally.state(), ("a", "b"))
    assert np.array_equal(again.covariance(), tally.covariance())
    with pytest.raises(ValueError, match="not in the layout"):
        ScoreTally(layout, 1.0, correlated=("d",))
