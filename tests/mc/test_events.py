"""The interface event called directly, with random directions and random unit normals.

Statistical checks use fixed seeds and |observed − expected| < 4 standard errors (binomial),
with enough packets that the effects they check are many σ wide.
"""

import math

import numba as nb
import numpy as np
import pytest

import phononmc as pm
from phononmc.dispersion import branches
from phononmc.mc import events
from phononmc.mc.rng import _stream
from phononmc.models import parse_model
from phononmc.transmission import amm, dmm
from tests.mc import reference

SI, GE, HE = pm.material("Si"), pm.material("Ge"), pm.material("He4")
Z_MAX = 4.0
STREAM = (7, 0, 1, 0)


def random_normals(rng, n):
    v = rng.normal(size=(n, 3))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def frame(normals):
    """Two unit vectors ⊥ each normal, by Gram–Schmidt from a fixed vector (independent of the kernel's basis)."""
    ref = np.where(np.abs(normals[:, :1]) < 0.9, [[1.0, 0.0, 0.0]], [[0.0, 1.0, 0.0]])
    u = ref - np.einsum("ij,ij->i", ref, normals)[:, None] * normals
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    return u, np.cross(normals, u)


def incoming(rng, normals, side, theta):
    """Unit directions at polar angle θ (array or scalar) about ±n, uniform azimuth, moving towards
    the interface: d·n > 0 from side 0, < 0 from side 1."""
    u, v = frame(normals)
    phi = rng.uniform(0, 2 * math.pi, len(normals))
    theta = np.broadcast_to(theta, phi.shape)
    sign = np.where(np.asarray(side) == 0, 1.0, -1.0)
    return (np.sin(theta)[:, None] * (np.cos(phi)[:, None] * u + np.sin(phi)[:, None] * v)
            + (sign * np.cos(theta))[:, None] * normals)


def scatter(m1, m2, model, side, branch, omega, d, n, dispersion="debye", stream=STREAM):
    model = parse_model(model)
    iface = events.interface_tables(m1, m2, dispersion, need_specular=model.needs_specular_tables)
    size = len(d)
    return events.scatter(iface, model.specularity, stream, np.broadcast_to(side, size),
                          np.broadcast_to(branch, size), np.broadcast_to(omega, size), d, n)


def within(count, total, p):
    """|count/total − p| < Z_MAX binomial standard errors (exact where p = 0 or 1)."""
    if p <= 0.0 or p >= 1.0:
        return count == round(p * total)
    return abs(count / total - p) < Z_MAX * math.sqrt(p * (1 - p) / total)


# ------------------------------------------------------------------ AMM and DMM in any frame
@pytest.mark.parametrize("m1,m2,side,branch,theta_deg", [
    (SI, GE, 0, "L", 30.0), (SI, GE, 1, "SV", 25.0), (SI, GE, 1, "SH", 50.0), (SI, GE, 1, "L", 60.0),
    (GE, HE, 0, "SV", 20.0)])
def test_specular_event_reproduces_amm_fractions_for_random_normals(m1, m2, side, branch, theta_deg):
    """Per channel, the fraction of packets equals the AMM energy coefficient at θ (all channels
    open at low ω), whatever the orientation of the normal and the azimuth of incidence."""
    rng = np.random.default_rng(1)
    n_packets = 200_000
    normals = random_normals(rng, n_packets)
    j = amm.BRANCHES.index(branch)
    out = scatter(m1, m2, "amm", side, j, 1e11, incoming(rng, normals, side, math.radians(theta_deg)), normals)
    m_in, m_out = (m1, m2) if side == 0 else (m2, m1)
    expected = amm.coefficients(m_in, m_out, np.array([math.radians(theta_deg)]), incident=branch).as_array()[:, 0]
    channel = out[:, 1] + 3 * (out[:, 0] != side)
    assert np.all(out[:, 6] == 1)
    for c in range(6):
        assert within(np.count_nonzero(channel == c), n_packets, expected[c]), (amm.CHANNELS[c], expected[c])


@pytest.mark.parametrize("dispersion", ["debye", "sine"])
def test_diffuse_event_reproduces_dmm_transmission_and_branch_shares(dispersion):
    """τ_DMM(ω) and branch shares ∝ k_j(ω)² at an ω where Ge's transverse branches are closed
    (between the Ge and Si transverse cutoffs)."""
    rng = np.random.default_rng(2)
    n_packets = 200_000
    ge_t, si_t = branches(GE, dispersion)[1].omega_cutoff, branches(SI, dispersion)[1].omega_cutoff
    omega = 0.5 * (ge_t + si_t)
    normals = random_normals(rng, n_packets)
    out = scatter(SI, GE, "dmm", 0, 0, omega, incoming(rng, normals, 0, rng.uniform(0, 1.5, n_packets)), normals,
                  dispersion)
    tau = float(dmm.transmission(SI, GE, np.array([omega]), dispersion)[0])
    assert within(np.count_nonzero(out[:, 0] == 1), n_packets, tau)
    k2 = np.array([float(np.nan_to_num(b.wavevector(np.array([omega]))[0])) ** 2 * (omega < b.omega_cutoff)
                   for m in (SI, GE) for b in branches(m, dispersion)])
    channel = out[:, 1] + 3 * out[:, 0]
    for c in range(6):
        assert within(np.count_nonzero(channel == c), n_packets, k2[c] / k2.sum()), c


@pytest.mark.parametrize("model", ["amm", "dmm", "mixed(p=0.4)", "soffer(eta=0.3e-9)"])
def test_every_packet_leaves_with_snell_or_lambert_in_the_local_frame(model):
    """Each outgoing direction is a unit vector on the side it is assigned to; specular ones lie
    in the plane of incidence and obey sin θ' = sin θ v_out/v_in with the tangential direction
    kept; diffuse ones are Lambert about the local normal (μ'² and azimuth uniform)."""
    rng = np.random.default_rng(3)
    n_packets = 60_000
    normals = random_normals(rng, n_packets)
    side = rng.integers(0, 2, n_packets)
    branch = rng.integers(0, 3, n_packets)
    theta = np.arccos(np.sqrt(rng.uniform(size=n_packets)))
    omega = rng.uniform(0, 0.99, n_packets) * np.min([b.omega_cutoff for m in (SI, GE) for b in branches(m)])
    d = incoming(rng, normals, side, theta)
    out = scatter(SI, GE, model, side, branch, omega, d, normals)
    d_out = out[:, 2:5]
    cos_out = np.einsum("ij,ij->i", d_out, normals)
    np.testing.assert_allclose(np.linalg.norm(d_out, axis=1), 1.0, atol=1e-12)
    assert np.all(np.where(out[:, 0] == 1, cos_out >= 0, cos_out <= 0))
    np.testing.assert_allclose(cos_out**2, out[:, 5], atol=1e-12)

    specular = out[:, 6] == 1
    if specular.any():
        velocity = np.array([[b.velocity for b in branches(m)] for m in (SI, GE)])
        v_in = velocity[side, branch]
        v_out = velocity[out[:, 0].astype(int), out[:, 1].astype(int)]
        s = specular
        plane = np.cross(d[s], normals[s])
        np.testing.assert_allclose(np.einsum("ij,ij->i", plane, d_out[s]), 0.0, atol=1e-12)
        tangent_in = d[s] - np.einsum("ij,ij->i", d[s], normals[s])[:, None] * normals[s]
        tangent_out = d_out[s] - cos_out[s][:, None] * normals[s]
        np.testing.assert_allclose(np.linalg.norm(tangent_out, axis=1),
                                   np.sin(theta[s]) * v_out[s] / v_in[s], atol=1e-12)
        assert np.all(np.einsum("ij,ij->i", tangent_in, tangent_out) >= -1e-12)
    diffuse = ~specular
    if diffuse.sum() > 10_000:
        bins = 10
        expected = diffuse.sum() / bins
        mu2_hist = np.histogram(out[diffuse, 5], bins=bins, range=(0, 1))[0]
        u, v = frame(normals[diffuse])
        phi = np.arctan2(np.einsum("ij,ij->i", d_out[diffuse], v), np.einsum("ij,ij->i", d_out[diffuse], u))
        phi_hist = np.histogram(phi, bins=bins, range=(-math.pi, math.pi))[0]
        for hist in (mu2_hist, phi_hist):
            assert ((hist - expected) ** 2 / expected).sum() < 33.7  # χ², 9 d.o.f.: p ≈ 1e-4


def rotation(rng):
    q, r = np.linalg.qr(rng.normal(size=(3, 3)))
    return q * np.sign(np.diag(r))


@pytest.mark.parametrize("model", ["amm", "mixed(p=0.5)", "ziman(eta=0.3e-9)"])
def test_rotated_frame_gives_the_same_events(model):
    """Rotating every direction and normal by one rotation R changes nothing but the frame:
    same side, branch, specular choice and μ'²; specular directions rotate with R."""
    rng = np.random.default_rng(4)
    n_packets = 5_000
    normals = random_normals(rng, n_packets)
    side = rng.integers(0, 2, n_packets)
    branch = rng.integers(0, 3, n_packets)
    omega = rng.uniform(0, 0.3, n_packets) * GE.v_trans * GE.k_debye  # Ziman: p of order 1/2
    d = incoming(rng, normals, side, np.arccos(np.sqrt(rng.uniform(size=n_packets))))
    R = rotation(rng)
    a = scatter(SI, GE, model, side, branch, omega, d, normals)
    b = scatter(SI, GE, model, side, branch, omega, d @ R.T, normals @ R.T)
    same = np.all(a[:, [0, 1, 6]] == b[:, [0, 1, 6]], axis=1)
    assert same.sum() >= n_packets - 2  # a round-off hair from a channel threshold may differ
    np.testing.assert_allclose(a[same, 5], b[same, 5], atol=1e-12)
    spec = same & (a[:, 6] == 1)
    assert spec.sum() > 1000
    np.testing.assert_allclose(a[spec, 2:5] @ R.T, b[spec, 2:5], atol=1e-12)


# ------------------------------------------------------------------ reference twin
@pytest.mark.parametrize("m1,m2,model,dispersion", [
    *[(m1, m2, model, "debye") for m1, m2 in ((SI, GE), (GE, HE))
      for model in ("amm", "dmm", "mixed(p=0.5)", "ziman(eta=0.3e-9)", "soffer(eta=0.3e-9)")],
    (SI, GE, "dmm", "sine")], ids=lambda v: getattr(v, "name", str(v)))
def test_event_matches_reference_packet_by_packet(m1, m2, model, dispersion):
    """Same stream, same packets (random normals, sides, branches, ω up to the incident cutoff):
    outgoing side, branch, specular choice and direction — diffuse ones included — agree one by
    one with the plain-Python event written from the formulas."""
    rng = np.random.default_rng(5)
    n_packets = 300
    parsed = parse_model(model)
    normals = random_normals(rng, n_packets)
    side = rng.integers(0, 2, n_packets)
    cutoffs = [[b.omega_cutoff for b in branches(m, dispersion)] for m in (m1, m2)]
    branch = np.array([rng.integers(0, len(cutoffs[s])) for s in side])
    omega = rng.uniform(0, 1, n_packets) * np.array([cutoffs[s][j] for s, j in zip(side, branch)])
    d = incoming(rng, normals, side, np.arccos(np.sqrt(rng.uniform(size=n_packets))))
    out = scatter(m1, m2, parsed, side, branch, omega, d, normals, dispersion)
    ref_rng = reference.Xoshiro256(*STREAM)
    hairs = 0
    for i in range(n_packets):
        s_out, j_out, d_out, mu2_out, specular, r, cum = reference.event(
            ref_rng, m1, m2, parsed, side[i], branch[i], omega[i], d[i], normals[i], dispersion)
        assert bool(out[i, 6]) == specular, i
        if (out[i, 0], out[i, 1]) != (s_out, j_out):  # only a table-interpolation hair from a threshold
            hairs += 1
            assert specular and np.min(np.abs(cum - r)) < 1e-6, i
            continue
        np.testing.assert_allclose(out[i, 2:5], d_out, atol=1e-12, err_msg=str(i))
        assert out[i, 5] == pytest.approx(mu2_out, abs=1e-12)
    assert hairs <= 2


def test_scatter_rejects_packets_moving_away():
    normals = np.array([[0.0, 0.0, 1.0]])
    iface = events.interface_tables(SI, GE, need_specular=False)
    with pytest.raises(ValueError, match="towards the interface"):
        events.scatter(iface, parse_model("dmm").specularity, STREAM, [1], [0], [1e12], normals, normals)


# ------------------------------------------------------------------ polarization between events
@nb.njit
def _carry(seed, j, d, n_out, n_next, count):
    """Polarization of a packet leaving an event with normal n_out in direction d, resolved at
    a next event with normal n_next, `count` times: returns how often it is SH there."""
    state = _stream(seed, 0, 0, 0)
    p = events._polarization(j, d[0], d[1], d[2], n_out[0], n_out[1], n_out[2])
    sh = 0
    for _ in range(count):
        sh += events._resolve_transverse(state, p[0], p[1], p[2], d[0], d[1], d[2],
                                         n_next[0], n_next[1], n_next[2]) == 2
    return sh, p


def test_polarization_is_kept_for_parallel_normals_and_projected_for_tilted_ones():
    d = np.array([0.6, 0.0, 0.8])
    z = np.array([0.0, 0.0, 1.0])
    for j in (1, 2):  # parallel normals (flat interface, slab): SV stays SV, SH stays SH
        sh, p = _carry(1, j, d, z, -z, 2000)
        assert sh == (2000 if j == 2 else 0)
        p = np.array(p)
        assert abs(np.linalg.norm(p) - 1) < 1e-12 and abs(p @ d) < 1e-12
        h = np.cross(d, z) / np.linalg.norm(np.cross(d, z))
        assert abs(p @ h) == pytest.approx(1.0 if j == 2 else 0.0, abs=1e-12)
    # a normal tilted about d: SH with probability (p·ĥ')², here cos²(angle between the planes)
    tilt = np.radians(35.0)
    axis = d / np.linalg.norm(d)
    K = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    R = np.eye(3) + math.sin(tilt) * K + (1 - math.cos(tilt)) * K @ K
    n_next = R @ z
    count = 100_000
    sh, p = _carry(2, 2, d, z, n_next, count)
    h_next = np.cross(d, n_next) / np.linalg.norm(np.cross(d, n_next))
    expected = float(np.array(p) @ h_next) ** 2
    assert 0.2 < expected < 0.8  # the test can tell a projection from keeping or flipping the label
    assert within(sh, count, expected)


# ------------------------------------------------------------------ kernel cache
def test_kernel_cache_is_stamped_with_the_whole_package_source(tmp_path):
    """A kernel inlines events.py, so its cache must go stale when events.py changes, not only
    when its own file does."""
    import shutil

    from phononmc.mc import cache, interface

    assert interface._transport._cache._impl.locator.get_source_stamp() == cache.SOURCE_STAMP
    copy = tmp_path / "phononmc"
    shutil.copytree(cache.PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert cache.source_stamp(copy) == cache.SOURCE_STAMP
    events_py = copy / "mc" / "events.py"
    events_py.write_text(events_py.read_text() + "\n# an edit\n")
    assert cache.source_stamp(copy) != cache.SOURCE_STAMP
