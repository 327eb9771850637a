"""Sunyan (2023), "The Economics of Large Language Models": its numbers, recomputed row by row.

The article (https://sunyan.substack.com/p/the-economics-of-large-language-models)
estimates what LLMs cost to train and serve; this package reproduces 20 of its figures
through the public :mod:`scaling.cost` API. Its tables were images; the stated inputs and
the published figures live in :mod:`~scaling.sunyan2023.article` (:data:`ARTICLE_INPUTS`,
:data:`PUBLISHED`, :data:`PERIOD`), the only home of the article's numbers. Modules:

* :mod:`~scaling.sunyan2023.article`: the article's inputs and published figures;
* :mod:`~scaling.sunyan2023.checks`: :class:`Check` (one figure against its recomputation,
  within the figure's own rounding) and :class:`SeedRow` (one row and its verdict);
* :mod:`~scaling.sunyan2023.rows`: the 20 recomputations and :func:`factors` (the article's
  decomposition of the fall of the GPT-3-equivalent cost);
* :mod:`~scaling.sunyan2023.report`: the table and ``docs/seed-reproduction.md``.

Whether a row reproduces is decided by the comparison, never written in. Run
``python -m scaling.sunyan2023`` (or ``scaling cost seed``) to print the table;
``python -m scaling.sunyan2023 --write docs/seed-reproduction.md`` regenerates the document.
(Formerly ``scaling.seed``, kept one release as a deprecated alias.)

Examples
--------
>>> from scaling import sunyan2023
>>> table = sunyan2023.reproduction_table()
>>> len(table), sorted(set(table["reproduces"]))
(20, ['no', 'partly', 'yes'])
>>> sunyan2023.PUBLISHED["gpt3_training_usd_tpu_v4"].text
'~$1.4M'
"""

from __future__ import annotations

from .article import ARTICLE_INPUTS, CHINCHILLA_ROUNDED, LARGE_MODEL, PERIOD, PUBLISHED, Claim, claim
from .checks import Check, SeedRow
from .report import DOC_PATH, main, render_markdown, reproduction_table, write_markdown
from .rows import ROWS, factors, row, rows

__all__ = ["ARTICLE_INPUTS", "CHINCHILLA_ROUNDED", "LARGE_MODEL", "PERIOD", "PUBLISHED", "Claim", "claim",
           "Check", "SeedRow", "ROWS", "rows", "row", "factors", "reproduction_table", "render_markdown",
           "write_markdown", "main", "DOC_PATH"]
