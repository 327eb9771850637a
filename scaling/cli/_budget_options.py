"""The budget options of ``scaling optimal``, checked and named as the command line spells them.

``--compute``, ``--hardware``, ``--chips``, ``--days``, ``--usd``, ``--mfu``, ``--precision``,
``--usd-per-chip-hour`` and ``--price-date`` become the keyword arguments of
:func:`scaling.sizing.optimal` through :func:`scaling.budget.from_options` (the library, whose
messages name its Python arguments); conflicting or incomplete options are refused here first,
in one line naming the options as typed.
"""

from __future__ import annotations

from scaling import budget
from scaling.errors import ScalingError

__all__ = ["FLAGS", "budget_options"]

#: Python argument of :func:`scaling.budget.from_options` -> the option of ``scaling optimal``.
FLAGS = {"compute_flops": "--compute", "hardware": "--hardware", "chips": "--chips", "days": "--days",
         "usd": "--usd", "mfu": "--mfu", "precision": "--precision", "usd_per_chip_hour": "--usd-per-chip-hour",
         "price_date": "--price-date"}


def _check(*, compute_flops, hardware, chips, days, usd, rate_options: dict, query: str) -> None:
    """Refuse conflicting or incomplete budget options (the cases of :func:`scaling.budget.from_options`)."""
    given = [FLAGS[k] for k, v in (("compute_flops", compute_flops), ("chips", chips), ("days", days), ("usd", usd))
             if v is not None]
    if compute_flops is not None and len(given) > 1:
        raise ScalingError(f"conflicting budget options {', '.join(given)}: give the budget once, in FLOPs "
                           "(--compute), chip time (--hardware --chips --days) or dollars (--hardware --usd)")
    if days is not None and usd is not None:
        raise ScalingError(f"conflicting budget options --days {days:g} and --usd {usd:g}: give chip time "
                           "(--chips --days) or dollars (--usd), not both")
    if query != "budget" and (days is not None or usd is not None):
        raise ScalingError(f"{query} is a query of its own: --days and --usd set a budget; drop one")
    if hardware is None:
        extra = [FLAGS[k] for k in rate_options] + \
                [o for o, v in (("--chips", chips), ("--days", days), ("--usd", usd)) if v is not None]
        if extra:
            price = (" and a price (--usd-per-chip-hour, or the chip's shipped cloud price)"
                     if usd is not None else "")
            raise ScalingError(f"{', '.join(extra)} need{'s' if len(extra) == 1 else ''} --hardware "
                               f"(a chip name, e.g. h100){price}")
        return
    if days is not None and chips is None:
        raise ScalingError(f"--days {days:g} needs --chips (how many chips run for that time)")
    if days is None and usd is None and chips is not None and query == "budget" and compute_flops is None:
        raise ScalingError(f"--chips {chips:g} needs --days (a chip-time budget) or --usd (a dollar budget)")


def budget_options(*, compute_flops: float | None = None, hardware=None, chips: float | None = None,
                   days: float | None = None, usd: float | None = None, mfu: float | None = None,
                   precision: str | None = None, usd_per_chip_hour: float | None = None, price_date=None,
                   query: str = "budget") -> dict:
    """The keyword arguments of :func:`scaling.sizing.optimal` for the budget options of ``scaling optimal``.

    ``query`` is the other query's option (``"--loss"``, ``"--target"``) or ``"budget"``.
    Conflicting or incomplete options raise :class:`~scaling.errors.ScalingError` naming the
    options (``--days 3 needs --chips ...``); the rest is :func:`scaling.budget.from_options`.
    """
    rate_options = {k: v for k, v in (("mfu", mfu), ("precision", precision),
                                      ("usd_per_chip_hour", usd_per_chip_hour), ("price_date", price_date))
                    if v is not None}
    _check(compute_flops=compute_flops, hardware=hardware, chips=chips, days=days, usd=usd,
           rate_options=rate_options, query=query)
    return budget.from_options(compute_flops=compute_flops, hardware=hardware, chips=chips, days=days, usd=usd,
                               query=query, **rate_options)
