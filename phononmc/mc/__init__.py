"""Monte Carlo phonon transport: random streams (rng), emission tables (emission), the shared
interface event (events), weighted tallies (tallies), the bare-interface kernel (interface)
and the run driver (run)."""

from phononmc.mc import cache  # noqa: F401 -- before any kernel: stamps their cache with the package source
