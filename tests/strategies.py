"""Hypothesis strategies and reference media shared by the tests."""

import math

from hypothesis import strategies as st

from phononmc.materials.material import Material

# Reference media with round numbers (not the database: these tests check the models,
# not the data). Si/Ge-like pair with transverse faster than the partner's L, so mode
# conversion and several critical angles appear; a helium-like liquid.
SI = Material("Si-like", density=2330.0, v_long=8970.0, v_trans=5332.0, atom_density=5.0e28)
GE = Material("Ge-like", density=5323.0, v_long=4920.0, v_trans=2770.0, atom_density=4.42e28)
HE = Material("He-like", density=145.0, v_long=238.0, v_trans=0.0, atom_density=2.18e28)
AL2O3 = Material("sapphire-like", density=3980.0, v_long=10890.0, v_trans=6450.0, atom_density=1.17e29)
PB = Material("Pb-like", density=11340.0, v_long=2160.0, v_trans=860.0, atom_density=3.3e28)


@st.composite
def solids(draw):
    v_l = draw(st.floats(1000.0, 18000.0))
    ratio = draw(st.floats(0.2, 0.8))
    return Material(
        "solid",
        density=draw(st.floats(500.0, 22000.0)),
        v_long=v_l,
        v_trans=ratio * v_l,
        atom_density=draw(st.floats(1e28, 2e29)),
    )


@st.composite
def liquids(draw):
    return Material(
        "liquid",
        density=draw(st.floats(100.0, 3000.0)),
        v_long=draw(st.floats(150.0, 3000.0)),
        v_trans=0.0,
        atom_density=draw(st.floats(1e28, 1e29)),
    )


media = st.one_of(solids(), solids(), liquids())
angles = st.floats(0.0, math.pi / 2)
