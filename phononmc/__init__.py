"""phononmc — thermal boundary (Kapitza) conductance, analytic and Monte Carlo.

    import phononmc as pm
    si, ge = pm.material("Si"), pm.material("Ge")
    pm.landauer.conductance(si, ge, 300.0, model="amm")      # W m⁻² K⁻¹
    pm.amm.coefficients(si, ge, theta, incident="L")         # energy fractions
"""

from importlib.metadata import PackageNotFoundError, version

from phononmc import bulk, dispersion, landauer, models
from phononmc.materials import Material, material, materials
from phononmc.mc.run import simulate
from phononmc.transmission import amm, chain, dmm

try:
    __version__ = version("phononmc")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"

__all__ = ["Material", "material", "materials", "amm", "dmm", "chain", "landauer", "models", "dispersion", "bulk",
           "simulate", "__version__"]
