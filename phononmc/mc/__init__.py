"""Monte Carlo phonon transport: random streams (rng), emission tables (emission), the shared
interface event (events), weighted tallies (tallies), the bare-interface kernel (interface),
periodic rough surfaces (surfaces) and the rough-interface kernel (rough), and the run driver (run)."""

from phononmc.mc import cache  # noqa: F401 -- before any kernel: stamps their cache with the package source
