"""The slab solver (mc.slab): a gray medium against the exact solution, the measured jump
against its exact expectation, the ballistic limit against Landauer, conservation, threads.

Exact expectations come from the deterministic gray solver `tests.gray_reference`: with one
mean free path Λ for every branch and frequency, the Monte Carlo's multi-branch Debye media
are one gray channel each (re-emission ∝ C_j v_j/Λ is the wall emission spectrum; a DMM or
AMM event between phonon-identical media keeps it), so the reference is exact for them.
Comparisons are in standard errors (4σ) with σ far below the effects checked.
"""

import math
import textwrap

import numpy as np
import numba
import pytest

from phononmc import config, landauer
from phononmc.jump import measured_jump
from phononmc.materials import material
from phononmc.mc import run as mc_run
from tests.gray_reference import asymptotic_jump, cell_averages, solve

Q_INF = 0.7104460895  # Hopf's constant q(∞) (Milne problem; Chandrasekhar, Radiative Transfer, Ch. IV)
MFP = 10e-9
T = 300.0


def slab_run(thickness, models=("dmm",), m1="Si", m2="Si", cells=(20, 20), packets=10000, batches=20,
             exclude=1.5, T=T, delta_T=0.0, mfp=(MFP, MFP), seed=7, **extra):
    """A slab point (or points) run in memory from a run-file text. 20 batches: the standard
    errors of fits come from the batch-to-batch scatter, so they are known to ~16 %."""
    single = len(thickness) == 1 and not isinstance(thickness[0], list)
    models_text = "" if single else "".join(f'[[models]]\nkind = "{m}"\n' if "(" not in m else
                                            f'[[models]]\nkind = "{m.split("(")[0]}"\np = {m.split("=")[1][:-1]}\n'
                                            for m in models)
    text = textwrap.dedent(f"""
        seed = {seed}
        [interface]
        material_1 = "{m1}"
        {'' if single else f'material_2 = "{m2}"'}
        {models_text}
        [temperatures]
        values = [{T}]
        delta_T = {delta_T}
        [slab]
        thickness = {list(thickness)}
        cells = {list(cells)}
        scattering_1 = {{ mfp = {mfp[0]} }}
        scattering_2 = {{ mfp = {mfp[1]} }}
        exclude = {exclude}
        [monte_carlo]
        packets_per_batch = {packets}
        batches = {batches}
        checkpoint_every = {batches}
    """)
    cfg = config.parse(text)
    if extra:
        cfg = cfg.replace(**extra)
    return mc_run.simulate(cfg, progress=False, write=False)


def emission(m, T=T):
    return float(landauer.emission_conductance(material(m), T))


# ---------------------------------------------------------------- one gray medium
@pytest.mark.parametrize("a,packets", [(0.1, 10000), (1.0, 20000), (10.0, 36000)])
def test_gray_slab_flux_matches_exact_solution(a, packets):
    """q / (Σ C_j v_j ΔT / 4) = Ψ(L/Λ) of the exact gray slab (Heaslet–Warming), within 4σ and
    1 % (σ < 0.25 %, so 4σ fits inside 1 %)."""
    p = slab_run([a * MFP], cells=(10,), packets=packets).points[0]
    q, q_err = p.flux()
    psi, psi_err = q / emission("Si"), q_err / emission("Si")
    exact = solve(a).psi
    assert psi_err < 2.5e-3 * exact
    assert abs(psi - exact) < 4 * psi_err
    assert abs(psi / exact - 1) < 0.01


def test_gray_slab_profile_slips_at_walls_and_matches_exact_cells():
    """Cell temperatures against exact cell averages (every cell within 4.5σ); the first and
    last cells lie well inside the wall temperatures ±1/2: the temperature slip."""
    a, cells = 3.0, 12
    p = slab_run([a * MFP], cells=(cells,), packets=20000).points[0]
    theta, err = p.profile("energy")
    exact = cell_averages(solve(a), np.linspace(-a, 0.0, cells + 1))
    assert np.all(np.abs(theta - exact) < 4.5 * err)
    assert 0.5 - theta[0] > 20 * err[0] and theta[-1] + 0.5 > 20 * err[-1]
    pseudo, pseudo_err = p.profile("pseudo")  # gray: the same expectation
    assert np.all(np.abs(pseudo - exact) < 4.5 * pseudo_err)


def test_diffusive_limit_is_fourier_with_kinetic_conductivity(tmp_path, capsys):
    """Far from the walls of a thick gray slab the gradient is −q/κ with κ = (1/3) Λ Σ_j C_j v_j
    exactly (the boundary layers have decayed: the exact fitted slope equals −(3/4)Ψ per Λ to
    5e-5); `phononmc run` prints that κ for a single layer."""
    from phononmc import bulk, cli

    a = 16.0
    p = slab_run([a * MFP], cells=(32,), packets=10000, exclude=3.0).points[0]
    kappa, kappa_err = p.conductivity()
    exact = bulk.conductivity(material("Si"), bulk.Scattering(mfp=MFP), T)
    assert kappa_err < 0.01 * kappa
    assert abs(kappa - exact) < 4 * kappa_err
    run = tmp_path / "layer.toml"
    run.write_text(f"""seed = 3
[interface]
material_1 = "Si"
[temperatures]
values = [300.0]
[slab]
thickness = [{a * MFP}]
cells = 32
scattering_1 = {{ mfp = {MFP} }}
[monte_carlo]
packets_per_batch = 2000
batches = 4
""")
    assert cli.main(["run", str(run), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "kappa from the far-field gradient" in out and "nan" not in out


# ---------------------------------------------------------------- interfaces
def test_identical_media_amm_has_no_jump():
    """Si | Si under the AMM is no interface: no jump within statistics (σ ≪ the DMM's 0.09)."""
    p = slab_run([[6 * MFP, 6 * MFP]], models=("amm",), packets=10000).points[0]
    j = p.jump()
    assert j.jump_err < 0.005
    assert abs(j.jump) < 4 * j.jump_err
    assert abs(p.flux()[0] / emission("Si") - solve(12.0).psi) < 4 * p.flux()[1] / emission("Si")


def _exact_jump(p, sol):
    """The exact expectation of the Monte Carlo's measured jump: the same weighted fits
    through the exact cell averages."""
    optical = np.concatenate([p.edges[:p.cells1 + 1] / p.mfp[0], p.edges[p.cells1 + 1:] / p.mfp[1]])
    theta = cell_averages(sol, np.clip(optical, -sol.a1, sol.a2))  # round-off of L/Λ
    _, cov = p.vector()
    n = p.cells1 + p.cells2
    return measured_jump(p.z, 1.0, theta, cov[:1 + n, :1 + n], p.far_field()).jump


def _check_jump(p, sol, rel):
    """Measured jump and flux against their exact expectations within 4σ, with σ_jump < rel · jump."""
    j = p.jump()
    exact = _exact_jump(p, sol)
    assert j.jump_err < rel * exact
    assert abs(j.jump - exact) < 4 * j.jump_err
    q, q_err = p.flux()
    g1 = emission("Si", p.T)  # medium 1 is Si in every test here
    assert abs(q / g1 - sol.psi) < 4 * q_err / g1
    return j


@pytest.mark.parametrize("model,t_s,packets,rel", [
    ("dmm", 0.0, 12500, 0.05),
    pytest.param("dmm", 0.0, 250000, 0.012, marks=pytest.mark.slow),
    pytest.param("mixed(p=0.3)", 0.3, 90000, 0.03, marks=pytest.mark.slow),
    pytest.param("mixed(p=0.6)", 0.6, 150000, 0.06, marks=pytest.mark.slow),
])
def test_gray_interface_measured_jump_matches_exact(model, t_s, packets, rel):
    """Phonon-identical media, diffuse (DMM: τ = 1/2) or partly specular (mixed p: t_s = p): the
    measured jump and G equal their exact expectations within 4σ. At high precision (slow) the
    DMM's G/G_Landauer is resolved from the textbook temperature factor 2 by many σ: it is the
    exact 1.87–1.88 (see test_thick_limit_of_the_temperature_factor)."""
    a = 6.0
    p = slab_run([[a * MFP, a * MFP]], models=(model,), packets=packets).points[0]
    sol = solve(a, a, t_s, 0.5, 0.5)
    j = _check_jump(p, sol, rel)
    tau = t_s + (1 - t_s) * 0.5
    assert p.G_landauer == pytest.approx(tau * emission("Si"), rel=1e-3)
    ratio, ratio_err = j.G / p.G_landauer, j.G_err / p.G_landauer
    textbook = 1 / (1 - tau)
    assert p.G_equilibrium == pytest.approx(textbook * p.G_landauer, rel=1e-3)
    if model == "dmm" and rel < 0.02:
        assert abs(ratio - textbook) > 4 * ratio_err


def test_dissimilar_gray_dmm_interface_matches_exact():
    """Si | Ge at 20 K (every phonon below every cutoff, so the DMM τ is constant), gray with
    Λ₂ = 2Λ₁: jump and flux against the exact two-medium solution with τ12 ≠ τ21."""
    Tl = 20.0
    a = 6.0
    p = slab_run([[a * MFP, 2 * a * MFP]], m2="Ge", T=Tl, packets=12500, mfp=(MFP, 2 * MFP)).points[0]
    t12, t21 = landauer.mean_transmission(material("Si"), material("Ge"), Tl, "dmm")
    _check_jump(p, solve(a, a, 0.0, float(t12), float(t21)), 0.05)
    # the far field of each side skips `exclude` of that side's own mean free path
    x = 1.5
    z = p.z
    mask1, mask2 = p.far_field()
    assert np.array_equal(mask1, (z > -a * MFP + x * MFP) & (z < -x * MFP))
    assert np.array_equal(mask2, (z > 2 * x * MFP) & (z < 2 * a * MFP - 2 * x * MFP))


@pytest.mark.parametrize("tau12,tau21", [(0.5, 0.5), (0.3, 0.3), (0.3, 0.7)])
def test_thick_limit_of_the_temperature_factor(tau12, tau21):
    """The exact thick-slab G_measured/G_Landauer of a diffuse gray interface is
    1/(1 − (1 − 3q(∞)/4)(τ12 + τ21)), q(∞) Hopf's constant: 1.8768 for the DMM, where the
    textbook factor 1/(1 − (τ12 + τ21)/2) (the diffusion approximation, q(∞) → 2/3) says 2."""
    far = asymptotic_jump(solve(30.0, 30.0, 0.0, tau12, tau21))
    ratio = far["psi"] / far["jump"] / tau12
    assert ratio == pytest.approx(1 / (1 - (1 - 0.75 * Q_INF) * (tau12 + tau21)), rel=1e-6)
    textbook = 1 / (1 - 0.5 * (tau12 + tau21))
    assert ratio < textbook
    if tau12 + tau21 == 1.0:
        assert ratio == pytest.approx(1.8768, abs=1e-4)


@pytest.mark.parametrize("model,m2,delta_T", [("amm", "Ge", 0.0), ("dmm", "Ge", 0.0), ("amm", "Ge", 100.0)])
def test_ballistic_limit_is_landauer(model, m2, delta_T):
    """L ≪ Λ: black walls absorb every returning packet, so q/ΔT is the Landauer G of the
    interface (emitted-phonon temperatures, the series of walls and interface), also at finite ΔT."""
    p = slab_run([[1e-4 * MFP, 1e-4 * MFP]], models=(model,), m2=m2, packets=20000, cells=(2, 2),
                 delta_T=delta_T).points[0]
    q, q_err = p.flux()
    g = float(landauer.conductance(material("Si"), material(m2), T, model, delta_T=delta_T))
    assert q_err < 3e-3 * g
    assert abs(q - g) < 4 * q_err


def test_energy_conservation():
    """Net flux at the hot wall = at the cold wall = across the interface (packet by packet:
    to round-off), and the track-length flux of every cell equals it within statistics."""
    p = slab_run([[3 * MFP, 2 * MFP]], models=("dmm",), m2="Ge", packets=10000, cells=(6, 4)).points[0]
    q, q_err = p.flux()
    (q1, e1), (q2, e2) = p.wall_fluxes()
    assert q1 == pytest.approx(q, rel=1e-9) and q2 == pytest.approx(q, rel=1e-9)
    flux, flux_err = p.flux_profile()
    assert np.all(np.abs(flux - q) < 4.5 * flux_err + 1e-9 * q)
    assert q_err < 0.01 * q


def test_bit_identical_for_any_thread_count():
    """Batches own their streams: one thread and two give the same bits."""
    before = numba.get_num_threads()
    try:
        runs = []
        for threads in (1, 2):
            numba.set_num_threads(threads)
            p = slab_run([[2 * MFP, 2 * MFP]], packets=2000, batches=4, cells=(4, 4)).points[0]
            runs.append(p.vector()[0])
    finally:
        numba.set_num_threads(before)
    assert np.array_equal(runs[0], runs[1])


# ---------------------------------------------------------------- thickness series
@pytest.mark.slow
def test_thickness_series_intercept_recovers_measured_kapitza_resistance():
    """R_total = 1/(q/ΔT) of Si|Si DMM slabs at three thicknesses, minus a reference series
    without interface (Si|Si AMM: transparent, same walls), extrapolated to L = 0, equals the
    R_K measured from the far-field jump within the combined error."""
    from phononmc import fit

    sizes = [[a * MFP, a * MFP] for a in (5.0, 7.0, 9.0)]
    dmm = slab_run(sizes, models=("dmm",), packets=80000).points
    ref = slab_run(sizes, models=("amm",), packets=80000).points

    def series(points):
        L = np.array([p.L1 + p.L2 for p in points])
        q = np.array([p.flux()[0] for p in points])
        err = np.array([p.flux()[1] for p in points])
        return fit.thickness_series(L, 1 / q, err / q**2)

    r_k, r_k_err = fit.subtract_reference(series(dmm), series(ref))
    jumps = [p.jump() for p in dmm]
    w = np.array([1 / j.R_err**2 for j in jumps])
    measured = float(np.sum(w * [j.R for j in jumps]) / w.sum())
    measured_err = float(1 / np.sqrt(w.sum()))
    assert r_k_err < 0.1 * r_k
    assert abs(r_k - measured) < 3 * math.hypot(r_k_err, measured_err)


# ---------------------------------------------------------------- run files, resume, CLI
SERIES = textwrap.dedent("""
    name = "slabby"
    seed = 11
    output = "out/slabby.h5"
    [interface]
    material_1 = "Si"
    material_2 = "Ge"
    [[models]]
    kind = "dmm"
    [temperatures]
    values = [300.0]
    [slab]
    thickness = [[40e-9, 40e-9], [60e-9, 60e-9]]
    cells = 12
    scattering_1 = { mfp = 1e-8 }
    scattering_2 = { mfp = 1e-8 }
    exclude = 1.0
    [monte_carlo]
    packets_per_batch = 3000
    batches = 6
    checkpoint_every = 2
""")


@pytest.fixture
def series_file(tmp_path):
    path = tmp_path / "slabby.toml"
    path.write_text(SERIES)
    return path


def _state(points):
    return [[t.state() for t in p.tallies] for p in points]


def test_resume_with_more_batches_equals_one_longer_run(series_file, tmp_path):
    """Extending a slab run continues its wall streams bit for bit, cross products included."""
    mc_run.simulate(series_file, progress=False)
    series_file.write_text(SERIES.replace("batches = 6", "batches = 8"))
    extended = mc_run.simulate(series_file, resume=True, progress=False)
    assert extended.new_batches == 2 * 2  # only the new batches ran: the rest came from the file
    straight_file = tmp_path / "b" / "slabby.toml"
    straight_file.parent.mkdir()
    straight_file.write_text(SERIES.replace("batches = 6", "batches = 8"))
    straight = mc_run.simulate(straight_file, progress=False)
    for a, b in zip(_state(extended.points), _state(straight.points)):
        for sa, sb in zip(a, b):
            assert sa.keys() == sb.keys()
            for key in sa:
                assert np.array_equal(sa[key], sb[key]), key


def test_cli_run_show_and_plot(series_file, capsys):
    """`run` prints the slab table and the thickness series and writes the profile figure;
    `show` prints the same table from the file; a bilayer and a series give finite fits."""
    from phononmc import cli, io

    png = series_file.parent / "profile.png"
    assert cli.main(["run", str(series_file), "--no-progress", "--plot", str(png)]) == 0
    out = capsys.readouterr().out
    assert "G_measured" in out and "thickness series dmm, T = 300 K" in out and png.stat().st_size > 10000
    results = series_file.parent / "out" / "slabby.h5"
    assert cli.main(["show", str(results)]) == 0
    shown = capsys.readouterr().out
    table = [line for line in out.splitlines() if line.startswith("dmm")]
    assert len(table) == 2 and all(line in shown for line in table)
    res = io.read(results, kind="slab")
    g = res.groups["point_000"]
    assert g.units("G") == "W m^-2 K^-1" and g.units("z") == "m" and np.isfinite(g["G"])
    assert g["theta_energy"].shape == (24,) and g.attrs["L1"] == 40e-9


@pytest.mark.parametrize("z0,z1", [(-0.93, -0.12), (-0.12, -0.93), (-0.55, -0.51), (-1.0, 0.0), (-0.3, -0.2)])
def test_track_length_scores_of_one_flight(z0, z1):
    """One flight's energy, pseudo and flux scores per cell (end cells direct, crossed cells
    through the difference array) against the overlaps computed here."""
    from phononmc.mc import slab

    geo = slab.geometry((1.0,), (10,))
    layout = slab.slab_layout(10)
    t, d = np.zeros(layout.size), np.zeros(3 * 11)
    path, w, v, rate = 2.0, -1.0, 4.0, 3.0

    @numba.njit
    def one(t, d, off, geo):
        slab._track(t, d, off, geo, 0, z0, z1, path, w, v, rate)
        slab._add_ranges(t, d, off)

    one(t, d, layout.offsets, geo)
    edges = np.linspace(-1.0, 0.0, 11)
    overlap = np.clip(np.minimum(edges[1:], max(z0, z1)) - np.maximum(edges[:-1], min(z0, z1)), 0.0, None)
    scores = layout.split(t)
    assert np.allclose(scores["energy"], w / v * path * overlap / abs(z1 - z0), rtol=1e-12, atol=1e-15)
    assert np.allclose(scores["pseudo"], rate * w / v * path * overlap / abs(z1 - z0), rtol=1e-12, atol=1e-15)
    assert np.allclose(scores["flux"], w * np.sign(z1 - z0) * overlap, rtol=1e-12, atol=1e-15)
