"""Shared pytest configuration: figures render headless (Agg), as phonopy's tests do."""

import matplotlib

matplotlib.use("Agg")
