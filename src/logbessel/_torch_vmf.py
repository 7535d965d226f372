"""The von Mises-Fisher distribution for PyTorch: ``logbessel.torch.VonMisesFisher``, a
``torch.distributions.Distribution`` with reparameterized sampling, ``HypersphericalUniform``,
the KL divergences between them (registered with ``torch.distributions.kl``) and the
direction loss ``vmf_nll``. Loaded by ``logbessel.torch`` on first use of one of these names.

    f(x; mu, kappa) = C_p(kappa) exp(kappa mu^T x)   on the unit sphere S^{p-1} of R^p.

The normalizer and its gradient come from the operators of ``logbessel.torch``
(``vmf_log_normalizer``: d/dkappa log C_p = -A_p(kappa) = -iv_ratio(p/2, kappa)). A_p,
A_p' and the entropy are operators of the same namespace too (``logbessel::_vmf_*``, whose
kernels run ``logbessel.vmf``'s scalar code on the host), so log_prob, the KL divergences,
entropy, mean and vmf_nll trace into one graph under ``torch.compile(fullgraph=True)``
and work under ``torch.func``. The sampler does not: its rejection loop depends on the
values drawn (a graph break under ``torch.compile``).

Sampling (``rsample``). The angle theta = arccos(mu^T x) to the mean direction is drawn
exactly: by inversion for p = 3, by Wood's (1994) rejection sampler otherwise (the
overflow-free form of ``logbessel.vmf``, vectorised over the batch, in float64, on the
tensors' device with torch's generator). The direction orthogonal to mu comes from normals,
and one Householder reflection carries e1 onto mu, so a sample costs O(p) and never a
p x p matrix; the gradient in ``loc`` is that of these tensor operations.

The rejection step is not differentiable, so the gradient in kappa is the implicit
reparameterization gradient of Figurnov, Mohamed and Mnih (2018): with H the CDF of theta
held fixed at the drawn value, d theta/d kappa = -(dH/d kappa) / h(theta), h the density
of theta, proportional to exp(kappa cos t) sin^{p-2} t on [0, pi]. Since d/d kappa of
log h is cos t - A_p(kappa),

    d theta / d kappa = -int_0^theta (cos t - A) h(t)/h(theta) dt          (cos theta >= A)
                      = -int_theta^pi (A - cos t) h(t)/h(theta) dt         (cos theta < A)

(the two are equal: the integrand over [0, pi] has mean zero). Each sample takes the form
whose integrand is positive, so nothing cancels; cos t - A is formed as
(1 - A) - 2 sin^2(t/2) with 1 - A from ``iv_ratio_complement`` (kappa >> p), and
h(t)/h(theta) as exp(kappa (cos t - cos theta) + (p-2) log1p((sin t - sin theta)/sin theta))
with the differences written as products of sines, so the ratio never overflows and keeps
its digits for kappa up to 1e6 and p up to 32768 and beyond. The integrand is at most a
bump of the width of the distribution of theta (about 1/sqrt(kappa) or 1/sqrt(p)), and
decays at least exponentially away from theta: it is integrated by 16-point Gauss-Legendre
rules on 8 panels of doubling width lam, 2 lam, 4 lam, ... from theta (255 lam in all),
with lam = 1 / (|l'(theta)| + sqrt|l''(theta)|), l = log h, the local scale of the
integrand, the panels cut at 0 or pi. Against mpmath quadrature at 30 digits: relative
error 9.3e-15 at most over 19 points, p = 2 to 32768, kappa = 0 to 1e6, theta in the bulk
and in the tails (tests/test_torch_vmf.py allows 1e-13).
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch.distributions import constraints
from torch.distributions.distribution import Distribution
from torch.distributions.kl import register_kl

from . import _vmf_stats
from . import torch as _lbt
from . import vmf as _vmf
from ._arrays import UNIT_NORM_TOL

__all__ = ["VonMisesFisher", "HypersphericalUniform", "vmf_nll", "unit_sphere"]

# --------------------------------------------------------------------------------------
# the sphere constraint
# --------------------------------------------------------------------------------------


def _unit_tol(dtype):
    return UNIT_NORM_TOL[np.dtype(np.float32 if dtype in (torch.float32, torch.float16,
                                                           torch.bfloat16) else np.float64)]


class _UnitSphere(constraints.Constraint):
    """Unit vectors along the last axis: | ||x|| - 1 | <= 1e-5 (float64) or 1e-4 (float32),
    the tolerances of ``logbessel.vmf``."""
    event_dim = 1
    is_discrete = False

    def check(self, value):
        norm = torch.linalg.vector_norm(value, dim=-1)
        return (norm - 1.0).abs() <= _unit_tol(value.dtype)

    def __repr__(self):
        return "unit_sphere()"


#: The constraint "unit vector along the last axis" (torch has none).
unit_sphere = _UnitSphere()


# --------------------------------------------------------------------------------------
# A_p(kappa), A_p'(kappa), the entropy: operators (host code inside)
# --------------------------------------------------------------------------------------

def _to_host(t):
    return t.detach().to("cpu", torch.float64).numpy()


def _from_host(a, like):
    return torch.as_tensor(np.asarray(a, dtype=np.float64)).to(like.device, like.dtype)


def _host_elementwise(scalar_fn, kappa, p):
    """scalar_fn(p, k) for each element k of kappa, in float64 on the host (CPU or CUDA
    tensors; the result has kappa's dtype and device)."""
    k = _to_host(kappa)
    out = np.vectorize(lambda x: scalar_fn(float(p), float(x)), otypes=[np.float64])(k.ravel())
    return _from_host(out.reshape(k.shape), kappa)


def _kappa_op(name, impl):
    """The operator logbessel::NAME(Tensor kappa, float p), elementwise in kappa, with the
    same implementation on every device."""
    return _lbt._define_op(name, "(Tensor kappa, float p) -> Tensor",
                           {"CPU": impl, "CUDA": impl})


# A_p'(kappa): the cancellation-free form of ``logbessel._vmf_stats.dA``, on the host
_dA = _kappa_op("_vmf_dA", lambda kappa, p: _host_elementwise(_vmf_stats.dA, kappa, p))
_lbt._register_autograd(_dA, None, "logbessel.torch: A_p'(kappa) has no derivative formula")

# A_p(kappa) = iv_ratio(p/2, kappa), gradient A_p'(kappa)
_mean_resultant_length_op = _kappa_op(
    "_vmf_mean_resultant_length",
    lambda kappa, p: _lbt.ops.iv_ratio(torch.full_like(kappa, 0.5 * p), kappa))
_lbt._register_autograd(_mean_resultant_length_op, (_dA, None))

# the entropy -log C_p(kappa) - kappa A_p(kappa) (``logbessel.vmf``'s, which cancels the
# kappa-sized terms analytically; on the host), gradient -kappa A_p'(kappa)
_entropy = _kappa_op("_vmf_entropy", lambda kappa, p: _host_elementwise(_vmf._entropy, kappa, p))
_lbt._register_autograd(_entropy, (lambda kappa, p: -kappa * _dA(kappa, p), None))


def _mean_resultant_length(p, kappa):
    return _mean_resultant_length_op(kappa, float(p))


@torch.compiler.assume_constant_result
def _log_sphere_area(p):
    """log |S^{p-1}| = -log C_p(0)."""
    return -float(_vmf.log_normalizer(p, 0.0))


# --------------------------------------------------------------------------------------
# sampling: the angle to mu
# --------------------------------------------------------------------------------------

# Rounds of the rejection loop before giving up (as in logbessel.vmf: never reached unless
# the acceptance test is broken; the acceptance probability is >= 0.657 for every p, kappa).
_WOOD_MAX_ROUNDS = 200


def _wood_envelope(p, kappa):
    """Wood's b, k b, b 2^E and 2^E for a float64 tensor kappa (``logbessel.vmf.
    _wood_envelope`` elementwise; the branches not taken may hold inf or NaN)."""
    pm1 = p - 1.0
    two = torch.full_like(kappa, 2.0)
    b_small = pm1 / (2.0 * kappa + torch.hypot(2.0 * kappa, torch.full_like(kappa, pm1)))
    kb_large = pm1 / (2.0 + torch.hypot(two, pm1 / kappa))
    big = kappa > 2.0 ** 900
    e = torch.where(big, 600, 0).to(torch.int32)
    bs_large = kb_large / torch.ldexp(kappa, -e)
    small = kappa <= pm1
    zero = kappa == 0
    b = torch.where(zero, 1.0, torch.where(small, b_small, kb_large / kappa))
    kb = torch.where(zero, 0.0, torch.where(small, kappa * b_small, kb_large))
    bs = torch.where(zero, 1.0, torch.where(small, b_small, bs_large))
    scale = torch.ldexp(torch.ones_like(kappa), e)
    return b, kb, bs, scale


def _beta_pair(a, m, device):
    """Z ~ Beta(a, a) and 1 - Z, each to full relative accuracy (from two gammas)."""
    alpha = torch.full((2, m), a, dtype=torch.float64, device=device)
    g = torch._standard_gamma(alpha)
    s = g[0] + g[1]
    return g[0] / s, g[1] / s


def _wood_t(p, kappa, n):
    """t = 1 - w, w = mu^T x, shape (n, B), for p >= 2 and kappa of shape (B,) (float64):
    Wood (1994) in the form of ``logbessel.vmf._wood_w`` (every quantity O(1) or a product
    of O(1) factors, for every finite kappa >= 0); each round redraws the rejected ones."""
    pm1 = p - 1.0
    B = kappa.shape[0]
    b, kb, bs, scale = (v.expand(n, B).reshape(-1) for v in _wood_envelope(p, kappa))
    t = torch.empty(n * B, dtype=torch.float64, device=kappa.device)
    todo = torch.arange(n * B, device=kappa.device)
    for _ in range(_WOOD_MAX_ROUNDS):
        m = todo.shape[0]
        if m == 0:
            return t.reshape(n, B)
        z, omz = _beta_pair(0.5 * pm1, m, kappa.device)
        u = torch.rand(m, dtype=torch.float64, device=kappa.device)
        bb, kbb, bsb, sc = b[todo], kb[todo], bs[todo], scale[todo]
        den = omz * sc + bsb * z
        one_m_w = (2.0 * bsb) * z / den
        q = (omz - z) * sc / den
        lhs = (2.0 * kbb) * (q / (1.0 + bb)) + pm1 * torch.log1p(-(0.5 * (1.0 - bb)) * q)
        ok = lhs >= torch.log(u)          # NaN (Z = 1 exactly, tiny p) rejects
        t[todo[ok]] = one_m_w[ok]
        todo = todo[~ok]
    if todo.shape[0] == 0:
        return t.reshape(n, B)
    raise RuntimeError(f"rsample: Wood's rejection sampler accepted no proposal for "
                       f"{todo.shape[0]} draws in {_WOOD_MAX_ROUNDS} rounds (p = {p}); this "
                       f"should not happen, please report it")


def _p3_t(kappa, n):
    """t = 1 - w for p = 3 by inversion: 1 - w = -log1p(U expm1(-2 k)) / k, 2 U at k = 0."""
    u = torch.rand((n, kappa.shape[0]), dtype=torch.float64, device=kappa.device)
    safe = torch.where(kappa > 0, kappa, 1.0)
    t = -torch.log1p(u * torch.expm1(-2.0 * safe)) / safe
    return torch.where(kappa > 0, t, 2.0 * u).clamp(0.0, 2.0)


# 16-point Gauss-Legendre rule on [-1, 1], and the number of doubling panels
_GL_X, _GL_W = np.polynomial.legendre.leggauss(16)
_PANELS = 8


def _dtheta_dkappa(theta, kappa, p, A, C):
    """d theta / d kappa at the drawn angles theta (float64, shape (..., B)) for kappa, A =
    A_p(kappa), C = 1 - A_p(kappa) of shape (B,): the implicit reparameterization gradient
    (see the module's docstring for the formula and the quadrature). 0 at theta = 0 and pi."""
    dev = theta.device
    gx = torch.as_tensor(_GL_X, device=dev)
    gw = torch.as_tensor(_GL_W, device=dev)
    s, c = torch.sin(theta), torch.cos(theta)
    t = 2.0 * torch.sin(0.5 * theta) ** 2                 # 1 - cos theta
    left = t <= C                                          # cos theta >= A: integrate to 0
    sgn = torch.where(left, -1.0, 1.0)                     # t = theta + sgn d
    length = torch.where(left, theta, math.pi - theta)
    # local scale lam = 1/(|l'| + sqrt|l''|), l = kappa cos + (p-2) log sin, written with
    # sin theta factored out so that nothing overflows for tiny sin theta
    l1s = -kappa * s * s + (p - 2.0) * c                   # l'(theta) sin theta
    l2s = -kappa * c * s * s - (p - 2.0)                   # l''(theta) sin^2 theta
    den = l1s.abs() + l2s.abs().sqrt()
    lam = torch.where(den > 0, s / torch.where(den > 0, den, 1.0), math.inf)
    lam = torch.minimum(lam, length)
    total = torch.zeros_like(theta)
    s_safe = torch.where(s > 0, s, 1.0)
    for k in range(_PANELS):
        a = torch.minimum(lam * (2.0 ** k - 1.0), length)
        h = torch.minimum(lam * (2.0 ** (k + 1) - 1.0), length) - a
        d = a[..., None] + h[..., None] * (0.5 * (1.0 + gx))      # distances from theta
        half = 0.5 * sgn[..., None] * d                            # (t - theta) / 2
        mid = theta[..., None] + half                              # (t + theta) / 2
        sh = torch.sin(half)
        dcos = -2.0 * torch.sin(mid) * sh                          # cos t - cos theta
        rsin = 2.0 * torch.cos(mid) * sh / s_safe[..., None]       # sin t / sin theta - 1
        expo = kappa[..., None] * dcos
        if p != 2:
            expo = expo + (p - 2.0) * torch.log1p(rsin.clamp(min=-1.0))
        s2 = 2.0 * torch.sin(0.5 * theta[..., None] + half) ** 2          # 1 - cos t
        fac = torch.where(left[..., None], C[..., None] - s2, s2 - C[..., None])
        total = total + 0.5 * h * ((gw * fac * torch.exp(expo)).sum(-1))
    return torch.where((theta > 0) & (theta < math.pi), -total, 0.0)


class _Angle(torch.autograd.Function):
    """The drawn angle theta as a function of kappa: value theta, gradient d theta/d kappa
    (computed beforehand by _dtheta_dkappa)."""

    @staticmethod
    def forward(ctx, kappa, theta, dtheta):
        ctx.save_for_backward(dtheta)
        return theta

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, g):
        (dtheta,) = ctx.saved_tensors
        return g * dtheta, None, None


def _draw_theta(p, kappa, n, A=None, C=None):
    """n angles per batch element (shape (n, B), float64) and, when kappa (shape (B,)) needs
    a gradient, the same angles as a differentiable function of kappa."""
    k64 = kappa.detach().to(torch.float64)
    t = _p3_t(k64, n) if p == 3 else _wood_t(float(p), k64, n)
    theta = 2.0 * torch.asin(torch.sqrt(0.5 * t).clamp(max=1.0))
    if not (kappa.requires_grad and torch.is_grad_enabled()):
        return theta
    half = torch.full_like(k64, 0.5 * p)
    A = _lbt.ops.iv_ratio(half, k64)
    C = _lbt.ops.iv_ratio_complement(half, k64)
    dtheta = _dtheta_dkappa(theta, k64, float(p), A, C)
    kb = kappa.to(torch.float64).expand(n, -1)
    return _Angle.apply(kb, theta, dtheta)


# --------------------------------------------------------------------------------------
# sampling: the direction, and the reflection onto mu
# --------------------------------------------------------------------------------------

class _Reflect(torch.autograd.Function):
    """x = H (y0 e1 + sin(theta) v): v uniform on the unit sphere orthogonal to e1 (normals
    z with z_1 = 0, divided by their norm), y0 = -s cos(theta), and H = I - 2 u u^T/||u||^2
    with u = e1 + s mu, s = sign(mu_1) (so ||u||^2 >= 2: no cancellation for any mu), which
    maps e1 to -s mu; so mu^T x = cos(theta). Per sample, with scale = sin(theta)/||z||,
        x = scale z + (y0 - c) e1 - c s mu,   c = 2 (u0 y0 + s scale mu^T z) / ||u||^2,
    u0 = 1 + |mu_1|: O(p), no p x p matrix. Inputs sin, cos (n, B) and mu (B, p); the
    normals are drawn here. The backward is written out (five passes over the samples)."""

    @staticmethod
    def forward(ctx, sin, cos, mu):
        n, B = sin.shape
        p = mu.shape[1]
        dtype, device = mu.dtype, mu.device
        s = torch.where(mu[:, 0] >= 0, 1.0, -1.0).to(dtype)                  # (B,)
        u0 = 1.0 + s * mu[:, 0]
        uu = u0 * u0 + (mu[:, 1:] * mu[:, 1:]).sum(-1)
        y0 = -s * cos
        # (blocks of rows that stay in cache, as logbessel.vmf does on the CPU, were slower
        # here: torch parallelises each operation, and many small parallel regions cost
        # more than the passes over memory they save)
        z = torch.randn((n, B, p), dtype=dtype, device=device)
        z[..., 0] = 0.0
        nsq = torch.einsum("nbp,nbp->nb", z, z)
        zero = (nsq == 0).to(dtype)               # (~never: p = 2 in float32) then v = e2
        z[..., 1] += zero
        nrm = (nsq + zero).sqrt()
        mz = torch.einsum("nbp,bp->nb", z, mu)
        scale = sin / nrm
        c = (2.0 / uu) * (u0 * y0 + s * scale * mz)
        keep = any(ctx.needs_input_grad)
        x = torch.mul(z, scale[..., None], out=torch.empty_like(z) if keep else z)
        x.addcmul_((-s * c)[..., None], mu)
        x[..., 0] += y0 - c
        if keep:
            ctx.save_for_backward(z, mu, sin, y0, nrm, mz, c, s, u0, uu)
        return x

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, g):
        z, mu, sin, y0, nrm, mz, c, s, u0, uu = ctx.saved_tensors
        g = g.contiguous()
        gz = torch.einsum("nbp,nbp->nb", g, z)
        gmu = torch.einsum("nbp,bp->nb", g, mu)
        g1 = g[..., 0]
        scale = sin / nrm
        gc = -(g1 + s * gmu)                                   # dL/dc
        g_scale = gz + gc * (2.0 * s / uu) * mz
        g_y0 = g1 + gc * (2.0 * u0 / uu)
        g_mz = gc * (2.0 * s / uu) * scale
        g_u0 = (gc * 2.0 * y0 / uu).sum(0)
        g_uu = -(gc * c / uu).sum(0)
        # mu enters through -c s mu, mu^T z, u0 = 1 + s mu_1 and uu = u0^2 + sum_{j>1} mu_j^2
        d_mu = torch.einsum("nb,nbp->bp", -s * c, g) + torch.einsum("nb,nbp->bp", g_mz, z)
        d_mu[:, 1:] += 2.0 * g_uu[:, None] * mu[:, 1:]
        d_mu[:, 0] += s * (g_u0 + 2.0 * u0 * g_uu)
        d_sin = g_scale / nrm
        d_cos = -s * g_y0
        return d_sin, d_cos, d_mu


# --------------------------------------------------------------------------------------
# the distributions
# --------------------------------------------------------------------------------------

def _float_dtype(*tensors):
    dts = [t.dtype for t in tensors if isinstance(t, torch.Tensor) and t.is_floating_point()]
    dtype = dts[0] if dts else torch.get_default_dtype()
    for d in dts[1:]:
        dtype = torch.promote_types(dtype, d)
    if dtype not in (torch.float32, torch.float64):
        raise TypeError(f"VonMisesFisher: float32 or float64 tensors are supported; got "
                        f"{dtype}")
    return dtype


class VonMisesFisher(Distribution):
    """The von Mises-Fisher distribution on the unit sphere S^{p-1} of R^p.

    loc: tensor (..., p), unit vectors along the last axis (p >= 2); concentration: tensor
    broadcastable to loc.shape[:-1] (or a number), kappa >= 0. batch_shape is the broadcast
    of loc.shape[:-1] and concentration.shape, event_shape is (p,). CPU and CUDA tensors,
    float32 and float64.

    log_prob(x) = log C_p(kappa) + kappa loc^T x with the exact log C_p (differentiable in
    loc and concentration); rsample is reparameterized in both (implicit reparameterization
    gradients in kappa, see ``logbessel._torch_vmf``); entropy, mean = A_p(kappa) loc, mode
    = loc. The gradient of rsample in loc is taken with loc / ||loc||, so it lies in the
    tangent space of the sphere.
    """
    arg_constraints = {"loc": unit_sphere, "concentration": constraints.nonnegative}
    support = unit_sphere
    has_rsample = True

    def __init__(self, loc, concentration, validate_args=None):
        if not isinstance(loc, torch.Tensor):
            raise TypeError(f"VonMisesFisher: loc must be a tensor of shape (..., p); got "
                            f"{type(loc).__name__}")
        dtype = _float_dtype(loc, concentration)
        if loc.dim() < 1 or loc.shape[-1] < 2:
            raise ValueError(f"VonMisesFisher: loc must have shape (..., p) with p >= 2; got "
                             f"shape {tuple(loc.shape)}")
        loc = loc.to(dtype)
        concentration = torch.as_tensor(concentration, dtype=dtype, device=loc.device)
        try:
            batch_shape = torch.broadcast_shapes(loc.shape[:-1], concentration.shape)
        except RuntimeError:
            raise ValueError(f"VonMisesFisher: the shape of concentration "
                             f"{tuple(concentration.shape)} does not broadcast with loc's "
                             f"batch shape {tuple(loc.shape[:-1])}") from None
        self.dim = int(loc.shape[-1])
        self.loc = loc.expand(batch_shape + (self.dim,))
        self.concentration = concentration.expand(batch_shape)
        super().__init__(batch_shape, torch.Size((self.dim,)), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(VonMisesFisher, _instance)
        batch_shape = torch.Size(batch_shape)
        new.dim = self.dim
        new.loc = self.loc.expand(batch_shape + (self.dim,))
        new.concentration = self.concentration.expand(batch_shape)
        super(VonMisesFisher, new).__init__(batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self):
        """A_p(kappa) loc."""
        return _mean_resultant_length(self.dim, self.concentration)[..., None] * self.loc

    @property
    def mode(self):
        return self.loc

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        log_c = _lbt.vmf_log_normalizer(self.dim, self.concentration)
        return log_c + self.concentration * torch.linalg.vecdot(value, self.loc)

    def entropy(self):
        """-log C_p(kappa) - kappa A_p(kappa), to a few eps of max(1, |H|) for every kappa
        (``logbessel.vmf.VonMisesFisher.entropy``); gradient -kappa A_p'(kappa)."""
        return _entropy(self.concentration, float(self.dim))

    def rsample(self, sample_shape=torch.Size()):
        """Samples of shape sample_shape + batch_shape + (p,), differentiable in loc and
        concentration (O(p) per sample)."""
        shape = self._extended_shape(sample_shape)
        n = int(math.prod(sample_shape))
        p = self.dim
        B = int(math.prod(self.batch_shape))
        kappa = self.concentration.reshape(B)
        loc = self.loc.reshape(B, p)
        theta = _draw_theta(p, kappa, n).to(loc.dtype)                 # (n, B)
        mu = loc / torch.linalg.vector_norm(loc, dim=-1, keepdim=True)
        x = _Reflect.apply(torch.sin(theta), torch.cos(theta), mu)
        return x.reshape(shape)

    def sample(self, sample_shape=torch.Size()):
        with torch.no_grad():
            return self.rsample(sample_shape)

    def __repr__(self):
        return (f"VonMisesFisher(p: {self.dim}, loc: {tuple(self.loc.shape)}, concentration: "
                f"{tuple(self.concentration.shape)})")


class HypersphericalUniform(Distribution):
    """The uniform distribution on the unit sphere S^{dim-1} of R^dim (the vMF at kappa = 0):
    event_shape (dim,), batch_shape () unless given."""
    arg_constraints = {}
    support = unit_sphere
    has_rsample = False

    def __init__(self, dim, batch_shape=torch.Size(), validate_args=None, *, dtype=None,
                 device=None):
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or dim < 2:
            raise ValueError(f"HypersphericalUniform: dim must be an integer >= 2; got {dim!r}")
        self.dim = int(dim)
        self._dtype = dtype if dtype is not None else torch.get_default_dtype()
        self._device = torch.device(device) if device is not None else torch.device("cpu")
        self._log_area = _log_sphere_area(self.dim)
        super().__init__(torch.Size(batch_shape), torch.Size((self.dim,)),
                         validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(HypersphericalUniform, _instance)
        new.dim, new._dtype, new._device, new._log_area = (self.dim, self._dtype, self._device,
                                                           self._log_area)
        super(HypersphericalUniform, new).__init__(torch.Size(batch_shape), self.event_shape,
                                                   validate_args=False)
        new._validate_args = self._validate_args
        return new

    def sample(self, sample_shape=torch.Size()):
        with torch.no_grad():
            z = torch.randn(self._extended_shape(sample_shape), dtype=self._dtype,
                            device=self._device)
            return z / torch.linalg.vector_norm(z, dim=-1, keepdim=True)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        shape = torch.broadcast_shapes(value.shape[:-1], self.batch_shape)
        return torch.full(shape, -self._log_area, dtype=value.dtype, device=value.device)

    def entropy(self):
        return torch.full(self.batch_shape, self._log_area, dtype=self._dtype,
                          device=self._device)

    def __repr__(self):
        return f"HypersphericalUniform(dim: {self.dim})"


def _check_same_dim(p, q):
    if p.dim != q.dim:
        raise ValueError(f"kl_divergence: the distributions live on spheres of different "
                         f"dimensions (p = {p.dim} and {q.dim})")


@register_kl(VonMisesFisher, HypersphericalUniform)
def _kl_vmf_uniform(p, q):
    """KL(vMF || uniform) = log |S^{p-1}| - H(vMF) = log C_p(kappa) - log C_p(0) + kappa A_p,
    from the entropy (no kappa-sized cancellation); gradient kappa A_p'(kappa) >= 0."""
    _check_same_dim(p, q)
    kl = q._log_area - p.entropy()
    return kl.expand(torch.broadcast_shapes(p.batch_shape, q.batch_shape))


@register_kl(VonMisesFisher, VonMisesFisher)
def _kl_vmf_vmf(p, q):
    """KL(vMF(mu1, k1) || vMF(mu2, k2)) = E_1[log f1 - log f2] with E_1[x] = A_p(k1) mu1:
        log C_p(k1) - log C_p(k2) + A_p(k1) (k1 - k2) + k2 A_p(k1) (1 - mu1^T mu2),
    with 1 - mu1^T mu2 = ||mu1 - mu2||^2 / 2 (no cancellation for close directions)."""
    _check_same_dim(p, q)
    k1, k2 = p.concentration, q.concentration
    a1 = _mean_resultant_length(p.dim, k1)
    gap = 0.5 * ((p.loc - q.loc) ** 2).sum(-1)
    return (_lbt.vmf_log_normalizer(p.dim, k1) - _lbt.vmf_log_normalizer(p.dim, k2)
            + a1 * (k1 - k2) + k2 * a1 * gap)


# --------------------------------------------------------------------------------------
# the direction loss
# --------------------------------------------------------------------------------------

_REDUCTIONS = ("none", "mean", "sum")


def vmf_nll(direction, kappa, target, reduction="mean"):
    """Negative log-likelihood of unit vectors ``target`` under vMF(direction, kappa):

        -log C_p(kappa) - kappa direction^T target,

    with the exact log C_p (p = direction.shape[-1] >= 2) and its exact kappa-derivative
    -A_p(kappa), for every kappa >= 0 and every p (no switch between approximations).

    direction: (..., p), unit vectors (used as given, not normalised: normalise a network's
    output with ``torch.nn.functional.normalize`` first); kappa: broadcastable to
    direction.shape[:-1], >= 0 (e.g. ``softplus`` of an output); target: (..., p), unit
    vectors. reduction: "none" (a tensor of the batch shape), "mean" or "sum", as in torch's
    losses. Raises ValueError for an unknown reduction, mismatched shapes and kappa < 0.
    """
    if reduction not in _REDUCTIONS:
        raise ValueError(f"vmf_nll: reduction must be 'none', 'mean' or 'sum'; got "
                         f"{reduction!r}")
    if not isinstance(direction, torch.Tensor) or not isinstance(target, torch.Tensor):
        raise TypeError("vmf_nll: direction and target must be tensors")
    if direction.dim() < 1 or direction.shape[-1] < 2:
        raise ValueError(f"vmf_nll: direction must have shape (..., p) with p >= 2; got "
                         f"{tuple(direction.shape)}")
    if target.shape != direction.shape:
        raise ValueError(f"vmf_nll: target must have the shape of direction "
                         f"{tuple(direction.shape)}; got {tuple(target.shape)}")
    if not isinstance(kappa, torch.Tensor):
        kappa = torch.as_tensor(kappa, dtype=direction.dtype, device=direction.device)
    batch = direction.shape[:-1]
    try:
        ok = torch.broadcast_shapes(kappa.shape, batch) == batch
    except RuntimeError:
        ok = False
    if not ok:
        hint = (" (it has a trailing axis of length 1: squeeze it)"
                if kappa.dim() == len(batch) + 1 and kappa.shape[-1] == 1 else "")
        raise ValueError(f"vmf_nll: kappa must broadcast to direction's batch shape "
                         f"{tuple(batch)}; got shape {tuple(kappa.shape)}{hint}")
    p = direction.shape[-1]
    nll = -(_lbt.vmf_log_normalizer(p, kappa) + kappa * torch.linalg.vecdot(direction, target))
    if nll.shape != batch:
        nll = nll.expand(batch)
    if reduction == "mean":
        return nll.mean()
    if reduction == "sum":
        return nll.sum()
    return nll
