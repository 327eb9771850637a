r"""The sigmoid capability law as a PyMC model, sampled through :func:`scaling.bayes.samplers.sample`.

The same likelihood as :mod:`scaling.capability.sigmoid` (benchmarks fitted together, family
offsets shared) with the least squares' penalties as priors:

.. math::

    m_b \sim N(23, 2^2), \quad \log s_b \sim N(\log 1.5, 0.35^2), \quad
    \mathrm{logit}\frac{\kappa_b - \chi_b}{1 - \chi_b} \sim N(2, 1), \quad \beta_k \sim N(0, 1),

    \tau \sim \mathrm{HalfNormal}(1), \quad u_f = \tau z_f,\ z_f \sim N(0, 1), \quad
    \sigma_b \sim \mathrm{HalfNormal}(0.1), \quad \mathrm{acc}_i \sim N(\mu_i, \sigma_{b(i)}^2).

The offsets are non-centred (:math:`u_f = \tau z_f`) so NUTS samples :math:`\tau` near zero
without divergences. PyMC and ArviZ are imported inside the functions.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from .data import Design
from .sigmoid import PRIOR_MEAN, PRIOR_SD

if TYPE_CHECKING:
    from ..bayes.samplers import SamplerSettings

__all__ = ["build_model", "fit_bayes"]


def build_model(d: Design, chance, prior=(PRIOR_MEAN, PRIOR_SD)):
    """The PyMC model of a design (see the module docstring)."""
    import pymc as pm
    import pytensor.tensor as pt

    B, F, K = len(d.benchmarks), len(d.families), d.covariates.shape[1]
    chance_b = np.asarray(chance, dtype=float)
    with pm.Model() as model:
        m = pm.Normal("midpoint_b", 23.0, 2.0, shape=B)
        log_s = pm.Normal("log_slope_b", prior[0][0], prior[1][0], shape=B)
        c = pm.Normal("ceiling_logit_b", prior[0][1], prior[1][1], shape=B)
        tau = pm.HalfNormal("tau", 1.0)
        z = pm.Normal("z", 0.0, 1.0, shape=F)
        u = pm.Deterministic("offset", tau * z)
        sigma = pm.HalfNormal("sigma_b", 0.1, shape=B)
        shift = 0.0
        if K:
            beta = pm.Normal("beta", 0.0, 1.0, shape=K)
            shift = pt.dot(d.covariates, beta)
        bi = d.bench_index
        ch = chance_b[bi]
        zz = pt.exp(log_s)[bi] * (d.log10_compute - m[bi] + u[d.family_index] + shift)
        mu = ch + (1 - ch) * pm.math.sigmoid(c)[bi] * pm.math.sigmoid(zz)
        pm.Normal("accuracy", mu, sigma[bi], observed=d.accuracy)
    return model


def fit_bayes(d: Design, chance, *, seed: int, sampler: str | SamplerSettings = "nutpie", draws: int | None = None,
              tune: int | None = None, chains: int | None = None, target_accept: float | None = None,
              progress: bool = False, prior=(PRIOR_MEAN, PRIOR_SD)):
    """Sample the model; returns ``(point, draws, diagnostics)`` in the names of :func:`sigmoid._named`.

    ``sampler`` is a :class:`~scaling.bayes.SamplerSettings`, or a sampler's name with ``draws``,
    ``tune``, ``chains``, ``target_accept`` as keywords (left out: the settings' defaults), as
    :func:`scaling.bayes.fit` takes them (:meth:`~scaling.bayes.SamplerSettings.resolve`).
    """
    from ..bayes.diagnostics import count_divergences, diagnose, diagnostic_warnings
    from ..bayes.samplers import SamplerSettings, sample

    sampling = SamplerSettings.resolve(sampler, draws=draws, tune=tune, chains=chains, target_accept=target_accept)
    model = build_model(d, chance, prior)
    idata, timings = sample(model, sampler=sampling, seed=seed, progress=progress)
    post = idata.posterior
    chance_b = np.asarray(chance, dtype=float)

    def arr(name):
        return np.asarray(post[name].values, dtype=float)  # (chain, draw, ...)

    cols, per_chain = {}, {}
    for b, bench in enumerate(d.benchmarks):
        tag = "" if b == 0 else f"@{bench}"
        per_chain[f"midpoint{tag}"] = arr("midpoint_b")[..., b]
        per_chain[f"slope{tag}"] = np.exp(arr("log_slope_b")[..., b])
        share = 1.0 / (1.0 + np.exp(-arr("ceiling_logit_b")[..., b]))
        per_chain[f"ceiling{tag}"] = chance_b[b] + (1 - chance_b[b]) * share
        per_chain[f"sigma{tag}"] = arr("sigma_b")[..., b]
    for k, term in enumerate(d.terms):
        per_chain[f"beta_{term}"] = arr("beta")[..., k]
    per_chain["tau"] = arr("tau")
    for j, fam in enumerate(d.families):
        per_chain[f"offset[{fam}]"] = arr("offset")[..., j]
    for k, v in per_chain.items():
        cols[k] = v.reshape(-1)
    table = diagnose({k: v for k, v in per_chain.items() if "@" not in k and not k.startswith("offset[")})
    n_div = count_divergences(idata)
    point = {k: float(np.median(v)) for k, v in cols.items()}
    diagnostics = {"divergences": n_div, "max_r_hat": float(np.nanmax(table["r_hat"])),
                   "min_ess_bulk": float(np.nanmin(table["ess_bulk"])),
                   "sampler_warnings": [w.to_dict() for w in diagnostic_warnings(table, n_div)],
                   **{k: float(v) for k, v in timings.items()}}
    if not math.isfinite(diagnostics["max_r_hat"]):
        diagnostics["max_r_hat"] = -1.0
    return point, cols, diagnostics
