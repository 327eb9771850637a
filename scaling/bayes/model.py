"""The PyMC model of the Chinchilla law: priors, likelihood and parameterisation.

.. math::

    \\log L_i \\sim \\mathrm{StudentT}\\left(\\nu,\\;
        \\log\\!\\left(E + \\frac{A}{N_i^{\\alpha}} + \\frac{B}{D_i^{\\beta}}\\right),\\; \\sigma\\right)

Hoffmann et al. (2022), "Training Compute-Optimal Large Language Models", Eq. 2 and
App. D.2; Besiroglu et al. (2024), "Chinchilla Scaling: A replication attempt".

PyMC is imported inside :func:`build_model` (and this module only from inside
:func:`scaling.bayes.fit` and the benchmark), never by ``import scaling``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ScalingError

PARAMS = ("E", "A", "B", "alpha", "beta")
PARAMETERISATIONS = ("centred", "naive")


@dataclass(frozen=True)
class ModelData:
    """Log-space data and the constants the priors and centring are built from."""

    log_n: np.ndarray
    log_d: np.ndarray
    log_loss: np.ndarray
    centre_log_n: float
    centre_log_d: float
    centre_loss: float

    @classmethod
    def from_arrays(cls, n_params, n_tokens, loss) -> "ModelData":
        log_n = np.log(np.asarray(n_params, dtype=float))
        log_d = np.log(np.asarray(n_tokens, dtype=float))
        log_loss = np.log(np.asarray(loss, dtype=float))
        return cls(
            log_n=log_n,
            log_d=log_d,
            log_loss=log_loss,
            centre_log_n=float(log_n.mean()),
            centre_log_d=float(log_d.mean()),
            centre_loss=float(np.exp(np.median(log_loss))),
        )


# Prior constants, in one place so the docstring, the model and the saved settings agree.
PRIOR_EXPONENT_MEDIAN = 0.3   # alpha, beta: LogNormal(log 0.3, 0.75) -> 95% in [0.07, 1.3]
PRIOR_EXPONENT_SD = 0.75
PRIOR_LOG_E_SD = 1.0          # log E ~ Normal(log(L_c / 2), 1)
PRIOR_LOG_TERM_SD = 1.5       # log(A-term), log(B-term) at the data centre ~ Normal(log(L_c / 4), 1.5)
PRIOR_SIGMA_SCALE = 0.05      # sigma ~ HalfNormal(0.05): residual scale of log-loss
PRIOR_NU = (2.0, 0.1)         # nu ~ Gamma(2, 0.1): Juarez & Steel (2010)


def build_model(data: ModelData, parameterisation: str = "centred"):
    """Build the PyMC model of the Chinchilla law on log-loss.

    Parameters
    ----------
    data : ModelData
        Runs in log space (see :meth:`ModelData.from_arrays`).
    parameterisation : {"centred", "naive"}
        ``"centred"`` (the default, used by :func:`scaling.bayes.fit`) samples the
        log of each reducible term *at the data centre*,

        .. math::

            a_c = \\log A - \\alpha\\,\\overline{\\log N}, \\qquad
            b_c = \\log B - \\beta\\,\\overline{\\log D},

        so that the law reads :math:`\\log L = \\mathrm{LSE}(\\log E,\\;
        a_c - \\alpha(\\log N - \\overline{\\log N}),\\; b_c - \\beta(\\log D -
        \\overline{\\log D}))`. Against raw :math:`\\log N \\approx 20`, :math:`\\log A`
        moves by 20 for every unit of :math:`\\alpha` (posterior correlation 0.9999),
        which forces NUTS into tiny steps; centred, the intercepts are pinned by the
        data directly. ``"naive"`` samples :math:`\\log A, \\log B` against raw
        :math:`\\log N, \\log D` and exists only for the benchmark.

    Returns
    -------
    pymc.Model
        Free variables ``log_E``, ``a_c``/``b_c`` (or ``log_A``/``log_B``), ``alpha``,
        ``beta`` (log-transformed, so positive), ``sigma``, ``nu``; deterministic
        ``E, A, B, alpha, beta`` on the paper's scale; observed ``log_loss``.

    Notes
    -----
    **Likelihood: Student-t on log-loss.** Hoffmann et al. minimise a Huber loss
    (delta = 1e-3) of log-loss residuals, i.e. an essentially absolute-error fit that
    resists the few badly digitised or diverged runs. The Bayesian analogue used here
    is a Student-t with a free degrees-of-freedom ``nu``: like Huber it downweights
    outliers, but (i) the data choose how heavy the tails are (``nu`` near 3 on the
    Chinchilla runs; large ``nu`` recovers a Gaussian), (ii) its scale ``sigma`` is a
    real noise scale rather than Huber's fixed, unit-dependent ``delta``, and (iii)
    PyMC ships it, so prior and posterior predictive draws come for free. A Huber
    density would need a hand-written normalising constant and random generator.

    **Priors (weakly informative, stated relative to the data so that a user's runs in
    other units still get sensible priors).** With :math:`L_c` the median observed
    loss:

    * :math:`\\alpha, \\beta \\sim \\mathrm{LogNormal}(\\log 0.3, 0.75)`: 95% mass in
      [0.07, 1.3], covering every published LLM exponent (Kaplan 0.076/0.095,
      Hoffmann 0.34/0.28, Besiroglu 0.35/0.37) without favouring one.
    * :math:`\\log E \\sim \\mathrm{Normal}(\\log(L_c/2), 1)`: the irreducible loss is
      a sizeable fraction of the observed losses; 95% within a factor 7 of
      :math:`L_c/2`.
    * :math:`a_c, b_c \\sim \\mathrm{Normal}(\\log(L_c/4), 1.5)`: each reducible term
      at the data centre is some share of the loss there (the three terms sum to
      about :math:`L_c`); 95% within a factor 20.
    * :math:`\\sigma \\sim \\mathrm{HalfNormal}(0.05)`: residuals of log-loss are a few
      per cent at most (digitisation and run-to-run noise).
    * :math:`\\nu \\sim \\mathrm{Gamma}(2, 0.1)` (Juarez and Steel 2010): mean 20,
      lets the data move between heavy tails and a Gaussian.

    The prior predictive check (``idata.prior_predictive``) shows these priors put
    the observed losses well inside a much wider range.
    """
    import pymc as pm
    import pytensor.tensor as pt

    if parameterisation not in PARAMETERISATIONS:
        raise ScalingError(
            f"unknown parameterisation {parameterisation!r}; known: {', '.join(PARAMETERISATIONS)}"
        )
    log_term0 = float(np.log(data.centre_loss / 4.0))
    with pm.Model() as model:
        log_n = data.log_n
        log_d = data.log_d
        alpha = pm.LogNormal("alpha", mu=np.log(PRIOR_EXPONENT_MEDIAN), sigma=PRIOR_EXPONENT_SD)
        beta = pm.LogNormal("beta", mu=np.log(PRIOR_EXPONENT_MEDIAN), sigma=PRIOR_EXPONENT_SD)
        log_e = pm.Normal("log_E", mu=float(np.log(data.centre_loss / 2.0)), sigma=PRIOR_LOG_E_SD)
        if parameterisation == "centred":
            a_c = pm.Normal("a_c", mu=log_term0, sigma=PRIOR_LOG_TERM_SD)
            b_c = pm.Normal("b_c", mu=log_term0, sigma=PRIOR_LOG_TERM_SD)
            term_n = a_c - alpha * (log_n - data.centre_log_n)
            term_d = b_c - beta * (log_d - data.centre_log_d)
            log_a = a_c + alpha * data.centre_log_n
            log_b = b_c + beta * data.centre_log_d
        else:
            # The same prior, moved to raw log N, log D: log A = a_c + alpha * mean(log N).
            log_a = pm.Normal(
                "log_A",
                mu=log_term0 + PRIOR_EXPONENT_MEDIAN * data.centre_log_n,
                sigma=PRIOR_LOG_TERM_SD + PRIOR_EXPONENT_MEDIAN * data.centre_log_n,
            )
            log_b = pm.Normal(
                "log_B",
                mu=log_term0 + PRIOR_EXPONENT_MEDIAN * data.centre_log_d,
                sigma=PRIOR_LOG_TERM_SD + PRIOR_EXPONENT_MEDIAN * data.centre_log_d,
            )
            term_n = log_a - alpha * log_n
            term_d = log_b - beta * log_d
        mu = pt.logaddexp(pt.logaddexp(log_e, term_n), term_d)
        sigma = pm.HalfNormal("sigma", sigma=PRIOR_SIGMA_SCALE)
        nu = pm.Gamma("nu", alpha=PRIOR_NU[0], beta=PRIOR_NU[1])
        pm.StudentT("log_loss", nu=nu, mu=mu, sigma=sigma, observed=data.log_loss)
        pm.Deterministic("E", pt.exp(log_e))
        pm.Deterministic("A", pt.exp(log_a))
        pm.Deterministic("B", pt.exp(log_b))
    return model


def prior_settings(data: ModelData) -> dict:
    """The priors as plain numbers, for the saved settings and the report."""
    return {
        "alpha": f"LogNormal(log {PRIOR_EXPONENT_MEDIAN}, {PRIOR_EXPONENT_SD})",
        "beta": f"LogNormal(log {PRIOR_EXPONENT_MEDIAN}, {PRIOR_EXPONENT_SD})",
        "log_E": f"Normal(log({data.centre_loss:.6g} / 2), {PRIOR_LOG_E_SD})",
        "a_c": f"Normal(log({data.centre_loss:.6g} / 4), {PRIOR_LOG_TERM_SD})",
        "b_c": f"Normal(log({data.centre_loss:.6g} / 4), {PRIOR_LOG_TERM_SD})",
        "sigma": f"HalfNormal({PRIOR_SIGMA_SCALE})",
        "nu": f"Gamma({PRIOR_NU[0]}, {PRIOR_NU[1]})",
    }
