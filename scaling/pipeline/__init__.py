"""The main job: from the shipped data to fits, forecasts and figures (``scaling run``).

Steps, each cached:

1. Chinchilla law, least squares (Hoffmann/Epoch method) with a 4,000-resample bootstrap.
2. Chinchilla law, Bayesian (PyMC).
3. Hardware trends (Bayesian): peak FLOP/s per purchase dollar and per watt (tensor FP16/BF16
   and FP32), peak FLOP per dollar of cloud rental pooled over every provider (the
   baseline), and the hierarchical cloud-price panel (:mod:`scaling.hardware.panel`), fitted
   once and saved as its named series (``fits/trend_hyperscaler-on-demand.json``,
   ``trend_lowest-available.json``, ...); and the headline's price model, the random walk with
   drift on the hyperscaler on-demand prices (:mod:`scaling.hardware.random_walk`, no sampling;
   ``fits/trend_hyperscaler-on-demand-rw.json``).
4. The seed article's numbers (Sunyan 2023, :mod:`scaling.sunyan2023`), recomputed
   (``forecasts/seed_reproduction.csv``).
5. GPT-3-equivalent cost forecasts in ``forecasts/``: the headline ``gpt3_equivalent_cost``
   on the typical hyperscaler on-demand price forecast by the random walk with drift
   (:data:`HEADLINE_SERIES`, the model issue 20's pre-registered selection chose,
   ``validation/results/price_selection.md``), ``_panel`` on the hierarchical panel's series of
   the same prices (:data:`PANEL_HEADLINE_SERIES`, also the seed comparison's), ``_lowest`` on the lowest widely
   available price, ``_pooled`` on the pooled baseline, the purchase basis (total cost of
   ownership), one law at a time (``_lsq``, ``_bayes``) and with algorithmic progress; and
   ``gpt3_capability_equivalent_cost``: GPT-3's MMLU priced from the least compute public
   models needed (:mod:`scaling.forecast.capability`).
   Every forecast's header names its price series.
6. Figures in ``forecasts/figures/``.

**Caches that check themselves.** A saved fit (steps 1 to 3) is reused only when the file
loads and validates, records the data sha256 of the table the step would fit, the law,
method, seed and settings the step asks for, and ``fits/manifest.json`` records the same
key (a hash of the dataset files, the settings and the scaling version) and the sha256 of
the file's bytes as the job wrote it (a file edited or replaced since is refitted). Otherwise
the step refits and says why in one line (``refitting fits/chinchilla_lsq.json: it was
fitted to other data (sha256 ab12... != cd34...)``). A damaged file (truncated JSON or
netCDF, another schema) is refitted, never fatal.

**An idempotent job.** Every file is written atomically (an interrupted run leaves earlier
outputs intact; stale temporary files of killed runs are swept at start) and only when its
content changes (:func:`scaling._io.write_if_changed`; a JSON file whose only change is its
``created`` stamp is kept). Forecast tables and their metadata, ``summary.json`` and the seed
reproduction table store numbers at :data:`SIGNIFICANT_DIGITS` significant digits: far finer
than the intervals resolve (their Monte Carlo error is about 1% of their width), and coarse enough that the
last-bit differences of another CPU's ``exp`` and ``log`` do not change a file. So a second
``scaling run`` with nothing changed leaves every file byte-identical.

**Modules.** :mod:`~scaling.pipeline.config` (:class:`RunConfig` and the shared constants),
:mod:`~scaling.pipeline._cache` (the manifest and the cache checks),
:mod:`~scaling.pipeline._panel` (the cloud-price panel and its second process),
:mod:`~scaling.pipeline.steps` (the steps and :func:`run`), :mod:`~scaling.pipeline.figures`
(step 6) and :mod:`~scaling.pipeline.summary` (``summary.json``, :func:`seed_comparison`).
Every name is re-exported here.
"""

from __future__ import annotations

from ._cache import (
    MANIFEST, _bytes_sha, _cached, _file_sha, _key, _Manifest, _one_line, _Request, _reusable, _same, _stale_reason,
    _write_result, _written,
)
from ._panel import _panel_job, _start_panel, _stop, panel_settings
from .config import (
    ALGORITHMIC_OPTIONS, CAPABILITY_BOOTSTRAP, CAPABILITY_TARGET, CAPABILITY_VARIANT, HEADLINE_SERIES, LOWEST_SERIES,
    LSQ_DELTA, LSQ_GRID, LSQ_INCLUDE, LSQ_METHOD, PANEL_HEADLINE_SERIES, PANEL_SERIES, POOLED, SIGNIFICANT_DIGITS,
    TRENDS, RunConfig,
)
from .figures import _figures, _plot_code_sha, figure_inputs, figure_jobs, figure_key
from .steps import _capability_fits, _capability_variant, _save_forecast, _with_bar, run
from .summary import _summary, _summary_lines, seed_comparison

__all__ = ["RunConfig", "run", "seed_comparison", "SIGNIFICANT_DIGITS"]
