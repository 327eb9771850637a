r"""The observational capability law (after Ruan, Maddison & Hashimoto 2024, arXiv:2405.10938).

Ruan et al. observe that a model's benchmark scores lie near a low-dimensional "capability"
space: the first principal components of the scores explain most of their variance, each
component is log-linear in compute *within a model family* (families differ in compute
efficiency), and each benchmark is a sigmoid of the components. Our version, simpler than
the paper's:

1. **Capability.** PC1 of the accuracies on :data:`PC_BENCHMARKS` (centred, not standardised,
   as in the paper), signed to rise with the scores: :math:`P_i = (a_i - \bar a)\cdot v_1`.
   Computed from every model with those scores, compute known or not.
2. **Compute -> capability**, log-linear with a family intercept (random effect, shrunk as in
   :mod:`scaling.capability.sigmoid`) and a common slope:
   :math:`P_i = \alpha + \beta(\log_{10} C_i - 22) + u_f + e_i`, :math:`u_f \sim N(0, \tau^2)`,
   :math:`e_i \sim N(0, \sigma_P^2)`. The paper fits each family's own line; by default we shrink
   family intercepts and share the slope (families hold 1-8 models here). With
   ``family_slopes=True`` each family also has its own slope, :math:`+\,b_f(\log_{10} C_i - 22)`,
   :math:`b_f \sim N(0, \tau_b^2)`, shrunk to the population's (:func:`_mixed_lines`). PC1 only
   (the paper uses up to three components).
3. **Capability -> benchmark**: :math:`\mathrm{acc} = \chi + (\kappa - \chi)\,\sigma(s (P - m))
   + \varepsilon`, fitted on every model with a score (compute not needed).

A prediction from compute passes a draw of step 2 (with the family's offset, or a new family's
draw from :math:`N(0,\tau^2)`, and :math:`e`) through step 3 (with :math:`\varepsilon`). The
bootstrap resamples models and refits steps 2 and 3 (the principal axis is kept from the full
data). Family offsets are in PC1 units (divide by :math:`\beta` for decades of compute).
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import ScalingError
from .data import CHANCE, benchmark_column, compute_of, family_of
from .sigmoid import PRIOR_MEAN, PRIOR_SD, _sig

__all__ = ["PC_BENCHMARKS", "capability_axis", "fit_observational", "curve", "new_model", "log10_compute"]

#: Benchmarks whose first principal component is the capability (complete for every shipped model).
PC_BENCHMARKS = ("mmlu", "arc_c", "hellaswag", "winogrande", "gsm8k")
X0 = 22.0  # log10 compute the line is centred on
EM_STEPS = 60
TAU_MIN = 1e-4  # floor of the family spreads with family slopes (docs/capability.md, third round)


def capability_axis(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Mean, first principal axis (signed to rise with the scores) and its share of variance."""
    mean = scores.mean(axis=0)
    _, s, vt = np.linalg.svd(scores - mean, full_matrices=False)
    v = vt[0] * (1.0 if vt[0].sum() >= 0 else -1.0)
    return mean, v, float(s[0] ** 2 / np.sum(s**2))


def _mixed_line(pc, x, fam, n_fam):
    """Random-intercept line by EM (Laplace-exact here: the model is linear); returns coefficients."""
    n = pc.size
    X = np.zeros((n, 2 + n_fam))
    X[:, 0] = 1.0
    X[:, 1] = x - X0
    X[np.arange(n), 2 + fam] = 1.0
    present = np.bincount(fam, minlength=n_fam) > 0
    sig2, tau = float(np.var(pc)) + 1e-6, 0.1
    for _ in range(EM_STEPS):
        P = np.diag([0.0, 0.0] + [sig2 / tau**2] * n_fam)
        coef = np.linalg.solve(X.T @ X + P + 1e-12 * np.eye(2 + n_fam), X.T @ pc)
        r = pc - X @ coef
        new_sig2 = max(float(r @ r) / max(n - 2, 1), 1e-8)
        u = coef[2:][present]
        h = np.bincount(fam, minlength=n_fam)[present] / new_sig2
        new_tau = max(math.sqrt(float(np.mean(u**2 + 1.0 / (h + 1.0 / tau**2)))), 1e-4)
        done = abs(new_tau - tau) < 1e-5 and abs(new_sig2 - sig2) < 1e-6 * sig2
        sig2, tau = new_sig2, new_tau
        if done:
            break
    return coef, math.sqrt(sig2), tau, present


def _mixed_lines(pc, x, fam, n_fam):
    r"""Family lines with random intercepts and slopes by EM (exact: the model is linear).

    :math:`P_i = \alpha + \beta (x_i - 22) + a_f + b_f (x_i - 22) + e_i`, :math:`a_f \sim N(0, \tau^2)`,
    :math:`b_f \sim N(0, \tau_b^2)`: the posterior of :math:`(a, b)` given the spreads is the ridge
    solution, and each EM step sets :math:`\tau^2 = \overline{\hat a_f^2 + V(a_f)}` (likewise
    :math:`\tau_b^2`) over the families present and :math:`\sigma^2 = \mathrm{RSS}/(n - \mathrm{df})`
    with df the trace of the hat matrix. A family with one model leaves its slope at the population's.
    Returns ``(coef, sigma, tau, tau_b, present)``; ``coef = [alpha, beta, a (F), b (F)]``.
    """
    n = pc.size
    dx = x - X0
    X = np.zeros((n, 2 + 2 * n_fam))
    X[:, 0] = 1.0
    X[:, 1] = dx
    X[np.arange(n), 2 + fam] = 1.0
    X[np.arange(n), 2 + n_fam + fam] = dx
    present = np.bincount(fam, minlength=n_fam) > 0
    sig2, tau, tau_b = float(np.var(pc)) + 1e-6, 0.1, 0.1
    XtX, Xty = X.T @ X, X.T @ pc
    for _ in range(EM_STEPS):
        P = np.diag([0.0, 0.0] + [sig2 / tau**2] * n_fam + [sig2 / tau_b**2] * n_fam)
        inv = np.linalg.inv(XtX + P + 1e-12 * np.eye(2 + 2 * n_fam))
        coef = inv @ Xty
        r = pc - X @ coef
        df = float(np.sum(inv * XtX))  # trace of the hat matrix X inv X'
        new_sig2 = max(float(r @ r) / max(n - df, 1.0), 1e-8)
        var = sig2 * np.diag(inv)
        a, va = coef[2:2 + n_fam][present], var[2:2 + n_fam][present]
        b, vb = coef[2 + n_fam:][present], var[2 + n_fam:][present]
        new_tau = max(math.sqrt(float(np.mean(a**2 + va))), TAU_MIN)
        new_tau_b = max(math.sqrt(float(np.mean(b**2 + vb))), TAU_MIN)
        done = (abs(new_tau - tau) < 1e-5 and abs(new_tau_b - tau_b) < 1e-5
                and abs(new_sig2 - sig2) < 1e-6 * sig2)
        sig2, tau, tau_b = new_sig2, new_tau, new_tau_b
        if done:
            break
    return coef, math.sqrt(sig2), tau, tau_b, present


def _mapping(pc, acc, chance, start):
    """Sigmoid of capability -> accuracy by least squares with the sigmoid law's weak ceiling prior."""
    from scipy.optimize import least_squares

    def resid(t):
        mu = chance + (1 - chance) * _sig(t[2]) * _sig(np.exp(np.clip(t[0], -10.0, 10.0)) * (pc - t[1]))
        return np.concatenate([mu - acc, [(t[2] - PRIOR_MEAN[1]) / PRIOR_SD[1] * 0.05]])

    res = least_squares(resid, start, method="lm", max_nfev=400)
    r = resid(res.x)[:-1]
    return res.x, math.sqrt(float(r @ r) / max(r.size - 3, 1)), bool(res.status > 0)


def _one_fit(pc, x, fam, n_fam, acc, chance, start, family_slopes=False):
    has_x = ~np.isnan(x)
    if family_slopes:
        coef, sig_p, tau, tau_b, present = _mixed_lines(pc[has_x], x[has_x], fam[has_x], n_fam)
    else:
        coef, sig_p, tau, present = _mixed_line(pc[has_x], x[has_x], fam[has_x], n_fam)
    has_a = ~np.isnan(acc)
    t, sig_a, ok = _mapping(pc[has_a], acc[has_a], chance, start)
    out = {"midpoint": float(t[1]), "slope": float(np.exp(np.clip(t[0], -10.0, 10.0))),
           "ceiling": float(chance + (1 - chance) * _sig(t[2])), "sigma": sig_a,
           "pc_intercept": float(coef[0]), "pc_slope": float(coef[1]), "pc_sigma": sig_p, "tau": tau}
    if family_slopes:
        out["tau_slope"] = tau_b
    return out, coef[2:], present, t, ok


def fit_observational(models, benchmark: str, bootstrap: int, seed: int, family_slopes: bool = False):
    """Fit the observational law; returns ``(point, draws, info, families, counts, range, sha)``.

    Models need scores on every :data:`PC_BENCHMARKS` benchmark (others are left out); the
    line of step 2 uses those with a training compute. ``family_slopes``: each family's own line,
    intercept and slope shrunk to the population's (:func:`_mixed_lines`; parameters
    ``slope_offset[<family>]`` and ``tau_slope``), as Ruan et al. fit each family's line.
    """
    from .._io import sha256_arrays

    col = benchmark_column(benchmark)
    for c in {*PC_BENCHMARKS, col}:
        if c not in models.columns:
            raise ScalingError(f"the observational law needs a {c!r} column (its capability is PC1 of "
                               f"{', '.join(PC_BENCHMARKS)}); the table lacks it")
    import pandas as pd

    scores = models[list(PC_BENCHMARKS)].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    keep = np.isfinite(scores).all(axis=1)
    compute = compute_of(models, "models", required=False)
    if int(np.sum(keep & ~np.isnan(compute))) < 5:
        raise ScalingError("the observational law needs at least 5 models with training compute and scores on "
                           f"{', '.join(PC_BENCHMARKS)}")
    scores, compute = scores[keep], compute[keep]
    acc = pd.to_numeric(models[col], errors="coerce").to_numpy(dtype=float)[keep]
    fams = [f or f"(unnamed {i})" for i, f in enumerate(np.array(family_of(models), dtype=object)[keep])]
    mean, v, share = capability_axis(scores)
    pc = (scores - mean) @ v
    x = np.log10(compute)
    families = tuple(sorted({f for f, xi in zip(fams, x) if not np.isnan(xi)}))
    index = {f: j for j, f in enumerate(families)}
    fam = np.array([index.get(f, -1) for f in fams])
    # a family with no model of known compute has no offset: it only informs PCA and the mapping
    fam_x = np.where(fam < 0, 0, fam)
    chance = CHANCE[col]
    start = np.array([math.log(5.0), float(np.median(pc)), PRIOR_MEAN[1]])
    F = len(families)
    point, u, present, t0, ok = _one_fit(pc, np.where(fam < 0, np.nan, x), fam_x, F, acc, chance, start,
                                         family_slopes)
    for j, f in enumerate(families):
        point[f"offset[{f}]"] = float(u[j])
    if family_slopes:
        for j, f in enumerate(families):
            point[f"slope_offset[{f}]"] = float(u[F + j])
    info = {"converged": ok, "bootstrap_failed": 0, "pc1_variance_share": share}
    draws = None
    if bootstrap:
        rng = np.random.default_rng(seed)
        draws = {k: np.empty(bootstrap) for k in point}
        failed = 0
        xx = np.where(fam < 0, np.nan, x)
        for b in range(bootstrap):
            rows = rng.integers(0, pc.size, size=pc.size)
            pb, ub, pres, _, okb = _one_fit(pc[rows], xx[rows], fam_x[rows], F, acc[rows], chance, t0, family_slopes)
            failed += not okb
            for k in pb:
                draws[k][b] = pb[k]
            for j, f in enumerate(families):
                draws[f"offset[{f}]"][b] = ub[j] if pres[j] else point[f"offset[{f}]"]
                if family_slopes:
                    key = f"slope_offset[{f}]"
                    draws[key][b] = ub[F + j] if pres[j] else point[key]
        info["bootstrap_failed"] = failed
    counts = {f: int(np.sum((fam == index[f]) & ~np.isnan(acc))) for f in families}
    has = ~np.isnan(x) & ~np.isnan(acc)
    rng_info = {"log10_compute_min": float(x[has].min()), "log10_compute_max": float(x[has].max()),
                "n_models": int(has.sum()), "n_models_pca": int(pc.size), "n_dropped": int(len(models) - has.sum())}
    pca = {"benchmarks": list(PC_BENCHMARKS), "mean": mean.tolist(), "loadings": v.tolist(),
           "variance_share": share}
    sha = sha256_arrays(scores, np.nan_to_num(x, nan=-1.0), np.nan_to_num(acc, nan=-1.0), fam)
    return point, draws, info, counts, rng_info, pca, sha


def _pc(cols, x, u, v=None):
    slope = cols["pc_slope"][:, None] + (0.0 if v is None else v)
    return cols["pc_intercept"][:, None] + slope * (x - X0) + u


def _map(cols, chance, pc):
    return chance + (cols["ceiling"][:, None] - chance) * _sig(cols["slope"][:, None] * (pc - cols["midpoint"][:, None]))


def curve(cols, chance: float, x, u, shift, slope_u=None):
    """Expected accuracy per draw and row (``shift`` is unused: this law has no terms; ``slope_u``:
    the family slope offsets per draw and row, with family slopes)."""
    return _map(cols, chance, _pc(cols, x, u, slope_u))


def new_model(cols, chance: float, x, u, shift, rng: np.random.Generator, slope_u=None):
    """A new model's score: capability scatter, then the benchmark's scatter, kept within [0, 1]."""
    pc = _pc(cols, x, u, slope_u)
    # one draw of each scatter per parameter draw, shared by the rows (smooth bands; marginals unchanged)
    pc = pc + cols["pc_sigma"][:, None] * rng.standard_normal((pc.shape[0], 1))
    mu = _map(cols, chance, pc)
    return np.clip(mu + cols["sigma"][:, None] * rng.standard_normal((mu.shape[0], 1)), 0.0, 1.0)


def log10_compute(cols, chance: float, score: float, u, shift, slope_u=None):
    """Least log10 compute whose expected capability maps to ``score`` (NaN: never reached)."""
    slope = cols["pc_slope"][:, None] + (0.0 if slope_u is None else slope_u)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = (score - chance) / (cols["ceiling"][:, None] - chance)
        pc_star = cols["midpoint"][:, None] + (np.log(q) - np.log1p(-q)) / cols["slope"][:, None]
        x = X0 + (pc_star - cols["pc_intercept"][:, None] - u) / slope
    bad = (q >= 1) | (slope <= 0)
    return np.where(bad, np.nan, np.where(q <= 0, -np.inf, x))
