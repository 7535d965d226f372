"""The von Mises-Fisher distribution for NumPyro: ``logbessel.numpyro.VonMisesFisher``, a
``numpyro.distributions.Distribution`` with reparameterized sampling, and the KL divergence
between two of them (registered with ``numpyro.distributions.kl.kl_divergence``).

    f(x; mu, kappa) = C_p(kappa) exp(kappa mu^T x)   on the unit sphere S^{p-1} of R^p.

Everything is built from the public functions of ``logbessel.jax`` (the normalizer
``vmf_log_normalizer`` with its JVP -A_p(kappa), ``iv_ratio``, ``iv_ratio_complement``,
``log_ive``), so it is traceable: ``jax.jit``, ``jax.grad``, ``jax.vmap``, NumPyro's SVI,
and NUTS for models with vMF observations (a latent vMF site needs a bijection onto the
sphere, which NumPyro does not have). jax and numpyro are imported when this module is
imported, never by ``import logbessel``. (The file is logbessel/numpyro.py; with absolute
imports, ``numpyro`` below is the NumPyro package.)

Sampling. The cosine w = mu^T x is drawn exactly: by inversion for p = 3, by Wood's (1994)
rejection sampler otherwise, in the overflow-free form of ``logbessel.vmf`` (every quantity
O(1) or a product of O(1) factors), its Beta((p-1)/2, (p-1)/2) proposal from two gamma
variates by Marsaglia and Tsang's method. The rejection loop is a ``lax.while_loop`` over all
the draws at once: every lane proposes in every round until all have accepted (a round
accepts with probability > 0.59 for every p and kappa, so a few rounds; a lane still
rejected after ``_WOOD_MAX_ROUNDS`` rounds, which does not happen unless a test is broken,
is NaN). With ``jax_enable_x64`` the angle is drawn in float64 also for float32 parameters,
as the torch version does; without it, in float32. The direction orthogonal to mu comes
from normals, and one Householder reflection carries e1 onto mu: O(p) per sample, no p x p
matrix. Gradients in ``loc`` are those of the reflection (JAX's own autodiff; the sample
uses loc / ||loc||, so the gradient lies in the tangent space of the sphere).

Gradients in kappa: implicit reparameterization (Figurnov, Mohamed and Mnih, 2018). With
theta = arccos w and H its CDF held fixed at the drawn value, d theta / d kappa =
-(dH/d kappa) / h(theta), h the density of theta (proportional to exp(kappa cos t)
sin^{p-2} t on [0, pi]); since d/d kappa of log h is cos t - A_p(kappa),

    d theta / d kappa = -int_0^theta (cos t - A) h(t)/h(theta) dt          (cos theta >= A)
                      = -int_theta^pi (A - cos t) h(t)/h(theta) dt         (cos theta < A).

Each draw takes the form whose integrand has one sign; cos t - A = (1 - A) - 2 sin^2(t/2)
with 1 - A from ``iv_ratio_complement``; h(t)/h(theta) in log space with the differences of
cosines and sines written as products of sines. The integrand is a bump of the width of the
distribution of theta, decaying at least exponentially away from theta: 16-point
Gauss-Legendre rules on 8 panels of doubling width from theta, the first of width
1 / (|l'(theta)| + sqrt|l''(theta)|), l = log h (the scheme of ``logbessel._torch_vmf``,
checked there against mpmath quadrature at 30 digits; the tests here check the port against
the same reference). The rule is a ``jax.custom_jvp`` of the drawn angle: the quadrature
runs only when a derivative is taken.

A_p'(kappa) (the derivative of the mean, of the entropy and of the KL) is written from the
registry functions as A_p (1/kappa - (A_p - A_{p+2})) (DLMF 10.29.2), the difference taken
as (1 - A_{p+2}) - (1 - A_p) where A_p >= 1/2; for kappa >= k_s(p) (about 3 (p - 1)/2, and
>= 25) by the large-kappa series of ``logbessel._vmf_stats`` (sum n c_n kappa^-(n+1)), whose
coefficients depend on p only and are computed once per p in Python: no cancellation for
kappa >> p, where the closed form would lose a factor ~kappa/p (all digits in float32 at
kappa = 1e6). Below k_s it loses ~p eps at most (as ``logbessel._vmf_stats.dA`` does).
"""
from __future__ import annotations

import functools
import itertools
import math

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from numpyro.distributions import constraints
from numpyro.distributions.distribution import Distribution
from numpyro.distributions.kl import kl_divergence
from numpyro.distributions.util import validate_sample

from . import jax as _lbj
from ._vmf_stats import one_minus_A_terms

__all__ = ["VonMisesFisher"]

_LOG_2PI = math.log(2.0 * math.pi)


def _x64():
    return jax.dtypes.canonicalize_dtype(jnp.float64) == jnp.float64


# --------------------------------------------------------------------------------------
# A_p(kappa), A_p'(kappa), the entropy
# --------------------------------------------------------------------------------------

# The large-kappa series of A_p'(kappa): terms kept, and the size of the last ones
# (relative to the first) at the threshold kappa = k_s(p).
_SERIES_TERMS = 48
_SERIES_TAIL = 1e-17


@functools.lru_cache(maxsize=None)
def _dA_series(p):
    """(k_s, e) with A_p'(kappa) = (1/kappa) sum_{n=1}^{N} e_n r^n, r = k_s/kappa <= 1,
    for kappa >= k_s, from the terms c_n kappa^-n of 1 - A_p =
    sum_n c_n kappa^-n (``logbessel._vmf_stats.one_minus_A_terms``): A' = sum n c_n
    kappa^-(n+1), so e_n = n c_n k_s^-n. k_s is the smallest kappa >= max(3m, 25), m =
    (p - 1)/2, on a grid of ratio 1.05, at which the last four terms n c_n kappa^-n are below
    1e-17 m/kappa."""
    m = 0.5 * (p - 1.0)
    u = min(1.0 / 3.0, m / 25.0)  # m / kappa
    while True:
        terms = list(itertools.islice(one_minus_A_terms(m, u / m), _SERIES_TERMS))
        if max(n * abs(terms[n - 1]) for n in range(_SERIES_TERMS - 3, _SERIES_TERMS + 1)) <= _SERIES_TAIL * u:
            break
        u /= 1.05
    return m / u, np.array([n * t for n, t in enumerate(terms, start=1)])


def _dA(p, kappa):
    """A_p'(kappa) = Var(mu^T x) > 0, elementwise, in kappa's dtype (no derivative): the
    Taylor polynomial 1/p - 3 kappa^2/(p^2 (p+2)) below kappa = 1e-4, the series above
    k_s(p), A_p (1/kappa - (A_p - A_{p+2})) between (see the module's docstring)."""
    k_s, e = _dA_series(p)
    half = 0.5 * p
    a = _lbj.iv_ratio(half, kappa)
    diff = jnp.where(a >= 0.5,
                     _lbj.iv_ratio_complement(half + 1.0, kappa)
                     - _lbj.iv_ratio_complement(half, kappa),
                     a - _lbj.iv_ratio(half + 1.0, kappa))
    tiny = kappa < 1e-4
    direct = a * (1.0 / jnp.where(tiny, 1.0, kappa) - diff)
    high = kappa >= k_s
    r = k_s / jnp.where(high, kappa, k_s)
    series = r * jnp.polyval(e[::-1].astype(kappa.dtype), r) / jnp.where(high, kappa, k_s)
    taylor = 1.0 / p - 3.0 * kappa * kappa / (p * p * (p + 2.0))
    return jnp.where(tiny, taylor, jnp.where(high, series, direct))


@functools.partial(jax.custom_jvp, nondiff_argnums=(0,))
def _mean_resultant_length(p, kappa):
    """A_p(kappa) = I_{p/2}(kappa) / I_{p/2-1}(kappa), JVP A_p'(kappa)."""
    return _lbj.iv_ratio(0.5 * p, kappa)


@_mean_resultant_length.defjvp
def _mean_resultant_length_jvp(p, primals, tangents):
    (kappa,), (dk,) = primals, tangents
    return _mean_resultant_length(p, kappa), _dA(p, kappa) * dk


def _log_normalizer(p, kappa):
    """log C_p(kappa) (p passed as a float: the JVP of vmf_log_normalizer in p needs a
    floating-point p)."""
    return _lbj.vmf_log_normalizer(float(p), kappa)


@functools.partial(jax.custom_jvp, nondiff_argnums=(0,))
def _entropy(p, kappa):
    """-log C_p(kappa) - kappa A_p(kappa), JVP -kappa A_p'(kappa). For kappa >= 1 the two
    kappa-sized terms are cancelled analytically: with nu = p/2 - 1, log C_p(kappa) =
    nu log kappa - (p/2) log 2 pi - log I_nu(kappa) and kappa A_p = kappa - kappa (1 - A_p),
        H = (p/2) log 2 pi - nu log kappa + log(I_nu(kappa) e^-kappa) + kappa (1 - A_p),
    from log_ive and iv_ratio_complement; below kappa = 1, kappa A_p <= 1 and the direct
    form is exact."""
    nu = 0.5 * p - 1.0
    direct = -_log_normalizer(p, kappa) - kappa * _lbj.iv_ratio(0.5 * p, kappa)
    big = kappa >= 1.0
    k = jnp.where(big, kappa, 1.0)
    scaled = (0.5 * p * _LOG_2PI - nu * jnp.log(k) + _lbj.log_ive(nu, k)
              + k * _lbj.iv_ratio_complement(0.5 * p, k))
    return jnp.where(big, scaled, direct)


@_entropy.defjvp
def _entropy_jvp(p, primals, tangents):
    (kappa,), (dk,) = primals, tangents
    return _entropy(p, kappa), -kappa * _dA(p, kappa) * dk


# --------------------------------------------------------------------------------------
# sampling: the angle to mu
# --------------------------------------------------------------------------------------

# Rounds of the rejection loop before giving up (NaN): never reached unless a test is
# broken (Wood's acceptance probability is >= 0.657 for every p and kappa, the gamma
# steps' >= 0.95 each, so a round accepts with probability > 0.59 and 60 rounds leave a
# chance below 1e-23 per draw).
_WOOD_MAX_ROUNDS = 60


def _wood_envelope(p, kappa):
    """Wood's b, kappa b, b 2^E and 2^E (``logbessel.vmf._wood_envelope`` elementwise; the
    scaling 2^E, for kappa > 2^900, only in float64)."""
    pm1 = p - 1.0
    safe = jnp.where(kappa > 0, kappa, 1.0)
    b_small = pm1 / (2.0 * kappa + jnp.hypot(2.0 * kappa, pm1))
    kb_large = pm1 / (2.0 + jnp.hypot(2.0, pm1 / safe))
    if kappa.dtype == jnp.float64:
        e = jnp.where(kappa > 2.0 ** 900, 600, 0)
    else:
        e = jnp.zeros(kappa.shape, jnp.int32)
    bs_large = kb_large / jnp.ldexp(safe, -e)
    small = kappa <= pm1
    zero = kappa == 0
    b = jnp.where(zero, 1.0, jnp.where(small, b_small, kb_large / safe))
    kb = jnp.where(zero, 0.0, jnp.where(small, kappa * b_small, kb_large))
    bs = jnp.where(zero, 1.0, jnp.where(small, b_small, bs_large))
    scale = jnp.ldexp(jnp.ones_like(kappa), e)
    return b, kb, bs, scale


# Marsaglia and Tsang's (2000) gamma sampler, with its acceptance test written without
# cancellation: log1p(y) - y = -y^2/(2 + y) + 2 sum_{j>=1} s^(2j+1)/(2j+1), s = y/(2 + y)
# (from log1p(y) = 2 atanh(s)), for |y| <= 1/2 (|s| <= 1/3: 16 terms reach 1e-17)
_ATANH_TERMS = 16
_ATANH_COEFFS = 1.0 / (2.0 * np.arange(_ATANH_TERMS, 0, -1) + 1.0)   # 1/33, ..., 1/3


def _log1p_minus(y):
    """log1p(y) - y, to full relative accuracy for y > -1."""
    small = jnp.abs(y) <= 0.5
    ys = jnp.where(small, y, 0.0)
    s = ys / (2.0 + ys)
    s2 = s * s
    tail = s2 * jnp.polyval(_ATANH_COEFFS.astype(y.dtype), s2)
    series = -ys * ys / (2.0 + ys) + 2.0 * s * tail
    return jnp.where(small, series, jnp.log1p(jnp.maximum(y, -1.0)) - y)


def _box_muller(u1, u2):
    """Two independent standard normals from two independent uniforms on [0, 1) (Box and
    Muller, 1958; 1 - u1 is in (0, 1]). Cheaper to compile than erf^-1 inside the loop."""
    r = jnp.sqrt(-2.0 * jnp.log1p(-u1))
    return r * jnp.cos(2.0 * math.pi * u2), r * jnp.sin(2.0 * math.pi * u2)


def _gamma_proposal(x, u, u_boost, a):
    """(g, ok): one round of Marsaglia and Tsang's method for Gamma(a), a >= 1/2, from the
    standard normals x, the uniforms u (the test) and, for a < 1, u_boost (through
    Gamma(a + 1) U^(1/a)); g ~ Gamma(a) given ok. With y = x / sqrt(9 d), d = a' - 1/3,
    v = (1 + y)^3, the test log U < x^2/2 + d (1 - v + log v) is taken as
    log U < x^2/2 + d (3 (log1p(y) - y) - 3 y^2 - y^3), whose terms of size d cancel
    analytically (the leading ones, x^2/2 against 4.5 d y^2, to an error of eps x^2)."""
    boost = a < 1.0
    ap = a + 1.0 if boost else a
    d = ap - 1.0 / 3.0
    y = x / math.sqrt(9.0 * d)
    ok = (y > -1.0) & (jnp.log(u) < 0.5 * x * x + d * (
        3.0 * _log1p_minus(y) - y * y * (3.0 + y)))
    g = d * (1.0 + y) ** 3
    if boost:
        g = g * u_boost ** (1.0 / a)
    return g, ok


def _wood_t(key, p, kappa):
    """t = 1 - w for every element of kappa (a flat array, kappa >= 0): Wood (1994) in the
    form of ``logbessel.vmf._wood_w``; all lanes propose in every round of a
    lax.while_loop until all have accepted. Z ~ Beta(a, a), a = (p-1)/2, and 1 - Z, each to
    full relative accuracy, from two gamma variates drawn in the same round (a lane accepts
    when both gamma tests and Wood's pass: rejection steps on independent draws compose).
    One call of the generator per round: the uniforms of all the steps at once."""
    pm1 = p - 1.0
    dtype = kappa.dtype
    b, kb, bs, scale = _wood_envelope(p, kappa)
    a = 0.5 * pm1
    rows = 7 if a < 1.0 else 5       # 2 Box-Muller, 2 gamma tests, (2 boosts), Wood's test

    def propose(u):
        x = jnp.stack(_box_muller(u[0], u[1]))
        g, g_ok = _gamma_proposal(x, u[2:4], u[4:6] if rows == 7 else None, a)
        sg = g[0] + g[1]
        z, omz = g[0] / sg, g[1] / sg                  # Beta(a, a) and 1 - it, exactly
        den = omz * scale + bs * z
        one_m_w = (2.0 * bs) * z / den
        q = (omz - z) * scale / den
        lhs = (2.0 * kb) * (q / (1.0 + b)) + pm1 * jnp.log1p(-(0.5 * (1.0 - b)) * q)
        return one_m_w, g_ok[0] & g_ok[1] & (lhs >= jnp.log(u[-1]))   # NaN (z = 1) rejects

    def cond(state):
        i, _, done = state
        return (i < _WOOD_MAX_ROUNDS) & ~jnp.all(done)

    def body(state):
        i, t, done = state
        # (drawn flat: XLA on the CPU compiled the generator for a 2-d shape slower)
        u = jax.random.uniform(jax.random.fold_in(key, i), (rows * kappa.size,), dtype)
        t_new, ok = propose(u.reshape((rows,) + kappa.shape))
        return i + 1, jnp.where(ok & ~done, t_new, t), done | ok

    init = (jnp.asarray(0, jnp.int32), jnp.zeros_like(kappa), jnp.zeros(kappa.shape, bool))
    _, t, done = lax.while_loop(cond, body, init)
    return jnp.where(done, t, jnp.nan)


def _p3_t(key, kappa):
    """t = 1 - w for p = 3 by inversion: 1 - w = -log1p(U expm1(-2 kappa)) / kappa (2 U at
    kappa = 0)."""
    u = jax.random.uniform(key, kappa.shape, kappa.dtype)
    safe = jnp.where(kappa > 0, kappa, 1.0)
    t = -jnp.log1p(u * jnp.expm1(-2.0 * safe)) / safe
    return jnp.clip(jnp.where(kappa > 0, t, 2.0 * u), 0.0, 2.0)


# 16-point Gauss-Legendre rule on [-1, 1], repeated on 8 panels [lam (2^j - 1),
# lam (2^(j+1) - 1)] of distance from theta
_GL_X, _GL_W = np.polynomial.legendre.leggauss(16)
_PANELS = 8
_PANEL_LO = np.repeat(2.0 ** np.arange(_PANELS) - 1.0, _GL_X.size)
_PANEL_HI = np.repeat(2.0 ** np.arange(1, _PANELS + 1) - 1.0, _GL_X.size)
_NODE = np.tile(0.5 * (1.0 + _GL_X), _PANELS)
_WEIGHT = np.tile(0.5 * _GL_W, _PANELS)


def _dtheta_dkappa(p, theta, kappa, comp):
    """d theta / d kappa at the drawn angles theta (same shape and dtype as kappa and comp
    = 1 - A_p(kappa)): the implicit reparameterization gradient, by the quadrature of the
    module's docstring. 0 at theta = 0 and pi."""
    dt = theta.dtype
    s, c = jnp.sin(theta), jnp.cos(theta)
    t = 2.0 * jnp.sin(0.5 * theta) ** 2                  # 1 - cos theta
    left = t <= comp                                      # cos theta >= A: integrate to 0
    sgn = jnp.where(left, -1.0, 1.0)                      # t = theta + sgn d
    length = jnp.where(left, theta, math.pi - theta)
    # the local scale lam = 1/(|l'| + sqrt|l''|), l = kappa cos + (p-2) log sin, with
    # sin theta factored out (nothing overflows for tiny sin theta)
    l1s = -kappa * s * s + (p - 2.0) * c
    l2s = -kappa * c * s * s - (p - 2.0)
    den = jnp.abs(l1s) + jnp.sqrt(jnp.abs(l2s))
    lam = jnp.where(den > 0, s / jnp.where(den > 0, den, 1.0), jnp.inf)
    lam = jnp.minimum(lam, length)[..., None]
    length = length[..., None]
    lo = jnp.minimum(lam * _PANEL_LO.astype(dt), length)
    h = jnp.minimum(lam * _PANEL_HI.astype(dt), length) - lo
    d = lo + h * _NODE.astype(dt)                         # distances from theta
    half = 0.5 * sgn[..., None] * d                       # (t - theta) / 2
    mid = theta[..., None] + half                         # (t + theta) / 2
    sh = jnp.sin(half)
    expo = kappa[..., None] * (-2.0 * jnp.sin(mid) * sh)  # kappa (cos t - cos theta)
    if p != 2:
        s_safe = jnp.where(s > 0, s, 1.0)[..., None]
        rsin = 2.0 * jnp.cos(mid) * sh / s_safe           # sin t / sin theta - 1
        expo = expo + (p - 2.0) * jnp.log1p(jnp.maximum(rsin, -1.0))
    s2 = 2.0 * jnp.sin(0.5 * theta[..., None] + half) ** 2   # 1 - cos t
    cc = comp[..., None]
    fac = jnp.where(left[..., None], cc - s2, s2 - cc)
    total = jnp.sum(h * _WEIGHT.astype(dt) * fac * jnp.exp(expo), axis=-1)
    return jnp.where((theta > 0) & (theta < math.pi), -total, 0.0)


@functools.partial(jax.custom_jvp, nondiff_argnums=(0,))
def _implicit_angle(p, kappa, theta, comp):
    """The drawn angle theta as a function of kappa: value theta, JVP d theta/d kappa
    (theta and comp = 1 - A_p(kappa) enter without derivative)."""
    return theta


@_implicit_angle.defjvp
def _implicit_angle_jvp(p, primals, tangents):
    kappa, theta, comp = primals
    return theta, _dtheta_dkappa(p, theta, kappa, comp) * tangents[0]


def _draw_angle(key, p, kappa, shape):
    """Angles theta = arccos(mu^T x) of the given shape (kappa broadcasts to it), each
    differentiable in kappa by implicit reparameterization."""
    k = lax.stop_gradient(kappa)
    comp = jnp.broadcast_to(_lbj.iv_ratio_complement(0.5 * p, k), shape)
    flat = jnp.broadcast_to(k, shape).reshape(-1)
    t = _p3_t(key, flat) if p == 3 else _wood_t(key, float(p), flat)
    theta = (2.0 * jnp.arcsin(jnp.minimum(jnp.sqrt(0.5 * t), 1.0))).reshape(shape)
    return _implicit_angle(p, jnp.broadcast_to(kappa, shape), theta, comp)


# --------------------------------------------------------------------------------------
# sampling: the direction, and the reflection onto mu
# --------------------------------------------------------------------------------------

def _reflect(key, sin, cos, mu):
    """x = H (y0 e1 + sin(theta) v): v uniform on the unit sphere orthogonal to e1 (normals
    z with z_1 = 0, divided by their norm), y0 = -s cos(theta), H = I - 2 u u^T/||u||^2 with
    u = e1 + s mu, s = sign(mu_1) (so ||u||^2 = 2 (1 + |mu_1|) >= 2: no cancellation),
    which maps e1 to -s mu; so mu^T x = cos(theta). Per sample, with scale = sin/||z||,
        x = scale z + (y0 - c) e1 - c s mu,   c = 2 (u0 y0 + s scale mu^T z) / ||u||^2,
    u0 = 1 + |mu_1|: O(p). sin, cos of shape S, mu broadcastable to S + (p,)."""
    p = mu.shape[-1]
    # (drawn flat: XLA on the CPU compiled the generator for a 3-d shape 3x slower)
    z = jax.random.normal(key, (sin.size * p,), mu.dtype).reshape(sin.shape + (p,))
    z = z.at[..., 0].set(0.0)
    s = jnp.where(mu[..., 0] >= 0, 1.0, -1.0).astype(mu.dtype)
    u0 = 1.0 + s * mu[..., 0]
    uu = u0 * u0 + jnp.sum(mu[..., 1:] ** 2, axis=-1)
    y0 = -s * cos
    nsq = jnp.sum(z * z, axis=-1)
    zero = (nsq == 0).astype(mu.dtype)      # (~never: p = 2 in float32) then v = e2
    z = z.at[..., 1].add(zero)
    scale = sin / jnp.sqrt(nsq + zero)
    c = (2.0 / uu) * (u0 * y0 + s * scale * jnp.sum(z * mu, axis=-1))
    x = scale[..., None] * z - (s * c)[..., None] * mu
    return x.at[..., 0].add(y0 - c)


# --------------------------------------------------------------------------------------
# the distribution: its methods' computations, compiled once per p, shapes and dtypes (so
# that calls outside jit do not dispatch, and compile, operation by operation; inside a
# trace they are inlined)
# --------------------------------------------------------------------------------------

@functools.partial(jax.jit, static_argnums=(0,))
def _log_prob(p, loc, kappa, value):
    return _log_normalizer(p, kappa) + kappa * jnp.sum(value * loc, axis=-1)


@functools.partial(jax.jit, static_argnums=(0,))
def _mean(p, loc, kappa):
    return _mean_resultant_length(p, kappa)[..., None] * loc


_entropy_jit = jax.jit(_entropy, static_argnums=(0,))


@functools.partial(jax.jit, static_argnums=(0, 2))
def _sample(p, key, shape, loc, kappa):
    dtype = loc.dtype
    angle_dtype = jnp.float64 if _x64() else dtype
    k_angle, k_dir = jax.random.split(key)
    theta = _draw_angle(k_angle, p, kappa.astype(angle_dtype), shape)
    mu = loc / jnp.linalg.norm(loc, axis=-1, keepdims=True)
    return _reflect(k_dir, jnp.sin(theta).astype(dtype), jnp.cos(theta).astype(dtype), mu)


@functools.partial(jax.jit, static_argnums=(0,))
def _kl(p, loc1, k1, loc2, k2):
    a1 = _mean_resultant_length(p, k1)
    gap = 0.5 * jnp.sum((loc1 - loc2) ** 2, axis=-1)
    return (_log_normalizer(p, k1) - _log_normalizer(p, k2) + a1 * (k1 - k2)
            + k2 * a1 * gap)


class VonMisesFisher(Distribution):
    """The von Mises-Fisher distribution on the unit sphere S^{p-1} of R^p.

    loc: array (..., p), unit vectors along the last axis (p >= 2); concentration: array
    broadcastable to loc.shape[:-1] (or a number), kappa >= 0 (kappa = 0 is the uniform
    distribution). batch_shape is the broadcast of loc.shape[:-1] and concentration.shape,
    event_shape is (p,). float32 and float64 (``jax_enable_x64``).

    log_prob(x) = log C_p(kappa) + kappa loc^T x with the exact log C_p, differentiable in
    loc and concentration. ``sample(key, sample_shape)`` is reparameterized in both
    (implicit reparameterization gradients in kappa, the Householder reflection in loc; see
    ``logbessel.numpyro``), works under jit and vmap. entropy, mean = A_p(kappa) loc, mode =
    loc, and ``kl_divergence(VonMisesFisher, VonMisesFisher)`` in closed form.
    """
    arg_constraints = {"loc": constraints.sphere, "concentration": constraints.nonnegative}
    reparametrized_params = ["loc", "concentration"]
    support = constraints.sphere

    def __init__(self, loc, concentration, validate_args=None):
        loc = jnp.asarray(loc)
        concentration = jnp.asarray(concentration)
        if loc.ndim < 1 or loc.shape[-1] < 2:
            raise ValueError(f"VonMisesFisher: loc must have shape (..., p) with p >= 2; got "
                             f"shape {tuple(loc.shape)}")
        dtype = jnp.result_type(loc, concentration, jnp.float32)
        if not jnp.issubdtype(dtype, jnp.floating) or jnp.finfo(dtype).bits < 32:
            raise TypeError(f"VonMisesFisher: float32 or float64 parameters are supported; "
                            f"got {dtype}")
        try:
            batch_shape = lax.broadcast_shapes(loc.shape[:-1], concentration.shape)
        except ValueError:
            raise ValueError(f"VonMisesFisher: the shape of concentration "
                             f"{tuple(concentration.shape)} does not broadcast with loc's "
                             f"batch shape {tuple(loc.shape[:-1])}") from None
        p = loc.shape[-1]
        self.loc = jnp.broadcast_to(loc.astype(dtype), batch_shape + (p,))
        self.concentration = jnp.broadcast_to(concentration.astype(dtype), batch_shape)
        super().__init__(batch_shape, (p,), validate_args=validate_args)

    @classmethod
    def infer_shapes(cls, loc=(), concentration=()):
        batch_shape = lax.broadcast_shapes(tuple(loc[:-1]), tuple(concentration))
        return batch_shape, tuple(loc[-1:])

    def expand(self, batch_shape):
        """The same distribution with its parameters broadcast to batch_shape (a
        VonMisesFisher again, so the KL and the reparameterized sampler still apply)."""
        batch_shape = tuple(batch_shape)
        if batch_shape == self.batch_shape:
            return self
        p = self.event_shape[0]
        new = VonMisesFisher.__new__(VonMisesFisher)
        new.loc = jnp.broadcast_to(self.loc, batch_shape + (p,))
        new.concentration = jnp.broadcast_to(self.concentration, batch_shape)
        Distribution.__init__(new, batch_shape, (p,), validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self):
        """A_p(kappa) loc."""
        return _mean(self.event_shape[0], self.loc, self.concentration)

    @property
    def mode(self):
        return self.loc

    @validate_sample
    def log_prob(self, value):
        return _log_prob(self.event_shape[0], self.loc, self.concentration, value)

    def entropy(self):
        """-log C_p(kappa) - kappa A_p(kappa) with the kappa-sized terms cancelled
        analytically; gradient -kappa A_p'(kappa)."""
        return _entropy_jit(self.event_shape[0], self.concentration)

    def sample(self, key, sample_shape=()):
        """Samples of shape sample_shape + batch_shape + (p,), differentiable in loc and
        concentration; O(p) per sample."""
        shape = tuple(sample_shape) + self.batch_shape
        return _sample(self.event_shape[0], key, shape, self.loc, self.concentration)

    def __repr__(self):
        return (f"VonMisesFisher(p: {self.event_shape[0]}, batch_shape: {self.batch_shape})")


@kl_divergence.register(VonMisesFisher, VonMisesFisher)
def _kl_vmf_vmf(p, q):
    """KL(vMF(mu1, k1) || vMF(mu2, k2)) = E_1[log f1 - log f2] with E_1[x] = A_p(k1) mu1:
        log C_p(k1) - log C_p(k2) + A_p(k1) (k1 - k2) + k2 A_p(k1) (1 - mu1^T mu2),
    with 1 - mu1^T mu2 = ||mu1 - mu2||^2 / 2 (no cancellation for close directions)."""
    dim = p.event_shape[0]
    if q.event_shape[0] != dim:
        raise ValueError(f"kl_divergence: the distributions live on spheres of different "
                         f"dimensions (p = {dim} and {q.event_shape[0]})")
    return _kl(dim, p.loc, p.concentration, q.loc, q.concentration)
