"""Monte Carlo phonon transport: njit kernels (interface, sampling) and their drivers (run)."""
