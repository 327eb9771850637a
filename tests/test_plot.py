"""Figures: every kind renders through the API and the CLI, with the expected axes and artists.

Checks are structural (scales, labels, artists, legend entries, file headers), plus a few
numeric ones on what is drawn (the marked IsoFLOP optimum is the curve's minimum, the
20-tokens-per-parameter line is D = 20 N); never pixel comparisons.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from click.testing import CliRunner  # noqa: E402

from scaling import plot  # noqa: E402
from scaling.cli import main  # noqa: E402
from scaling.errors import ScalingError  # noqa: E402
from scaling.laws import get_law  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LSQ = ROOT / "fits" / "chinchilla_lsq.json"
BAYES = ROOT / "fits" / "chinchilla_bayes.nc"
# Kaplan et al. (2020), Eq. 1.5: a law without closed-form allocation.
KAPLAN = dict(N_c=8.8e13, D_c=5.4e13, alpha_N=0.076, alpha_D=0.095)


def _forecast_frame():
    dates = pd.date_range("2020-01-01", "2030-01-01", freq="YS")
    rows = []
    for quantity, base in (("training_cost_usd", 4e6), ("inference_usd_per_1k_tokens", 3e-3)):
        for level, width in ((0.5, 1.4), (0.9, 2.5)):
            for k, date in enumerate(dates):
                median = base * 0.6 ** k
                spread = width ** (1 + k / 4)
                rows.append(dict(date=date, quantity=quantity, median=median, lower=median / spread,
                                 upper=median * spread, level=level))
    return pd.DataFrame(rows)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def fit():
    """The shipped least-squares fit (4,000 bootstrap draws)."""
    from scaling.fitting import load_fit

    return load_fit(LSQ)


@pytest.fixture(scope="module")
def posterior():
    """The shipped Bayesian fit."""
    from scaling import bayes

    return bayes.load(BAYES)


@pytest.fixture(scope="module")
def runs():
    from scaling import datasets

    return datasets.load("chinchilla_runs")


@pytest.fixture(scope="module")
def saved_fits():
    """The shipped fit files: least squares (.json) and Bayesian (.nc)."""
    return [LSQ, BAYES]


def _legend_texts(ax):
    """Entries of the axes' legend, or of the figure's (a preset figure has one legend below the data)."""
    legends = [ax.get_legend()] if ax.get_legend() else list(ax.figure.legends)
    return [t.get_text() for legend in legends for t in legend.get_texts()]


# --------------------------------------------------------------------------------------
# the module stays light
# --------------------------------------------------------------------------------------
def test_import_does_not_load_matplotlib():
    code = "import scaling.plot, sys; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_palette_is_okabe_ito_and_style_is_local():
    before = matplotlib.rcParams["axes.spines.top"]
    with plot.style():
        assert matplotlib.rcParams["axes.spines.top"] is False
        colors = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
    assert [c.upper() for c in colors] == [c.upper() for c in plot.PALETTE]
    assert "#E69F00" in plot.PALETTE and "#56B4E9" in plot.PALETTE
    assert matplotlib.rcParams["axes.spines.top"] == before


# --------------------------------------------------------------------------------------
# loss-law figures
# --------------------------------------------------------------------------------------
def test_isoflop_curves_points_and_optimum(fit, runs):
    budgets = (6e18, 1e20, 3e21)
    ax = plot.isoflop(fit, runs=runs, budgets=budgets)
    assert ax.get_xscale() == "log"
    assert "N" in ax.get_xlabel() and "loss" in ax.get_ylabel()
    curves = [ln for ln in ax.get_lines() if len(ln.get_xdata()) > 10]
    assert len(curves) == len(budgets)
    texts = _legend_texts(ax)
    assert {"6e18 FLOPs", "1e20 FLOPs", "3e21 FLOPs", "compute-optimal N"} <= set(texts)
    # The starred optimum is the minimum of its curve, and follows N_opt = G (C/6)^a.
    stars = [c for c in ax.collections if len(c.get_offsets()) == 1 and c.get_label().startswith("_")]
    assert len(stars) == len(budgets)
    for curve, star in zip(curves, stars):
        x, y = np.asarray(curve.get_xdata()), np.asarray(curve.get_ydata())
        n_star, loss_star = star.get_offsets()[0]
        assert abs(np.log10(x[np.argmin(y)]) - np.log10(n_star)) < np.diff(np.log10(x)).max()
        assert loss_star <= y.min() + 1e-9
    # Runs near each budget are drawn (the shipped data has runs at all three budgets).
    run_points = [c for c in ax.collections if len(c.get_offsets()) > 1]
    assert len(run_points) >= len(budgets)


def test_isoflop_rejects_bad_input(fit):
    with pytest.raises(ValueError, match="budgets"):
        plot.isoflop(fit, budgets=[-1.0])
    with pytest.raises(ScalingError, match="budgets"):
        plot.isoflop(fit, budgets="many")
    with pytest.raises(ScalingError, match="match no law"):
        plot.isoflop({"E": 1.8, "alpha": 0.3})
    with pytest.raises(ScalingError, match="fitted loss law"):
        plot.isoflop(object())


def test_loss_contours(fit, runs):
    ax = plot.loss_contours(fit, runs=runs)
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert "N" in ax.get_xlabel() and "D" in ax.get_ylabel()
    texts = _legend_texts(ax)
    for entry in ("efficient frontier", "training runs", "reference models"):
        assert entry in texts
    assert any("iso-compute" in t for t in texts)
    labels = {t.get_text() for t in ax.texts}
    assert {"GPT-3", "Chinchilla", "Gopher", "PaLM"} <= labels
    # The frontier passes through the closed-form optimum at Chinchilla's budget.
    frontier = next(ln for ln in ax.get_lines() if ln.get_label() == "efficient frontier")
    n, d = np.asarray(frontier.get_xdata()), np.asarray(frontier.get_ydata())
    c = 6 * n * d
    n_at = np.exp(np.interp(np.log(5.76e23), np.log(c), np.log(n)))
    assert n_at == pytest.approx(get_law("chinchilla").allocate(fit.params, 5.76e23)[0], rel=1e-3)
    assert 6.0e10 < n_at < 8.5e10  # the replication's 72.4B (reference/published-results.md)
    # A colourbar of the loss was added.
    assert any("loss" in a.get_ylabel() for a in ax.figure.axes if a is not ax)


def test_loss_contours_without_overlays(fit):
    ax = plot.loss_contours(fit, runs=False, reference_models=False)
    assert "training runs" not in _legend_texts(ax)
    assert not any(t.get_text() == "GPT-3" for t in ax.texts)
    custom = pd.DataFrame({"name": ["mine"], "n_params": [1e10], "n_tokens": [2e11]})
    ax = plot.loss_contours(fit, runs=False, reference_models=custom)
    assert "mine" in {t.get_text() for t in ax.texts}
    with pytest.raises(ValueError, match="n_tokens"):
        plot.loss_contours(fit, runs=False, reference_models=custom.drop(columns="n_tokens"))


def test_fit_residuals_two_panels_and_one(fit, runs):
    axes = plot.fit_residuals(fit, runs=runs)
    assert isinstance(axes, np.ndarray) and axes.shape == (2,)
    fitted_ax, compute_ax = axes
    assert "fitted" in fitted_ax.get_xlabel() and "observed" in fitted_ax.get_ylabel()
    assert compute_ax.get_xscale() == "log" and "FLOPs" in compute_ax.get_xlabel()
    assert {"runs used", "excluded runs"} <= set(_legend_texts(compute_ax))
    # Residual points equal log(observed) - log(fitted).
    kept = runs[~runs["excluded"]]
    pts = next(c for c in compute_ax.collections if c.get_label() == "runs used").get_offsets()
    expected = np.log(kept["loss"]) - np.log(fit.predict(kept["n_params"].to_numpy(), kept["n_tokens"].to_numpy()))
    np.testing.assert_allclose(np.asarray(pts)[:, 1], expected, rtol=1e-10)

    fig, ax = plt.subplots()
    single = plot.fit_residuals(fit, runs=runs, ax=ax)
    assert single is ax
    ax2 = plot.fit_residuals(fit, runs=runs, panel="compute")
    assert ax2.get_xscale() == "log"
    with pytest.raises(ValueError, match="panel"):
        plot.fit_residuals(fit, panel="qq")
    with pytest.raises(ValueError, match="axes="):
        plot.fit_residuals(fit, ax=ax, panel="both")


def test_param_pairs_compares_fits(fit, posterior):
    axes = plot.param_pairs(fit, posterior, params=("E", "alpha", "beta", "a"))
    assert axes.shape == (4, 4)
    assert not axes[0, 1].get_visible() and axes[1, 0].get_visible()
    assert axes[3, 0].get_xlabel() == "$E$" and axes[1, 0].get_ylabel() == r"$\alpha$"
    # One histogram per fit on the diagonal; a scatter per fit (plus point estimates) below it.
    assert len(axes[0, 0].patches) == 4  # filled + outline per fit
    assert len(axes[2, 1].collections) == 4
    legend_texts = [t.get_text() for leg in axes[0, 0].figure.legends for t in leg.get_texts()]
    assert legend_texts == ["bootstrap (Huber)", "posterior"]


def test_param_pairs_errors(fit):
    with pytest.raises(ValueError, match="at least one"):
        plot.param_pairs()
    with pytest.raises(ValueError, match="allowed"):
        plot.param_pairs(fit, params=("E", "gamma"))
    with pytest.raises(ValueError, match="labels"):
        plot.param_pairs(fit, labels=["a", "b"])
    axes = plot.param_pairs(dataclasses.replace(fit, draws=None), params=("alpha", "beta"))  # points only
    assert axes.shape == (2, 2)
    axes = plot.param_pairs(fit)  # default: the law's bounded parameters
    assert axes.shape == (3, 3) and axes[2, 0].get_xlabel() == "$E$" and axes[2, 0].get_ylabel() == r"$\beta$"


def test_optimal_allocation_bands_and_rule(fit):
    ax = plot.optimal_allocation(fit, compute_range=(1e19, 1e25), level=0.8)
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert "FLOPs" in ax.get_xlabel()
    texts = _legend_texts(ax)
    assert any("N_{opt}" in t for t in texts) and any("D_{opt}" in t for t in texts)
    assert any("20 tokens per parameter" in t for t in texts)
    assert f"80% bootstrap interval ({len(fit.draws)} draws)" in texts
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    n_rule = lines["N, 20 tokens per parameter"]
    d_rule = lines["D, 20 tokens per parameter"]
    np.testing.assert_allclose(np.asarray(d_rule.get_ydata()) / np.asarray(n_rule.get_ydata()), 20.0)
    # Bands contain the point-estimate line.
    n_line = np.asarray(lines["parameters $N_{opt}$"].get_ydata())
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    assert band.min() <= n_line.min() and band.max() >= n_line.max()
    with pytest.raises(ValueError, match="level"):
        plot.optimal_allocation(fit, level=1.5)
    with pytest.raises(ValueError, match="compute_range"):
        plot.optimal_allocation(fit, compute_range=(1e24, 1e20))


def test_optimal_allocation_without_draws_has_no_band(fit):
    ax = plot.optimal_allocation(dataclasses.replace(fit, draws=None))
    assert not any("interval" in t for t in _legend_texts(ax))


@pytest.mark.parametrize("kind", ["isoflop", "contours", "residuals", "optimal"])
def test_every_fit_plot_takes_the_posterior(posterior, runs, kind):
    draw = {"isoflop": lambda: plot.isoflop(posterior, runs=runs, budgets=(1e19, 1e21)),
            "contours": lambda: plot.loss_contours(posterior, runs=False, reference_models=False),
            "residuals": lambda: plot.fit_residuals(posterior, runs=runs, axes=plt.subplots(1, 2)[1])[1],
            "optimal": lambda: plot.optimal_allocation(posterior, level=0.5)}[kind]
    ax = draw()
    if kind != "residuals":
        assert "Bayesian posterior" in " ".join(t.get_text() for t in ax.texts)
    if kind == "residuals":
        kept = runs[~runs["excluded"]]
        pts = next(c for c in ax.collections if c.get_label() == "runs used").get_offsets()
        fitted = posterior.predict(kept["n_params"].to_numpy(), kept["n_tokens"].to_numpy())
        np.testing.assert_allclose(np.asarray(pts)[:, 1], np.log(kept["loss"]) - np.log(fitted), rtol=1e-10)
    if kind == "optimal":
        assert f"50% credible interval ({len(posterior.draws)} draws)" in _legend_texts(ax)


def test_a_law_without_closed_forms_plots(runs):
    # Kaplan's law has no closed-form allocation: the generic numerics of scaling.laws answer.
    ax = plot.isoflop(KAPLAN, runs=runs, budgets=(1e19, 1e21))
    curves = [ln for ln in ax.get_lines() if len(ln.get_xdata()) > 10]
    stars = [c for c in ax.collections if len(c.get_offsets()) == 1 and c.get_label().startswith("_")]
    for curve, star in zip(curves, stars):
        assert star.get_offsets()[0][1] <= np.asarray(curve.get_ydata()).min() + 1e-9
    ax = plot.optimal_allocation(KAPLAN, compute_range=(1e20, 1e24))
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    n = np.asarray(lines["parameters $N_{opt}$"].get_ydata())
    d = np.asarray(lines["tokens $D_{opt}$"].get_ydata())
    np.testing.assert_allclose(6 * n * d, np.geomspace(1e20, 1e24, 120), rtol=1e-9)
    axes = plot.param_pairs(KAPLAN)
    assert axes.shape == (2, 2) and axes[1, 0].get_ylabel() == r"$\alpha_{D}$"


# --------------------------------------------------------------------------------------
# hardware trends and forecasts
# --------------------------------------------------------------------------------------
def test_fan_chart_levels_and_axes():
    frame = _forecast_frame()
    ax = plot.fan_chart(frame)
    assert ax.get_yscale() == "log"
    assert "US$" in ax.get_ylabel()
    assert _legend_texts(ax) == ["90% interval", "50% interval", "median"]
    assert len(ax.collections) == 2  # one band per level
    # The wider level is drawn lighter, as a ring outside the narrower band (two strips, no overlap),
    # the narrower one at the opacity the two had over each other: what the chart shows is what the
    # legend's swatch shows.
    alphas = [c.get_alpha() for c in ax.collections]
    assert alphas[0] < alphas[1]
    outer, inner = ax.collections
    assert len(outer.get_paths()) == 2 and len(inner.get_paths()) == 1
    a90 = (0.15 + 0.5 * 1 / 3) * 0.6
    a50 = (0.15 + 0.5 * 2 / 3) * 0.6
    assert alphas[1] == pytest.approx(1 - (1 - a90) * (1 - a50))
    ring_top = outer.get_paths()[1].vertices[:, 1]
    band = frame.query("quantity == 'training_cost_usd'")
    upper50 = band.loc[band["level"] == 0.5, "upper"].to_numpy()
    assert np.isclose(ring_top[:, None], upper50[None, :]).any(axis=1).sum() >= len(upper50)  # starts at the 50% edge
    # Dates on x: the tick formatter is a date formatter.
    assert "Date" in type(ax.xaxis.get_major_formatter()).__name__
    ax = plot.fan_chart(frame, quantity="inference_usd_per_1k_tokens")
    assert "1K tokens" in ax.get_ylabel()
    with pytest.raises(ValueError, match="training_cost_usd"):
        plot.fan_chart(frame, quantity="energy")
    with pytest.raises(ValueError, match="level"):
        plot.fan_chart(frame.drop(columns="level"))


def test_fan_chart_accepts_forecast_objects():
    frame = _forecast_frame()
    fc = pytest.importorskip("scaling.forecast")
    real = fc.Forecast(table=frame, assumptions={}, dates=pd.DatetimeIndex(sorted(frame["date"].unique())))
    fig, ax = plt.subplots()
    assert real.plot(ax=ax, quantity="inference_usd_per_1k_tokens") is ax
    median = np.asarray(ax.get_lines()[0].get_ydata(), dtype=float)
    expected = frame.query("quantity == 'inference_usd_per_1k_tokens' and level == 0.9")["median"]
    np.testing.assert_allclose(median, expected.to_numpy())


def test_fan_chart_marks_the_last_price_data():
    """The latest data_end of the recorded price trends (a mixture's too) is a dotted line in the
    legend; a forecast that records none, or whose data end lies outside the dates, gets no line."""
    frame = _forecast_frame()
    fc = pytest.importorskip("scaling.forecast")
    dates = pd.DatetimeIndex(sorted(frame["date"].unique()))
    mid = dates[len(dates) // 2]
    early = dates[1]
    mixed = {"price_trend": {"a": {"metric": "flops_per_usd_cloud", "data_end": f"{early:%Y-%m-%d}"},
                             "b": [{"metric": "flops_per_usd", "data_end": f"{mid:%Y-%m-%d}"},
                                   {"metric": "flops_per_watt", "data_end": f"{early:%Y-%m-%d}"}]}}
    ax = plot.fan_chart(fc.Forecast(table=frame, assumptions=mixed, dates=dates))
    marked = [ln for ln in ax.get_lines() if ln.get_label().startswith("last price data")]
    assert len(marked) == 1 and f"({mid:%b %Y})" in marked[0].get_label()
    assert mdates_num(marked[0].get_xdata()[0]) == pytest.approx(mdates_num(mid))
    outside = {"price_trend": {"metric": "flops_per_usd", "data_end": f"{dates[-1] + pd.DateOffset(years=1):%Y-%m-%d}"}}
    for a in ({}, outside):
        ax = plot.fan_chart(fc.Forecast(table=frame, assumptions=a, dates=dates))
        assert not [ln for ln in ax.get_lines() if ln.get_label().startswith("last price data")]


def mdates_num(x) -> float:
    import matplotlib.dates as mdates

    return float(x) if isinstance(x, (int, float, np.floating)) else float(mdates.date2num(pd.Timestamp(x)))


def test_fan_chart_names_a_forecast_by_its_label_and_refuses_other_objects():
    frame = _forecast_frame()
    fc = pytest.importorskip("scaling.forecast")
    real = fc.Forecast(table=frame, assumptions={"utilisation": [0.3, 0.5]}, label="cloud",
                       dates=pd.DatetimeIndex(sorted(frame["date"].unique())))
    ax = plot.fan_chart(real, subtitle=True)
    assert "cloud" in ax.get_legend_handles_labels()[1]
    assert any("utilisation 30%-50%" in t.get_text() for t in ax.figure.texts)
    from scaling.results import DrawColumns

    with pytest.raises(ScalingError, match="expected a Forecast or a DataFrame, got DrawColumns"):
        plot.fan_chart(DrawColumns({"median": [1.0]}))  # a to_frame() alone does not make a forecast


def test_runs_of_takes_loss_law_fits_only():
    from scaling.datasets import load
    from scaling.hardware import fit_trend

    trend = fit_trend(load("accelerators"), method="ols")
    with pytest.raises(ScalingError, match="FitResult or BayesFitResult.*got TrendResult"):
        plot.runs_of(trend)


# --------------------------------------------------------------------------------------
# saving
# --------------------------------------------------------------------------------------
HEADERS = {".png": b"\x89PNG\r\n\x1a\n", ".pdf": b"%PDF-"}


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_savefig_formats(tmp_path, fit, suffix):
    ax = plot.optimal_allocation(fit)
    path = plot.savefig(ax, tmp_path / f"sub/fig{suffix}")
    data = path.read_bytes()
    if suffix == ".svg":
        assert b"<svg" in data[:500]
    else:
        assert data.startswith(HEADERS[suffix])
    if suffix == ".png":
        from PIL import Image

        with Image.open(path) as im:
            im.verify()
            assert im.size[0] > 500
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary files left


def test_savefig_is_reproducible_and_accepts_arrays(tmp_path, fit):
    # Same inputs, a fresh figure: the same bytes (no dates or random ids in the file).
    a = plot.savefig(plot.fit_residuals(fit), tmp_path / "a.svg").read_bytes()
    b = plot.savefig(plot.fit_residuals(fit)[0].figure, tmp_path / "b.svg").read_bytes()
    assert a == b


def test_savefig_errors(tmp_path, fit):
    ax = plot.optimal_allocation(fit)
    with pytest.raises(ValueError, match=r"\.png, \.svg, \.pdf"):
        plot.savefig(ax, tmp_path / "fig.jpg")
    with pytest.raises(ScalingError, match="Figure"):
        plot.savefig("not a figure", tmp_path / "fig.png")


# --------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------
def _invoke(args, cwd):
    runner = CliRunner()
    with runner.isolated_filesystem(temp_dir=cwd):
        result = runner.invoke(main, args)
        return result


def _is_image(path):
    data = path.read_bytes()
    return data.startswith(HEADERS.get(path.suffix, b"")) if path.suffix != ".svg" else b"<svg" in data[:500]


@pytest.mark.parametrize("which", [0, 1], ids=["lsq", "bayes"])
@pytest.mark.parametrize("kind,suffix", [("isoflop", ".png"), ("contours", ".pdf"), ("residuals", ".svg"),
                                         ("optimal", ".png")])
def test_cli_fit_kinds(tmp_path, saved_fits, kind, suffix, which):
    out = tmp_path / f"{kind}{suffix}"
    result = CliRunner().invoke(main, ["plot", kind, "--fit", str(saved_fits[which]), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.output
    assert _is_image(out)
    assert plt.get_fignums() == []  # the command closes its figures


def test_cli_params_two_fits(tmp_path, saved_fits):
    out = tmp_path / "params.png"
    args = ["plot", "params", "-o", str(out)] + [a for p in saved_fits for a in ("--fit", str(p))]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    from PIL import Image

    with Image.open(out) as im:
        im.verify()


def test_cli_fan(tmp_path):
    path = tmp_path / "forecast.csv"
    _forecast_frame().to_csv(path, index=False)
    out = tmp_path / "fan.png"
    result = CliRunner().invoke(main, ["plot", "fan", "--forecast", str(path), "-o", str(out),
                                       "--quantity", "inference_usd_per_1k_tokens"])
    assert result.exit_code == 0, result.output
    assert _is_image(out)
    result = CliRunner().invoke(main, ["plot", "fan", "--forecast", str(path), "-o", str(out),
                                       "--quantity", "energy"])
    assert result.exit_code == 2 and "unknown quantity 'energy'" in result.output


@pytest.fixture(scope="module")
def ols_trend():
    hardware = pytest.importorskip("scaling.hardware")
    fit_trend = getattr(hardware, "fit_trend", None) or pytest.importorskip("scaling.hardware.trend").fit_trend
    return fit_trend(metric="flops_per_usd", precision="tensor16", method="ols", draws=200, chains=1)


def test_hardware_trend_real_result(ols_trend):
    ax = plot.hardware_trend(ols_trend)
    texts = _legend_texts(ax)
    assert "90% predictive interval (new chip)" in texts
    assert any(t.startswith("90% ") and t.endswith(" interval (trend)") for t in texts)  # credible or confidence
    dt = ols_trend.doubling_time_years["value"]
    assert any(f"doubling every {dt:.2f} years" in t for t in texts)
    points = next(c for c in ax.collections if c.get_label() == "accelerators")
    assert len(points.get_offsets()) == len(ols_trend.data)
    assert ax.texts  # flagships found in the shipped table
    ax = plot.hardware_trend(ols_trend, label_chips=False)
    assert not ax.texts
    line = next(ln for ln in ax.get_lines() if ln.get_label().startswith("trend"))
    y = np.asarray(line.get_ydata())
    assert np.all(np.diff(np.log10(y)) > 0)  # FLOP/s per $ rises


def test_cli_trend(tmp_path, ols_trend):
    trend = ols_trend
    path = tmp_path / "trend.json"
    trend.save(path)
    out = tmp_path / "trend.png"
    result = CliRunner().invoke(main, ["plot", "trend", "--trend", str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert _is_image(out)


def test_cli_errors(tmp_path, saved_fits):
    runner = CliRunner()
    result = runner.invoke(main, ["plot", "histogram"])
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0 and "known kinds: isoflop" in result.output
    result = runner.invoke(main, ["plot", "isoflop", "--fit", str(tmp_path / "missing.json"),
                                  "-o", str(tmp_path / "x.png")])
    assert result.exit_code == 2 and "does not exist" in result.output
    assert result.output.strip().count("\n") == 0
    result = runner.invoke(main, ["plot", "isoflop", "--fit", str(saved_fits[0]), "-o", str(tmp_path / "x.gif")])
    assert result.exit_code == 2 and ".png, .svg, .pdf" in result.output
    result = runner.invoke(main, ["plot", "optimal", "--fit", str(saved_fits[0]), "--fit", str(saved_fits[1]),
                                  "-o", str(tmp_path / "x.png")])
    assert result.exit_code == 2 and "one fit" in result.output
    result = runner.invoke(main, ["plot", "fan", "--forecast", str(tmp_path / "none.csv"),
                                  "-o", str(tmp_path / "x.png")])
    assert result.exit_code == 2 and "does not exist" in result.output


@pytest.mark.parametrize("kind", ["prior-check", "posterior-check"])
def test_cli_predictive_checks_of_the_shipped_posterior(kind, tmp_path):
    from pathlib import Path

    from click.testing import CliRunner
    from PIL import Image

    from scaling.cli import main

    nc = Path(__file__).resolve().parent.parent / "fits" / "chinchilla_bayes.nc"
    out = tmp_path / f"{kind}.png"
    result = CliRunner().invoke(main, ["plot", kind, "--fit", str(nc), "-o", str(out)])
    assert result.exit_code == 0, result.output
    with Image.open(out) as im:
        assert im.format == "PNG" and im.size[0] > 300
    result = CliRunner().invoke(main, ["plot", kind, "--fit", str(tmp_path / "missing.nc"), "-o", str(out)])
    assert result.exit_code == 2 and "missing.nc" in result.output


# --------------------------------------------------------------------------------------
# own runs end to end (issue 13, item 7) and --law NAME|FILE (item 4)
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def own_fit(tmp_path_factory):
    """A fit of a user's CSV of small runs (1e17-1e18 FLOPs) drawn from Hoffmann's published law."""
    from scaling import library
    from scaling.datasets import read_runs
    from scaling.fitting import fit as fit_law

    law = library.published_fit("hoffmann2022")
    rng = np.random.default_rng(1)
    rows = [dict(n_params=n, n_tokens=c / (6 * n), loss=float(law.predict(n, c / (6 * n))) * np.exp(rng.normal(0, 0.01)))
            for c in (1e17, 3e17, 1e18) for n in np.geomspace(5e6, 2e8, 8)]
    folder = tmp_path_factory.mktemp("own")
    csv = folder / "runs.csv"
    pd.DataFrame(rows).to_csv(csv, index=False)
    result = fit_law(read_runs(csv), bootstrap=0, seed=0)
    path = folder / "my_fit.json"
    result.save(path)
    return path, csv


def test_plots_draw_the_fits_own_runs(own_fit):
    from scaling.fitting import load_fit

    path, csv = own_fit
    fit = load_fit(path)
    found = plot.runs_of(fit)
    assert found.runs is not None and len(found.runs) == 24 and found.warning is None
    budgets = plot.isoflop_budgets(found.runs)
    assert list(budgets) == [1e17, 3e17, 1e18]  # the runs' own compute levels, not Hoffmann's 6e18-3e21
    ax = plot.isoflop(fit)  # runs=None: the fit's own
    drawn = np.concatenate([c.get_offsets()[:, 0] for c in ax.collections if len(c.get_offsets())])
    assert np.isin(found.runs["n_params"].to_numpy(), drawn).all()
    # The shipped fit finds the shipped runs by their hash; a published law has none.
    from scaling import library

    shipped = plot.runs_of(load_fit(LSQ))
    assert shipped.runs.attrs["source"] == "chinchilla_runs" and len(plot.isoflop_budgets(shipped.runs)) == 9
    none = plot.runs_of(library.published_fit("hoffmann2022"))
    assert none.runs is None and "records no data" in none.note
    # Spread-out runs (no compute levels) get 5 log-spaced budgets over their range.
    spread = pd.DataFrame({"n_params": np.geomspace(1e7, 1e9, 40), "n_tokens": np.geomspace(1e9, 1e11, 40) * 1.01,
                           "loss": np.linspace(4, 2.5, 40)})
    b = plot.isoflop_budgets(spread.assign(compute_flops=6 * spread.n_params * spread.n_tokens))
    assert len(b) == 5 and b[0] >= 6e16 * 0.5 and b[-1] <= 6.06e20 * 1.5


def test_cli_plots_own_runs_and_warns_on_foreign_data(tmp_path, own_fit):
    path, csv = own_fit
    runner = CliRunner()
    for kind in ("isoflop", "contours", "residuals"):
        out = tmp_path / f"{kind}.png"
        result = runner.invoke(main, ["plot", kind, "--fit", str(path), "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert "warning" not in result.output and "no runs drawn" not in result.output
        assert _is_image(out)
    chinchilla = tmp_path / "chinchilla.csv"
    from scaling import datasets

    datasets.load("chinchilla_runs").to_csv(chinchilla, index=False)
    result = runner.invoke(main, ["plot", "isoflop", "--law", str(path), "--data", str(chinchilla),
                                  "-o", str(tmp_path / "x.png")])
    assert result.exit_code == 0, result.output
    assert "warning: the fit was not made from these runs" in result.output
    # A law that does not describe the runs drawn: the residual plot warns (poor_fit).
    bad = tmp_path / "bad.csv"
    pd.read_csv(csv).assign(loss=lambda d: d["loss"] * 3).to_csv(bad, index=False)
    result = runner.invoke(main, ["plot", "residuals", "--fit", str(path), "--data", str(bad),
                                  "-o", str(tmp_path / "r.png")])
    assert result.exit_code == 0, result.output
    assert "RMS log residual" in result.output and "> 0.1" in result.output
    from scaling.fitting import load_fit

    warned = plot.residual_warnings(load_fit(path), datasets.read_runs(bad))
    assert [w.code for w in warned] == ["poor_fit"]
    assert plot.residual_warnings(load_fit(path), datasets.read_runs(csv)) == []


@pytest.mark.parametrize("kind", ["isoflop", "contours", "optimal"])
def test_cli_law_by_name(tmp_path, kind):
    out = tmp_path / f"{kind}.png"
    result = CliRunner().invoke(main, ["plot", kind, "--law", "hoffmann2022", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert _is_image(out)
    if kind != "optimal":
        assert "note: no runs drawn" in result.output  # a published law records no data


def test_cli_law_and_data_errors(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["plot", "isoflop", "--law", "hofman2022", "-o", str(tmp_path / "x.png")])
    assert result.exit_code == 2 and "unknown law 'hofman2022'" in result.output
    assert result.output.strip().count("\n") == 0
    result = runner.invoke(main, ["plot", "residuals", "--law", "hoffmann2022", "-o", str(tmp_path / "x.png")])
    assert result.exit_code == 2 and "cannot draw residuals" in result.output
    result = runner.invoke(main, ["plot", "fan", "--data", "runs.csv", "-o", str(tmp_path / "x.png")])
    assert result.exit_code == 2 and "--data applies to" in result.output
    result = runner.invoke(main, ["plot", "isoflop", "--data", str(tmp_path / "none.csv"), "-o", str(tmp_path / "x.png")])
    assert result.exit_code == 2 and "none.csv" in result.output


def _footer(fig) -> str:
    """The source line of a finished figure."""
    return next(t.get_text() for t in fig.texts if t.get_text().startswith("Data:")).replace("\n", " ")


def test_footers_name_the_fits_own_data(own_fit, fit):
    """Hoffmann et al. are cited only for a fit of their runs (the shipped table's sha256)."""
    import dataclasses as dc

    from scaling import library
    from scaling.fitting import load_fit

    path, csv = own_fit
    mine = load_fit(path)
    for draw in (lambda f: plot.optimal_allocation(f, source=True, reference_models=False).figure,
                 lambda f: plot.param_pairs(f, source=True)[0, 0].figure):
        text = _footer(draw(mine))
        assert "runs from runs.csv (24 runs)" in text and "Hoffmann" not in text, text
        anonymous = dc.replace(mine, data_path="")
        assert _footer(draw(anonymous)) == "Data: user data, 24 runs"
        assert "Hoffmann et al. (2022) via Epoch AI" in _footer(draw(fit))
        plt.close("all")
    published = _footer(plot.optimal_allocation(library.published_fit("kaplan2020"), source=True,
                                                reference_models=False).figure)
    assert published.startswith("Data: published fit, Kaplan et al. (2020)") and "Hoffmann" not in published
    both = _footer(plot.param_pairs(fit, mine, source=True)[0, 0].figure)
    assert "Hoffmann et al. (2022)" in both and "runs from runs.csv" in both
    with_refs = _footer(plot.optimal_allocation(mine, source=True).figure)
    assert with_refs.endswith("model papers (Brown et al. 2020; Hoffmann et al. 2022; ...)")
    assert "Hoffmann et al. (2022) via" not in with_refs


# --------------------------------------------------------------------------------------
# the data-constrained law (Muennighoff et al. 2023): runs at their own U, grids at a given U
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def dc_runs():
    from scaling import datasets

    return datasets.load("muennighoff_runs")


@pytest.fixture(scope="module")
def dc_fit(dc_runs, tmp_path_factory):
    """A quick least-squares fit of the shipped Muennighoff runs (default grid, 8 resamples), saved."""
    from scaling.fitting import fit as fit_law

    result = fit_law(dc_runs, law="data_constrained", bootstrap=8, seed=0)
    path = tmp_path_factory.mktemp("dc") / "dc.json"
    result.save(path)
    return result, path


def _on_pool(runs, u):
    """Runs whose unique tokens seen, min(U_i, D_i), are those a pool of u gives them (5%)."""
    d = runs["n_tokens"].to_numpy()
    seen = np.minimum(runs["n_unique_tokens"].to_numpy(), d)
    return np.abs(np.log(seen / np.minimum(u, d))) <= np.log(1.05)


def _subtitle(fig) -> str:
    return " ".join(t.get_text() for t in fig.texts).replace("\n", " ")


def test_data_constrained_residuals_use_each_runs_unique_tokens(dc_fit, dc_runs):
    fit, _ = dc_fit
    found = plot.runs_of(fit)  # the shipped table, found by the fit's data hash
    assert found.runs is not None and found.runs.attrs["source"] == "muennighoff_runs"
    ax = plot.fit_residuals(fit, panel="fitted")
    xs = np.concatenate([c.get_offsets()[:, 0] for c in ax.collections if len(c.get_offsets())])
    own = fit.predict(dc_runs["n_params"], dc_runs["n_tokens"], n_unique_tokens=dc_runs["n_unique_tokens"])
    np.testing.assert_allclose(np.sort(xs), np.sort(own), rtol=1e-9)
    keep = ~dc_runs["excluded"].to_numpy()
    rms = np.sqrt(np.mean(np.log(dc_runs["loss"].to_numpy()[keep] / own[keep]) ** 2))
    assert rms < 0.1  # the fit describes its own runs at their own U ...
    assert plot.residual_warnings(fit, None) == []
    # ... and a single U for all runs would not: the covariate matters.
    one_u = fit.predict(dc_runs["n_params"], dc_runs["n_tokens"], n_unique_tokens=dc_runs["n_tokens"])
    assert np.sqrt(np.mean(np.log(dc_runs["loss"].to_numpy()[keep] / one_u[keep]) ** 2)) > 1.5 * rms  # 0.093 vs 0.054
    axes = plot.fit_residuals(fit, **plot.CAPTIONS)
    assert f"over {int(keep.sum())} runs" in _subtitle(axes[0].figure)
    assert "Data-constrained law" in _subtitle(axes[0].figure)
    # Runs without the column: one error naming it.
    with pytest.raises(ScalingError, match="n_unique_tokens"):
        plot.fit_residuals(fit, runs=dc_runs.drop(columns=["n_unique_tokens"]))


def test_data_constrained_grid_plots_need_unique_tokens(dc_fit, fit):
    dc, _ = dc_fit
    for draw in (plot.isoflop, plot.loss_contours, plot.optimal_allocation):
        with pytest.raises(ScalingError, match=r"needs the unique tokens.*n_unique_tokens="):
            draw(dc)
        with pytest.raises(ScalingError, match="applies to a data-constrained law.*chinchilla"):
            draw(fit, n_unique_tokens=1e9)
        for bad in (0, -1e9, float("nan"), "1e9", True, [1e9, 2e9], 1e20):
            with pytest.raises(ScalingError, match="n_unique_tokens"):
                draw(dc, n_unique_tokens=bad)
    # A dict of the law's parameters is a covariate law too.
    with pytest.raises(ScalingError, match="needs the unique tokens"):
        plot.isoflop(dict(dc.params), runs=False)


def test_data_constrained_isoflop_draws_the_runs_on_that_pool(dc_fit, dc_runs):
    from scaling.laws import get_law

    fit, _ = dc_fit
    u = 1e8
    ax = plot.isoflop(fit, n_unique_tokens=u, **plot.CAPTIONS)
    on_pool = _on_pool(dc_runs, u)
    assert 50 < on_pool.sum() < len(dc_runs)
    cols = [c for c in ax.collections if len(c.get_offsets())]
    smallest = min(c.get_sizes()[0] for c in cols)  # the runs (the optima are larger stars)
    drawn = np.concatenate([c.get_offsets()[:, 0] for c in cols if c.get_sizes()[0] == smallest])
    assert drawn.size and np.isin(drawn, dc_runs["n_params"][on_pool]).all()
    text = _subtitle(ax.figure)
    assert "U = 100M unique tokens" in text and f"the {on_pool.sum()} of {len(dc_runs)} runs" in text
    # Each curve is the law at the pool U along D = C/6N, and more unique data would lower it.
    pool = get_law("data_constrained").at(n_unique_tokens=u)
    more = get_law("data_constrained").at(n_unique_tokens=100 * u)
    curves = [ln for ln in ax.get_lines() if len(ln.get_xdata()) > 10]
    budgets = plot.isoflop_budgets(dc_runs[on_pool])
    assert len(curves) == len(budgets)
    n0, y0 = np.asarray(curves[-1].get_xdata()), np.asarray(curves[-1].get_ydata())
    d0 = budgets[-1] / (6 * n0)
    np.testing.assert_allclose(y0, pool.predict(fit.params, n0, d0), rtol=1e-9)
    richer = more.predict(fit.params, n0, d0)
    assert np.all(richer <= y0 * (1 + 1e-12)) and np.mean(richer < 0.99 * y0) > 0.5
    # A pool no run is on: the curves alone, and the subtitle says so.
    ax = plot.isoflop(fit, runs=dc_runs[~on_pool & (dc_runs["n_unique_tokens"] > 1e9)], n_unique_tokens=u,
                      subtitle=True)
    assert "no runs drawn: none of the" in _subtitle(ax.figure)


def test_data_constrained_contours_and_allocation_at_a_pool(dc_fit, dc_runs):
    from scaling import sizing

    fit, _ = dc_fit
    u = 1e9
    ax = plot.loss_contours(fit, n_unique_tokens=u, reference_models=False, **plot.CAPTIONS)
    assert "U = 1B unique tokens" in _subtitle(ax.figure)
    one_epoch = [ln for ln in ax.get_lines() if "one epoch" in ln.get_label()]
    assert len(one_epoch) == 1 and np.allclose(one_epoch[0].get_ydata(), u)
    counts = {c.get_label(): len(c.get_offsets()) for c in ax.collections if c.get_label() and
              c.get_label().startswith("runs on")}
    kept = ~dc_runs["excluded"].to_numpy()
    on_pool = _on_pool(dc_runs, u)
    assert counts == {"runs on these unique tokens": int((kept & on_pool).sum()),
                      "runs on other unique tokens": int((kept & ~on_pool).sum())}
    # The allocation is the one scaling.optimal gives under the same cap.
    ax = plot.optimal_allocation(fit, compute_range=(1e19, 1e23), n_unique_tokens=u, reference_models=False,
                                 **plot.CAPTIONS)
    assert "U = 1B unique tokens" in _subtitle(ax.figure)
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    assert np.allclose(lines["unique tokens U = 1B"].get_ydata(), u)
    c = np.asarray(lines["tokens $D_{opt}$"].get_xdata())
    k = int(np.argmin(np.abs(np.log(c / 1e21))))
    point = sizing.optimal(fit, compute_flops=float(c[k]), unique_tokens=u).point
    assert lines["tokens $D_{opt}$"].get_ydata()[k] == pytest.approx(point["n_tokens"], rel=1e-3)
    assert lines["parameters $N_{opt}$"].get_ydata()[k] == pytest.approx(point["n_params"], rel=1e-3)
    assert point["n_tokens"] > u  # at 1e21 FLOPs a 1B-token pool is repeated: the cap binds
    # A bootstrap band from the fit's draws.
    assert any("bootstrap interval (8 draws)" in t for t in _legend_texts(ax))


def test_cli_data_constrained(tmp_path, dc_fit, dc_runs):
    _, path = dc_fit
    runner = CliRunner()
    for kind, extra in (("isoflop", ["--unique-tokens", "1e8"]), ("contours", ["--unique-tokens", "4e8"]),
                        ("optimal", ["--unique-tokens", "25e9"]), ("residuals", []), ("params", [])):
        out = tmp_path / f"{kind}.png"
        result = runner.invoke(main, ["plot", kind, "--fit", str(path), *extra, "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert "warning" not in result.output and "note" not in result.output, result.output
        assert _is_image(out)
    # The published fit with the shipped runs as --data.
    csv = tmp_path / "muennighoff.csv"
    dc_runs.to_csv(csv, index=False)
    for kind, extra in (("isoflop", ["--unique-tokens", "1e8", "--data", str(csv)]),
                        ("residuals", ["--data", str(csv)]), ("optimal", ["--unique-tokens", "1e11"])):
        result = runner.invoke(main, ["plot", kind, "--law", "muennighoff2023", *extra, "-o", str(tmp_path / "p.png")])
        assert result.exit_code == 0, result.output
    errors = [
        (["isoflop", "--fit", str(path)], "needs the unique tokens available to draw over (N, D): give --unique-tokens"),
        (["optimal", "--law", "muennighoff2023"], "give --unique-tokens"),
        (["contours", "--fit", str(LSQ), "--unique-tokens", "1e9"], "--unique-tokens applies to a data-constrained law"),
        (["residuals", "--fit", str(path), "--unique-tokens", "1e9"], "each run's own n_unique_tokens"),
        (["fan", "--unique-tokens", "1e9"], "--unique-tokens applies to isoflop, contours, optimal"),
        (["isoflop", "--fit", str(path), "--unique-tokens", "-1"], "--unique-tokens must be a finite number"),
    ]
    for args, message in errors:
        result = runner.invoke(main, ["plot", *args, "-o", str(tmp_path / "x.png")])
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output and result.output.strip().count("\n") == 0, (args, result.output)
    bad = tmp_path / "no_u.csv"
    dc_runs.drop(columns=["n_unique_tokens", "epochs"]).to_csv(bad, index=False)
    result = runner.invoke(main, ["plot", "residuals", "--fit", str(path), "--data", str(bad), "-o",
                                  str(tmp_path / "x.png")])
    assert result.exit_code == 2 and "n_unique_tokens" in result.output, result.output


@pytest.mark.slow
def test_data_constrained_bayes_fit_plots(dc_runs):
    """A short Bayesian fit of the data-constrained law: its predictive check and the fit plots."""
    from scaling import bayes

    result = bayes.fit(dc_runs, law="data_constrained", draws=100, tune=100, chains=2, seed=0)
    ax = plot.predictive_check(result, **plot.CAPTIONS)
    assert "Data-constrained law, Bayesian posterior" in _subtitle(ax.figure)
    assert 0.5 < ax.ppc_coverage <= 1.0
    plt.close("all")
    axes = plot.fit_residuals(result)
    assert len(axes) == 2
    ax = plot.isoflop(result, n_unique_tokens=1e8, subtitle=True)
    assert "Bayesian posterior; U = 100M unique tokens" in _subtitle(ax.figure)
    ax = plot.optimal_allocation(result, n_unique_tokens=25e9, reference_models=False)
    assert any("credible interval (200 draws)" in t for t in _legend_texts(ax))
