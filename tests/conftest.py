"""Shared pytest configuration: figures render headless (Agg), as phonopy's tests do, and
hypothesis draws the same examples on every run (derandomized), so a result of CI never
depends on the luck of the draw; a case it once found goes into a test of its own."""

import matplotlib
from hypothesis import settings

matplotlib.use("Agg")
settings.register_profile("deterministic", derandomize=True)
settings.load_profile("deterministic")
