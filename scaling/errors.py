"""The package's one exception for bad input and its structured warnings.

- :class:`ScalingError` (a ``ValueError``) is raised for every input the package
  refuses: a value out of its domain, an unknown name, a malformed or foreign file.
  Its message names the bad value and what is allowed. The CLI turns exactly this
  (and ``OSError``) into one ``error:`` line and exit code 2; any other exception is
  a bug and surfaces as a traceback.
- :class:`ScalingWarning` is what ``result.warnings()`` returns: a stable ``code``
  that programs can test and a ``message`` for people. The CLI prints each as
  ``warning: <message>`` on stderr before the answer it qualifies.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ScalingError", "ScalingWarning", "WARNING_CODES"]


class ScalingError(ValueError):
    """Bad input: a value, option, name or file the package cannot use.

    A subclass of ``ValueError`` so that code written against plain ``ValueError``
    keeps working.
    """


#: The warning codes in use, each with what it means. A new code is added here first.
WARNING_CODES: dict[str, str] = {
    # fits of scaling laws
    "param_at_bound": "a parameter estimate is at or beyond the bound where the law is meaningful",
    "param_not_finite": "a parameter estimate is not a finite number",
    "few_distinct_sizes": "fewer than three distinct model sizes or token counts: the law is not identified",
    "draws_at_bound": "many bootstrap or posterior draws pile up at a parameter bound",
    "ill_conditioned": "the optimum is nearly flat in some direction: parameters are poorly determined",
    "few_draws": "too few resamples or draws for the interval level asked",
    "failed_starts": "optimiser starts failed (iteration limit or non-finite values)",
    "bootstrap_failed": "bootstrap refits did not converge",
    "poor_fit": "the law fits the runs badly (large residuals)",
    "units": "N or D look like they are in other units (e.g. millions of parameters)",
    # samplers
    "r_hat": "chains disagree (R-hat above its threshold)",
    "ess_bulk": "too few effective draws for reliable intervals",
    "ess_tail": "too few effective draws for reliable interval ends",
    "divergences": "divergent transitions after tuning",
    # trends
    "few_chips": "few chips: the interval is wide and sensitive to each chip",
    "no_improvement": "the data do not establish an improving trend",
    "backtest": "rolling-origin backtests found this model's intervals miscalibrated on this data",
    # queries
    "unreachable_draws": "some draws cannot answer the query",
    "extrapolation": "the query lies far beyond the data the fit was made on",
    "thin_price": "a looked-up price rests on a single observation",
    # capability laws
    "few_family_models": "model families with one model: their offsets rest on one score",
}


@dataclass(frozen=True)
class ScalingWarning:
    """A warning about a result: a stable ``code`` (see :data:`WARNING_CODES`) and a message.

    Examples
    --------
    >>> w = ScalingWarning("r_hat", "R-hat of alpha is 1.05 > 1.01")
    >>> str(w)
    'R-hat of alpha is 1.05 > 1.01'
    """

    code: str
    message: str

    def __post_init__(self):
        if self.code not in WARNING_CODES:
            raise ValueError(f"unknown warning code {self.code!r}; known codes: {', '.join(WARNING_CODES)}")

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message}
