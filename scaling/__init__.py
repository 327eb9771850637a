"""scaling: the economics of large language models.

Fit scaling laws to published training runs, size compute-optimal models with
uncertainty, fit hardware price-performance trends, and forecast what a given
level of performance costs over time.

``import scaling`` is cheap: PyMC, ArviZ and matplotlib load only inside the
functions that need them.
"""

from __future__ import annotations

from importlib import import_module

__version__ = "0.1.0"

# Public names resolved lazily (PEP 562) so that importing the package stays fast
# and never pulls in heavy dependencies. The functions `fit` and `optimal` live in
# modules named differently (`fitting`, `sizing`) so that importing a submodule never
# shadows the function of the same name on the package.
_LAZY = {
    "fit": ("scaling.fitting", "fit"),
    "FitResult": ("scaling.fitting", "FitResult"),
    "load_fit": ("scaling.fitting", "load_fit"),
    "optimal": ("scaling.sizing", "optimal"),
    "sizing": ("scaling.sizing", None),
    "fitting": ("scaling.fitting", None),
    "laws": ("scaling.laws", None),
    "datasets": ("scaling.datasets", None),
    "cost": ("scaling.cost", None),
    "hardware": ("scaling.hardware", None),
    "forecast": ("scaling.forecast", None),
    "plot": ("scaling.plot", None),
    "bayes": ("scaling.bayes", None),
    "capability": ("scaling.capability", None),
}

__all__ = ["__version__", *sorted(_LAZY)]


def __getattr__(name: str):
    try:
        module_name, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'scaling' has no attribute {name!r}") from None
    module = import_module(module_name)
    value = module if attr is None else getattr(module, attr)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
