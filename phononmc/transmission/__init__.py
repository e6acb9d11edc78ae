"""Interface transmission models: acoustic mismatch (amm), diffuse mismatch (dmm), 1D chain."""
