r"""The sigmoid capability law and its least-squares fit with a bootstrap.

For model :math:`i` of family :math:`f` trained with :math:`C_i` FLOPs,

.. math::

    \mathrm{acc}_i = \chi + (\kappa - \chi)\,
        \sigma\!\big(s\,(\log_{10} C_i - m + u_f + \textstyle\sum_k \beta_k w_{ik})\big)
        + \varepsilon_i, \qquad u_f \sim N(0, \tau^2), \quad \varepsilon_i \sim N(0, \sigma_b^2),

with :math:`\chi` the benchmark's chance level (:data:`scaling.capability.data.CHANCE`),
:math:`\kappa \le 1` the fitted ceiling, :math:`m` the log10 compute at the curve's midpoint,
:math:`s` its slope per decade, :math:`u_f` the family's compute efficiency (a family with
:math:`u_f = 0.3` scores as a typical family with :math:`10^{0.3} = 2\times` the compute) and
optional terms :math:`w_{ik}` (log10 tokens per parameter over 20, years since 2023). This is the
sigmoid-in-log-compute form of the emergence and downstream-scaling literature (e.g. Ruan,
Maddison & Hashimoto 2024, arXiv:2405.10938, section 3; Owen 2024, *How predictable is language
model benchmark performance?*, arXiv:2401.04757), with family effects as random intercepts in log
compute, as Ruan et al. find families differ mainly in compute efficiency.

**Benchmarks fitted together.** A family's efficiency :math:`u_f` is one number for every
benchmark: the benchmark asked for and its companions (MMLU, ARC-C, HellaSwag, WinoGrande, GSM8K by
default) each have their own :math:`m_b, s_b, \kappa_b, \sigma_b` and share the offsets. Below
1e22 FLOPs most families score at chance on MMLU and GSM8K, so those alone cannot tell a late, steep
curve from an efficient family; the other benchmarks can.

**Priors** (penalties of the least squares, the Bayesian model's priors): :math:`\log s_b \sim
N(\log 1.5, 0.35^2)` and :math:`\mathrm{logit}\,((\kappa_b - \chi_b)/(1 - \chi_b)) \sim N(2, 1)`
(:data:`PRIOR_MEAN`, :data:`PRIOR_SD`), chosen on an inner split of the training models
(docs/capability.md).

**Fit** (``method="lsq"``). The family offsets are shrunk as random effects: the parameters
minimise :math:`\sum_i r_i^2/\sigma_b^2 + \sum_f u_f^2/\tau^2` plus the priors (Gauss-Newton,
``scipy.optimize.least_squares`` with the analytic Jacobian), and :math:`\sigma_b`
and :math:`\tau` are updated between solves by the EM step of a Laplace-approximated mixed
model, :math:`\tau^2 = \frac{1}{F}\sum_f (\hat u_f^2 + v_f)` with :math:`v_f = (h_f + \tau^{-2})^{-1}`
and :math:`h_f = \sum_{i\in f} (\partial \mu_i/\partial u_f)^2/\sigma_{b(i)}^2`, and
:math:`\sigma_b^2 = \mathrm{RSS}_b/(n_b - p_b)`. The bootstrap resamples models with
replacement (seeded) and refits each resample from the full-data optimum, with one EM step of
:math:`\sigma_b` and :math:`\tau`; the resamples are refitted together
(:mod:`scaling.capability.bootstrap`: the same minimiser, batched normal equations).
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import ScalingError
from .data import Design

__all__ = ["mean_accuracy", "log10_compute_for", "fit_lsq", "ceiling_prior", "curve", "new_model", "log10_compute",
           "BOUNDS", "MAX_OUTER", "PRIOR_MEAN", "PRIOR_SD"]

#: Range of the starting midpoint (log10 FLOPs); the other entries document the parameters' plausible ranges.
BOUNDS = {"midpoint": (15.0, 35.0), "log_slope": (math.log(0.05), math.log(20.0)), "ceiling_logit": (-12.0, 12.0),
          "beta": (-5.0, 5.0)}
MAX_OUTER = 30  # EM steps of (sigma, tau) in a full-data fit
BOOT_OUTER = 1  # EM steps in a bootstrap refit (started at the full-data optimum)
TAU_FLOOR = 1e-3
#: Weak priors (penalties of the least squares) on (log slope, ceiling logit).
PRIOR_MEAN = np.array([math.log(1.5), 2.0])
PRIOR_SD = np.array([0.35, 1.0])


def _sig(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # overflow-free logistic


def mean_accuracy(log10_compute, chance: float, midpoint, slope, ceiling, offset=0.0, shift=0.0):
    r"""The law's expected accuracy, :math:`\chi + (\kappa - \chi)\,\sigma(s(x - m + u + \beta\cdot w))`.

    Arguments broadcast (draws along a leading axis, models along the last).
    """
    z = slope * (np.asarray(log10_compute) - midpoint + offset + shift)
    return chance + (ceiling - chance) * _sig(z)


def log10_compute_for(score, chance: float, midpoint, slope, ceiling, offset=0.0, shift=0.0):
    r"""Least log10 compute at which the expected accuracy reaches ``score`` (the law inverted).

    .. math:: \log_{10} C = m - u - \beta\cdot w + \frac{1}{s}\,\mathrm{logit}\frac{a - \chi}{\kappa - \chi}

    ``NaN`` where the score is at or above the ceiling (never reached); ``-inf`` at or below
    chance (reached by any model).
    """
    score = np.asarray(score, dtype=float)
    ceiling = np.asarray(ceiling, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = (score - chance) / (ceiling - chance)
        x = midpoint - offset - shift + (np.log(q) - np.log1p(-q)) / slope
    x = np.where(q >= 1, np.nan, x)
    return np.where(q <= 0, -np.inf, x)


class _Problem:
    """Residuals and Jacobian of the penalised least squares for fixed (sigma_b, tau).

    theta = [midpoint_b (B), log slope_b (B), ceiling logit_b (B), beta (K), offset_f (F)].
    """

    def __init__(self, d: Design, chance: np.ndarray, rows: np.ndarray, prior=(PRIOR_MEAN, PRIOR_SD)):
        self.prior_mean, self.prior_sd = (np.asarray(v, dtype=float) for v in prior)
        self.x = d.log10_compute[rows]
        self.y = d.accuracy[rows]
        self.w = d.covariates[rows]
        self.fam = d.family_index[rows]
        self.bench = d.bench_index[rows]
        self.B = len(d.benchmarks)
        self.F = len(d.families)
        self.K = d.covariates.shape[1]
        self.chance_b = np.asarray(chance, dtype=float)
        self.chance = self.chance_b[self.bench]
        self.present = np.bincount(self.fam, minlength=self.F) > 0
        self.n_b = np.bincount(self.bench, minlength=self.B)

    @property
    def n_theta(self) -> int:
        return 3 * self.B + self.K + self.F

    def parts(self, theta):
        B, K = self.B, self.K
        m, ls, c = theta[:B], theta[B:2 * B], theta[2 * B:3 * B]
        beta, u = theta[3 * B:3 * B + K], theta[3 * B + K:]
        s = np.exp(ls)[self.bench]
        share = _sig(c)[self.bench]
        A = (1 - self.chance) * share
        z = s * (self.x - m[self.bench] + u[self.fam] + self.w @ beta)
        g = _sig(z)
        return s, share, A, z, g, self.chance + A * g

    def residuals(self, theta, sigma, tau):
        B = self.B
        mu = self.parts(theta)[-1]
        u = theta[3 * B + self.K:]
        pm, ps = self.prior_mean, self.prior_sd
        prior = np.concatenate([(theta[B:2 * B] - pm[0]) / ps[0], (theta[2 * B:3 * B] - pm[1]) / ps[1]])
        return np.concatenate([(self.y - mu) / sigma[self.bench], u / tau, prior])

    def jacobian(self, theta, sigma, tau):
        s, share, A, z, g, mu = self.parts(theta)
        n, B, K, F = self.y.size, self.B, self.K, self.F
        rows = np.arange(n)
        dg = A * g * (1 - g)
        J = np.zeros((n + F + 2 * B, self.n_theta))
        J[rows, self.bench] = dg * s
        J[rows, B + self.bench] = -dg * z
        J[rows, 2 * B + self.bench] = -(1 - self.chance) * share * (1 - share) * g
        J[:n, 3 * B:3 * B + K] = -(dg * s)[:, None] * self.w
        J[rows, 3 * B + K + self.fam] = -dg * s
        J[:n] /= sigma[self.bench][:, None]
        J[n + np.arange(F), 3 * B + K + np.arange(F)] = 1.0 / tau
        J[n + F + np.arange(B), B + np.arange(B)] = 1.0 / self.prior_sd[0]
        J[n + F + B + np.arange(B), 2 * B + np.arange(B)] = 1.0 / self.prior_sd[1]
        return J

    def h_family(self, theta, sigma):
        """Information about each offset from the data: sum of (d mu / d u_f)^2 / sigma^2."""
        s, _, A, _, g, _ = self.parts(theta)
        w = (A * g * (1 - g) * s / sigma[self.bench]) ** 2
        return np.bincount(self.fam, weights=w, minlength=self.F)


def _start(d: Design, chance: np.ndarray, prior_mean=PRIOR_MEAN) -> np.ndarray:
    """Per benchmark: midpoint where scores cross halfway from chance to the best score; slope 1.5."""
    B = len(d.benchmarks)
    mids = []
    for b in range(B):
        x, y = d.log10_compute[d.bench_index == b], d.accuracy[d.bench_index == b]
        top = max(float(y.max()), chance[b] + 0.05)
        above = x[y >= chance[b] + 0.5 * (top - chance[b])]
        m = float(np.median(above)) if above.size else float(x.max()) + 1.0
        mids.append(float(np.clip(m, BOUNDS["midpoint"][0] + 1, BOUNDS["midpoint"][1] - 1)))
    return np.concatenate([mids, np.full(B, prior_mean[0]), np.full(B, prior_mean[1]),
                           np.zeros(d.covariates.shape[1]), np.zeros(len(d.families))])


def _solve(p: _Problem, theta, sigma, tau, outer: int, fix_tau: float | None = None):
    """EM iterations of (sigma_b, tau) around penalised Gauss-Newton solves; returns theta, sigma, tau, ok."""
    from scipy.optimize import least_squares

    n_fixed = 3 * p.B + p.K
    ok = True
    for _ in range(outer):
        res = least_squares(p.residuals, theta, jac=p.jacobian, args=(sigma, tau), method="lm", x_scale="jac",
                            max_nfev=200)
        ok = bool(res.status > 0)
        theta = res.x
        r = p.y - p.parts(theta)[-1]
        rss = np.bincount(p.bench, weights=r**2, minlength=p.B)
        dof = np.maximum(p.n_b - 3 - p.K / p.B, 1.0)
        new_sigma = np.sqrt(np.maximum(rss / dof, 1e-8))
        if fix_tau is not None:
            new_tau = fix_tau
        else:
            u = theta[n_fixed:][p.present]
            v = 1.0 / (p.h_family(theta, new_sigma)[p.present] + 1.0 / tau**2)
            new_tau = max(math.sqrt(float(np.mean(u**2 + v))), TAU_FLOOR)
        done = np.all(np.abs(new_sigma - sigma) < 1e-4 * sigma) and abs(new_tau - tau) < 1e-3 * tau
        sigma, tau = new_sigma, new_tau
        if done:
            break
    return theta, sigma, tau, ok


def _named(theta, sigma, tau, d: Design, chance: np.ndarray) -> dict[str, float]:
    """Named estimates: the asked benchmark's law, then companions' (``name@bench``), sigma, tau, offsets."""
    B, K = len(d.benchmarks), d.covariates.shape[1]
    out = {}
    for b, bench in enumerate(d.benchmarks):
        tag = "" if b == 0 else f"@{bench}"
        out[f"midpoint{tag}"] = float(theta[b])
        out[f"slope{tag}"] = float(math.exp(theta[B + b]))
        out[f"ceiling{tag}"] = float(chance[b] + (1 - chance[b]) * _sig(theta[2 * B + b]))
        out[f"sigma{tag}"] = float(sigma[b])
    for k, term in enumerate(d.terms):
        out[f"beta_{term}"] = float(theta[3 * B + k])
    out["tau"] = float(tau)
    for j, fam in enumerate(d.families):
        out[f"offset[{fam}]"] = float(theta[3 * B + K + j])
    return out


def ceiling_prior(mean: float = float(PRIOR_MEAN[1]), sd: float = float(PRIOR_SD[1])):
    r"""The priors ``(means, sds)`` of (log slope, ceiling logit) with the ceiling's replaced.

    ``mean``, ``sd``: of :math:`\mathrm{logit}((\kappa - \chi)/(1 - \chi))`; the default is
    :data:`PRIOR_MEAN`/:data:`PRIOR_SD` (the ceiling 0.88 of the way from chance to 1).
    """
    from .._checks import check_number

    mean = check_number("ceiling_prior mean", mean, low=None)
    sd = check_number("ceiling_prior sd", sd)
    return np.array([PRIOR_MEAN[0], mean]), np.array([PRIOR_SD[0], sd])


def fit_lsq(d: Design, chance, bootstrap: int, seed: int, family_effects: bool = True, prior=(PRIOR_MEAN, PRIOR_SD)):
    """Fit the law to a design; returns ``(point, draws, info)``.

    ``chance``: chance level per benchmark of ``d.benchmarks``. ``point``: named estimates
    (:func:`_named`); ``draws``: ``{name: array}`` over bootstrap resamples (models drawn with
    replacement; the offset of a family absent from a resample is its full-data estimate), or
    None; ``info``: ``converged`` and ``bootstrap_failed``. ``family_effects=False`` holds every
    offset at 0 (the pooled baseline). ``prior``: ``(means, sds)`` of (log slope, ceiling logit)
    (:func:`ceiling_prior`).
    """
    chance = np.asarray(chance, dtype=float)
    p = _Problem(d, chance, np.arange(d.accuracy.size), prior)
    sigma0 = np.array([max(float(np.std(d.accuracy[d.bench_index == b])), 0.01) for b in range(p.B)])
    tau0 = 0.5 if family_effects else TAU_FLOOR
    fix = None if family_effects else 1e-6
    theta, sigma, tau, ok = _solve(p, _start(d, chance, p.prior_mean), sigma0, tau0, MAX_OUTER, fix)
    if not np.isfinite(theta).all():
        raise ScalingError(f"the sigmoid law could not be fitted to the {d.benchmark} scores (non-finite optimum)")
    point = _named(theta, sigma, tau, d, chance)
    info = {"converged": ok, "bootstrap_failed": 0}
    if not bootstrap:
        return point, None, info
    rng = np.random.default_rng(seed)
    picks = np.stack([rng.integers(0, d.n_models, size=d.n_models) for _ in range(bootstrap)])
    from .bootstrap import named_columns, refit_resamples

    th, sg, ta, present, ok = refit_resamples(d, chance, theta, sigma, tau, picks, prior, fix, TAU_FLOOR)
    first = 3 * p.B + p.K
    th[:, first:] = np.where(present, th[:, first:], theta[first:][None, :])
    info["bootstrap_failed"] = int(np.sum(~ok))
    return point, named_columns(th, sg, ta, d, chance), info


def refit_one_by_one(d: Design, chance, prior, theta, sigma, tau, picks, fix, info):
    """The bootstrap refits one resample at a time with ``scipy.optimize.least_squares`` (the route
    before :mod:`scaling.capability.bootstrap`; kept as the reference its tests compare with)."""
    chance = np.asarray(chance, dtype=float)
    p = _Problem(d, chance, np.arange(d.accuracy.size), prior)
    cols = {}
    first = 3 * p.B + p.K
    by_model = [np.flatnonzero(d.model_index == i) for i in range(d.n_models)]
    failed = 0
    for b, pick in enumerate(picks):
        pb = _Problem(d, chance, np.concatenate([by_model[i] for i in pick]), prior)
        th, sg, ta, okb = _solve(pb, theta, sigma, tau, BOOT_OUTER, fix)
        failed += not okb
        th = th.copy()
        th[first:][~pb.present] = theta[first:][~pb.present]
        for k, v in _named(th, sg, ta, d, chance).items():
            cols.setdefault(k, np.empty(len(picks)))[b] = v
    info["bootstrap_failed"] = failed
    return cols


# -- the engine of CapabilityFit (per-draw arrays: parameters (n_draws,), x and offsets (n_draws, n_rows)) --
def curve(cols, chance: float, x, u, shift):
    """Expected accuracy per draw and row."""
    return mean_accuracy(x, chance, cols["midpoint"][:, None], cols["slope"][:, None], cols["ceiling"][:, None],
                         u, shift)


def new_model(cols, chance: float, x, u, shift, rng: np.random.Generator):
    """A new model's score per draw and row: the curve plus residual scatter, kept within [0, 1]."""
    mu = curve(cols, chance, x, u, shift)
    # one residual draw per parameter draw, shared by the rows (smooth bands; each row's interval is unchanged)
    return np.clip(mu + cols["sigma"][:, None] * rng.standard_normal((mu.shape[0], 1)), 0.0, 1.0)


def log10_compute(cols, chance: float, score: float, u, shift):
    """Least log10 compute reaching ``score`` per draw and row (NaN: never reached)."""
    return log10_compute_for(score, chance, cols["midpoint"][:, None], cols["slope"][:, None],
                             cols["ceiling"][:, None], u, shift)
