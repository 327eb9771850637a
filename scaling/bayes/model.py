"""The PyMC models of the scaling laws: priors, likelihood and parameterisation.

.. math::

    \\log L_i \\sim \\mathrm{StudentT}\\left(\\nu,\\;
        \\log\\!\\left(E + \\frac{A}{N_i^{\\alpha}} + \\frac{B}{D_i^{\\beta}}\\right),\\; \\sigma\\right)

Hoffmann et al. (2022), "Training Compute-Optimal Large Language Models", Eq. 2 and
App. D.2; Besiroglu et al. (2024), "Chinchilla Scaling: A replication attempt"
(:func:`build_model`). The data-constrained law of Muennighoff et al. (2023), "Scaling
Data-Constrained Language Models", arXiv:2305.16264, Eq. 5, replaces :math:`N, D` by the
effective :math:`N', D'` (:func:`build_data_constrained_model`).

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
    """Log-space data and the constants the priors and centring are built from.

    ``log_u`` (log unique tokens, data-constrained laws only) is None for the chinchilla
    law. With it, ``centre_log_d`` is the mean of :math:`\\log \\min(U, D)`, the log of the
    unique tokens each run saw (the effective data :math:`D'` starts there), not of
    :math:`\\log D`.
    """

    log_n: np.ndarray
    log_d: np.ndarray
    log_loss: np.ndarray
    centre_log_n: float
    centre_log_d: float
    centre_loss: float
    log_u: np.ndarray | None = None

    @classmethod
    def from_arrays(cls, n_params, n_tokens, loss, n_unique_tokens=None) -> "ModelData":
        log_n = np.log(np.asarray(n_params, dtype=float))
        log_d = np.log(np.asarray(n_tokens, dtype=float))
        log_loss = np.log(np.asarray(loss, dtype=float))
        log_u = None if n_unique_tokens is None else np.log(np.asarray(n_unique_tokens, dtype=float))
        centre_d = log_d if log_u is None else np.minimum(log_u, log_d)
        return cls(
            log_n=log_n,
            log_d=log_d,
            log_loss=log_loss,
            centre_log_n=float(log_n.mean()),
            centre_log_d=float(centre_d.mean()),
            centre_loss=float(np.exp(np.median(log_loss))),
            log_u=log_u,
        )


# Prior constants, in one place so the docstring, the model and the saved settings agree.
PRIOR_EXPONENT_MEDIAN = 0.3   # alpha, beta: LogNormal(log 0.3, 0.75) -> 95% in [0.07, 1.3]
PRIOR_EXPONENT_SD = 0.75
PRIOR_LOG_E_SD = 1.0          # log E ~ Normal(log(L_c / 2), 1)
PRIOR_LOG_TERM_SD = 1.5       # log(A-term), log(B-term) at the data centre ~ Normal(log(L_c / 4), 1.5)
PRIOR_SIGMA_SCALE = 0.05      # sigma ~ HalfNormal(0.05): residual scale of log-loss
PRIOR_NU = (2.0, 0.1)         # nu ~ Gamma(2, 0.1): Juarez & Steel (2010)
PRIOR_R_STAR_MEDIAN = 10.0    # log R_D*, log R_N* ~ Normal(log 10, 2) -> 95% in [0.2, 500] epochs
PRIOR_R_STAR_SD = 2.0
#: Laws with a PyMC model here (:func:`build_law_model`).
LAWS = ("chinchilla", "data_constrained", "data_constrained_untied")
# log(N / U_N) is capped here in the model (N / U_N < 1e26): far beyond any run, it keeps
# expm1 and its gradient finite wherever the sampler wanders.
_MAX_LOG_EXCESS = 60.0


def _likelihood(data: ModelData, mu, log_e, log_a, log_b) -> None:
    """The likelihood every law's model shares (inside a ``pm.Model`` context): Student-t on
    log-loss with ``sigma ~ HalfNormal(0.05)``, ``nu ~ Gamma(2, 0.1)``, and ``E, A, B`` on the
    paper's scale as deterministics."""
    import pymc as pm
    import pytensor.tensor as pt

    sigma = pm.HalfNormal("sigma", sigma=PRIOR_SIGMA_SCALE)
    nu = pm.Gamma("nu", alpha=PRIOR_NU[0], beta=PRIOR_NU[1])
    pm.StudentT("log_loss", nu=nu, mu=mu, sigma=sigma, observed=data.log_loss)
    pm.Deterministic("E", pt.exp(log_e))
    pm.Deterministic("A", pt.exp(log_a))
    pm.Deterministic("B", pt.exp(log_b))


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
    with pm.Model() as model:
        alpha = pm.LogNormal("alpha", mu=np.log(PRIOR_EXPONENT_MEDIAN), sigma=PRIOR_EXPONENT_SD)
        beta = pm.LogNormal("beta", mu=np.log(PRIOR_EXPONENT_MEDIAN), sigma=PRIOR_EXPONENT_SD)
        log_e = pm.Normal("log_E", mu=float(np.log(data.centre_loss / 2.0)), sigma=PRIOR_LOG_E_SD)
        term_n, term_d, log_a, log_b = _reducible_terms(data, parameterisation, alpha, beta)
        mu = pt.logaddexp(pt.logaddexp(log_e, term_n), term_d)
        _likelihood(data, mu, log_e, log_a, log_b)
    return model


def _reducible_terms(data: ModelData, parameterisation: str, alpha, beta) -> tuple:
    """The log reducible terms of the Chinchilla law and ``log A, log B`` under ``parameterisation``
    (inside a ``pm.Model`` context; :func:`build_model` says why ``"centred"``).

    ``"centred"`` samples :math:`a_c, b_c \\sim \\mathrm{Normal}(\\log(L_c/4), 1.5)`, the log terms at
    the data centre; ``"naive"`` samples :math:`\\log A, \\log B` with that prior moved to raw
    :math:`\\log N, \\log D`. Returns ``(term_n, term_d, log_a, log_b)``:
    :math:`\\log(A/N^{\\alpha})`, :math:`\\log(B/D^{\\beta})` per run, and the intercepts.
    """
    import pymc as pm

    log_n, log_d = data.log_n, data.log_d
    log_term0 = float(np.log(data.centre_loss / 4.0))
    if parameterisation == "centred":
        a_c = pm.Normal("a_c", mu=log_term0, sigma=PRIOR_LOG_TERM_SD)
        b_c = pm.Normal("b_c", mu=log_term0, sigma=PRIOR_LOG_TERM_SD)
        term_n = a_c - alpha * (log_n - data.centre_log_n)
        term_d = b_c - beta * (log_d - data.centre_log_d)
        return term_n, term_d, a_c + alpha * data.centre_log_n, b_c + beta * data.centre_log_d
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
    return log_a - alpha * log_n, log_b - beta * log_d, log_a, log_b


def build_law_model(data: ModelData, law: str = "chinchilla", parameterisation: str = "centred"):
    """The PyMC model of ``law`` (one of :data:`LAWS`) on ``data``.

    ``"chinchilla"``: :func:`build_model`; ``"data_constrained"`` (tied exponents) and
    ``"data_constrained_untied"``: :func:`build_data_constrained_model` (centred only).
    """
    if law not in LAWS:
        raise ScalingError(f"law {law!r} has no PyMC model; laws with one: {', '.join(LAWS)}")
    if law == "chinchilla":
        return build_model(data, parameterisation)
    if parameterisation != "centred":
        raise ScalingError(f"the {law} model is centred only; got parameterisation {parameterisation!r}")
    return build_data_constrained_model(data, tied=law == "data_constrained")


def dc_log_loss(log_n, log_d, log_u, log_e, log_a, log_b, alpha, beta, log_r_d_star, log_r_n_star,
                tied: bool):
    r"""Log-loss of the data-constrained law, as a PyTensor expression.

    The law of :mod:`scaling.laws` (``data_constrained``; Muennighoff et al. 2023,
    arXiv:2305.16264, Eq. 5) in the log form of :func:`scaling.laws._dc_log_core`:

    .. math::

        u = \log\min(U, D), \quad R_D = D/U - 1, \quad
        \log D' = u + \log\left(1 + R_D^* (1 - e^{-R_D/R_D^*})\right),

        \log U_N = \frac{\log A - \log B + \log\alpha - \log\beta + \beta u}{\alpha}, \quad
        x = \max(\log N - \log U_N, 0), \quad R_N = e^{x} - 1,

        \log N' = \log N - x + \log\left(1 + R_N^* (1 - e^{-R_N/R_N^*})\right),

        \log L = \mathrm{LSE}\left(\log E,\; \log A - \alpha\log N',\; \log B - \beta\log D'\right).

    :math:`U_N = G (U G)^{\beta/\alpha}` with :math:`G = (\alpha A/\beta B)^{1/(\alpha+\beta)}`
    is the parameter count that is compute-optimal for :math:`U` tokens (Hoffmann et al.
    2022, Eq. 4); below it :math:`x = 0` and :math:`N' = N`. ``log_n``, ``log_d``, ``log_u``
    are data (numpy arrays); the rest are PyTensor scalars (``beta`` is ``alpha`` when
    ``tied``). Tests check it against :meth:`scaling.laws.Law.predict`.
    """
    import pytensor.tensor as pt

    u = np.minimum(log_u, log_d)
    repeats = np.expm1(log_d - u)                          # R_D: repeated epochs, data
    r_d_star = pt.exp(log_r_d_star)
    log_d_eff = u + pt.log1p(-r_d_star * pt.expm1(-repeats / r_d_star))
    log_ratio = 0.0 if tied else pt.log(alpha) - pt.log(beta)
    log_u_n = (log_a - log_b + log_ratio + beta * u) / alpha
    excess = pt.clip(log_n - log_u_n, 0.0, _MAX_LOG_EXCESS)
    r_n_star = pt.exp(log_r_n_star)
    log_n_eff = log_n - excess + pt.log1p(-r_n_star * pt.expm1(-pt.expm1(excess) / r_n_star))
    term_n = log_a - alpha * log_n_eff
    term_d = log_b - beta * log_d_eff
    return pt.logaddexp(pt.logaddexp(log_e, term_n), term_d)


def build_data_constrained_model(data: ModelData, tied: bool = True):
    r"""Build the PyMC model of the data-constrained law on log-loss.

    .. math::

        \log L_i \sim \mathrm{StudentT}\left(\nu,\; \log\!\left(E + \frac{A}{N_i'^{\alpha}}
            + \frac{B}{D_i'^{\beta}}\right),\; \sigma\right),

        D' = U + U R_D^* (1 - e^{-R_D/R_D^*}), \quad N' = U_N + U_N R_N^* (1 - e^{-R_N/R_N^*})

    (Muennighoff et al. 2023, "Scaling Data-Constrained Language Models",
    arXiv:2305.16264, Eq. 5; effective data and parameters exactly as in
    :mod:`scaling.laws`, written in PyTensor by :func:`dc_log_loss`). ``tied`` (the law
    ``data_constrained``, as the paper fits it) sets :math:`\beta = \alpha`;
    ``tied=False`` is ``data_constrained_untied``.

    Parameters
    ----------
    data : ModelData
        Runs in log space with ``log_u`` (:meth:`ModelData.from_arrays` with ``n_unique_tokens``).
    tied : bool

    Returns
    -------
    pymc.Model
        Free variables ``log_E``, ``a_c``, ``b_c``, ``alpha`` (and ``beta`` untied),
        ``log_R_D_star``, ``log_R_N_star``, ``sigma``, ``nu``; deterministic ``E, A, B,
        R_D_star, R_N_star``; observed ``log_loss``.

    Notes
    -----
    The likelihood, the centring (:math:`a_c = \log A - \alpha\overline{\log N}`,
    :math:`b_c = \log B - \beta\,\overline{u}` with :math:`u = \log\min(U, D)`) and the
    priors of ``log_E``, ``a_c``, ``b_c``, the exponents, ``sigma`` and ``nu`` are those of
    the chinchilla model (:func:`build_model`). The decay constants, in epochs:

    * :math:`\log R_D^*, \log R_N^* \sim \mathrm{Normal}(\log 10, 2)`: 95% in
      [0.2, 500] repetitions, wide around the published 15.4 and 5.3 (Muennighoff et al.)
      without centring on them. Runs with few epochs or few excess parameters say little
      about these constants (above some tens the law barely changes), so where the data
      are silent the posterior is this prior: on the 250 kept runs of Muennighoff et al.
      :math:`R_N^*` is such a case (see docs/data-constrained.md).
    """
    import pymc as pm
    import pytensor.tensor as pt

    if data.log_u is None:
        raise ScalingError("the data-constrained model needs unique tokens (ModelData.from_arrays(..., "
                           "n_unique_tokens=...))")
    log_term0 = float(np.log(data.centre_loss / 4.0))
    c_n, c_d = data.centre_log_n, data.centre_log_d
    exponent = dict(mu=np.log(PRIOR_EXPONENT_MEDIAN), sigma=PRIOR_EXPONENT_SD)
    decay = dict(mu=float(np.log(PRIOR_R_STAR_MEDIAN)), sigma=PRIOR_R_STAR_SD)
    with pm.Model() as model:
        alpha = pm.LogNormal("alpha", **exponent)
        beta = alpha if tied else pm.LogNormal("beta", **exponent)
        log_e = pm.Normal("log_E", mu=float(np.log(data.centre_loss / 2.0)), sigma=PRIOR_LOG_E_SD)
        a_c = pm.Normal("a_c", mu=log_term0, sigma=PRIOR_LOG_TERM_SD)
        b_c = pm.Normal("b_c", mu=log_term0, sigma=PRIOR_LOG_TERM_SD)
        log_r_d = pm.Normal("log_R_D_star", **decay)
        log_r_n = pm.Normal("log_R_N_star", **decay)
        log_a = a_c + alpha * c_n
        log_b = b_c + beta * c_d
        mu = dc_log_loss(data.log_n, data.log_d, data.log_u, log_e, log_a, log_b, alpha, beta,
                         log_r_d, log_r_n, tied)
        _likelihood(data, mu, log_e, log_a, log_b)
        pm.Deterministic("R_D_star", pt.exp(log_r_d))
        pm.Deterministic("R_N_star", pt.exp(log_r_n))
    return model


def prior_settings(data: ModelData, law: str = "chinchilla") -> dict:
    """The priors as plain numbers, for the saved settings and the report."""
    exponent = f"LogNormal(log {PRIOR_EXPONENT_MEDIAN}, {PRIOR_EXPONENT_SD})"
    out = {
        "alpha": exponent,
        "beta": exponent,
        "log_E": f"Normal(log({data.centre_loss:.6g} / 2), {PRIOR_LOG_E_SD})",
        "a_c": f"Normal(log({data.centre_loss:.6g} / 4), {PRIOR_LOG_TERM_SD})",
        "b_c": f"Normal(log({data.centre_loss:.6g} / 4), {PRIOR_LOG_TERM_SD})",
        "sigma": f"HalfNormal({PRIOR_SIGMA_SCALE})",
        "nu": f"Gamma({PRIOR_NU[0]}, {PRIOR_NU[1]})",
    }
    if law != "chinchilla":
        decay = f"Normal(log {PRIOR_R_STAR_MEDIAN:g}, {PRIOR_R_STAR_SD})"
        out.update({"log_R_D_star": decay, "log_R_N_star": decay})
        if law == "data_constrained":
            out["beta"] = "= alpha (tied)"
    return out
