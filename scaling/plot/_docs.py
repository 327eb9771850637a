"""Shared docstring fragments of the plot functions: ``{captions}`` and ``{unique}``."""

from __future__ import annotations

UNIQUE_DOC = """n_unique_tokens : float, optional
        Unique tokens :math:`U` to draw a law with covariates at (the data-constrained laws
        of Muennighoff et al. 2023, arXiv:2305.16264: a pool of :math:`U` unique tokens;
        :meth:`scaling.laws.Law.at`); required for those laws (``--unique-tokens`` in the
        CLI), refused for the others. Written in the subtitle (and the corner note)."""

CAPTION_DOC = """size : {"column", "page", "slide"}, optional
        Size preset of a new figure (3.5 in wide, 7 in wide, 13.33 x 7.5 in); default
        ``"page"``. Ignored when ``ax`` is given.
    title, subtitle, source : str, True or None
        Title, assumptions line and data-source line; ``True`` writes the automatic
        text, ``None`` (default) leaves the line out (pass ``**scaling.plot.CAPTIONS``
        for all three)."""


def fill_doc(func):
    """``func`` with ``{captions}`` and ``{unique}`` in its docstring replaced by the fragments."""
    func.__doc__ = func.__doc__.replace("{captions}", CAPTION_DOC).replace("{unique}", UNIQUE_DOC)
    return func
