"""Bayesian fits of scaling laws (PyMC), the only part of ``scaling`` that imports PyMC/ArviZ.

>>> from scaling import bayes, datasets                       # doctest: +SKIP
>>> res = bayes.fit(datasets.load("chinchilla_runs"), seed=0)  # doctest: +SKIP
>>> res.summary()                                              # doctest: +SKIP
>>> res.save("fits/chinchilla_bayes.nc"); bayes.load("fits/chinchilla_bayes.nc")  # doctest: +SKIP

Laws: ``chinchilla`` and the data-constrained ``data_constrained`` / ``data_constrained_untied``
(Muennighoff et al. 2023; runs need an ``n_unique_tokens`` column):

>>> res = bayes.fit(datasets.load("muennighoff_runs"), law="data_constrained", draws=4000, chains=4)  # doctest: +SKIP
>>> res.predict(6.34e9, 242e9, n_unique_tokens=25e9, level=0.9)  # doctest: +SKIP

Importing this package is cheap: PyMC, PyTensor, nutpie and ArviZ load inside
:func:`fit`, :func:`load` and the result's methods; before they do, importing this package
points their caches at a private temporary folder when the home folder cannot hold them
(:mod:`scaling.bayes._cache`). Model, priors and the choice of
likelihood are documented in :func:`scaling.bayes.model.build_model`.
"""

from __future__ import annotations

from ._cache import ensure_cache_dirs

ensure_cache_dirs()  # before PyTensor or ArviZ is imported: writable caches even without a usable HOME

from .core import SUPPORTED_LAWS, fit  # noqa: E402
from .plots import plot_ppc  # noqa: E402
from .result import SCHEMA, SCHEMA_VERSION, BayesFitResult, load  # noqa: E402
from .samplers import SamplerSettings  # noqa: E402

__all__ = ["fit", "load", "plot_ppc", "BayesFitResult", "SamplerSettings", "SUPPORTED_LAWS", "SCHEMA",
           "SCHEMA_VERSION"]
