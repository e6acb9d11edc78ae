"""Physical constants in SI units (CODATA 2018 exact values; NIST SP 961, 2019).

Nothing but constants lives here: every module imports ħ and k_B from this file.
"""

import math

#: Planck constant h (J s), exact since the 2019 SI redefinition.
H_PLANCK = 6.62607015e-34
#: Reduced Planck constant ħ = h / 2π (J s).
HBAR = H_PLANCK / (2.0 * math.pi)
#: Boltzmann constant k_B (J/K), exact since the 2019 SI redefinition.
K_B = 1.380649e-23
