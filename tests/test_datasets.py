from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pandas as pd
import pytest

from scaling import datasets
from scaling.errors import ScalingError


def _builder(root):
    spec = importlib.util.spec_from_file_location("build_datasets", root / "datasets" / "build_datasets.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["build_datasets"] = mod
    spec.loader.exec_module(mod)
    return mod


def test_committed_tables_rebuild_byte_for_byte(root, raw_data_dir, tmp_path):
    written = _builder(root).build_all(raw_data_dir, tmp_path)
    assert {p.name for p in written} == {f"{n}.csv" for n in datasets.names()}
    # the market checks' tables (validation/market_checks.py) are rebuilt like the others
    assert {"epoch_training_costs.csv", "api_prices.csv"} <= {p.name for p in written}
    for path in written:
        committed = root / "datasets" / path.name
        assert committed.read_bytes() == path.read_bytes(), f"{path.name} is stale: rerun datasets/build_datasets.py"


def test_chinchilla_runs_table():
    runs = datasets.load("chinchilla_runs")
    assert len(runs) == 245
    assert runs["excluded"].sum() == 5
    # Epoch drops the five highest-loss runs (loss >= 3.447).
    kept_max = runs.loc[~runs["excluded"], "loss"].max()
    assert runs.loc[runs["excluded"], "loss"].min() > kept_max
    assert np.allclose(runs["compute_flops"], 6 * runs["n_params"] * runs["n_tokens"], rtol=1e-12)
    assert (runs.loc[runs["excluded"], "exclusion_reason"].str.len() > 0).all()
    assert runs["source"].str.contains("Hoffmann").all()


def test_muennighoff_runs_table():
    runs = datasets.load("muennighoff_runs")
    assert len(runs) == 283 and runs["run_id"].is_unique
    assert np.allclose(runs["epochs"], runs["n_tokens"] / runs["n_unique_tokens"], rtol=1e-12)
    assert (runs["epochs"] >= 1).all()
    assert runs["excluded"].sum() == 33
    assert (runs.loc[runs["excluded"], "exclusion_reason"].str.len() > 0).all()
    assert (runs.loc[~runs["excluded"], "exclusion_reason"] == "").all()
    # the rule: loss more than 5% above a run on the same unique data with no more N and D
    for row in runs.itertuples():
        same = runs[(runs["n_unique_tokens"] == row.n_unique_tokens) & (runs["n_params"] <= row.n_params)
                    & (runs["n_tokens"] <= row.n_tokens) & (runs["run_id"] != row.run_id)]
        worse = len(same) > 0 and row.loss > 1.05 * same["loss"].min()
        assert worse == row.excluded, row.run_id
    assert runs.loc[(runs["loss"] > 5) & (runs["epochs"] > 20), "excluded"].all()  # every diverged run
    assert runs["source"].str.contains("Muennighoff").all()


def test_accelerators_table_has_units_and_named_chips():
    acc = datasets.load("accelerators")
    assert len(acc) == 175
    assert pd.api.types.is_datetime64_any_dtype(acc["release_date"])
    row = acc.set_index("alias").loc["tpu-v4"]
    assert row["tensor16_flops_per_s"] == pytest.approx(275e12)
    assert acc.set_index("alias").loc["a100", "tensor16_flops_per_s"] == pytest.approx(312e12)
    assert acc["release_price_usd"].notna().sum() >= 40
    assert acc["tdp_w"].notna().sum() >= 140


def test_cloud_prices_and_reference_models():
    prices = datasets.load("cloud_prices")
    assert prices["source_url"].str.startswith("http").mean() > 0.9
    assert prices[["usd_per_chip_hour_on_demand", "usd_per_chip_hour_1yr", "usd_per_chip_hour_3yr"]].notna().any(axis=1).sum() > 300
    ref = datasets.load("reference_models").set_index("name")
    assert ref.loc["GPT-3", "n_params"] == 175e9 and ref.loc["PaLM", "mfu"] == pytest.approx(0.462)
    for name in ("GPT-3", "Gopher", "Chinchilla", "PaLM", "MT-NLG"):
        assert name in ref.index


def test_unknown_dataset_names_the_choices():
    with pytest.raises(ScalingError, match="unknown dataset 'chinchila'.*chinchilla_runs"):
        datasets.load("chinchila")


GOOD = "n_params,n_tokens,loss\n1e8,2e9,3.1\n2e8,4e9,2.9\n"


@pytest.mark.parametrize(
    "text, pattern",
    [
        ("", "empty"),
        ("n_params,n_tokens,loss\n", "no runs"),
        ("n_params,loss\n1e8,3.0\n", "missing column.*'n_tokens'"),
        ("n_params,n_tokens,loss\n1e8,2e9,3.1\n2e8,abc,2.9\n", "column 'n_tokens' row 1: 'abc' is not a number"),
        ("n_params,n_tokens,loss\n1e8,2e9,3.1\n-2e8,4e9,2.9\n", "column 'n_params' row 1 is -200000000.0; it must be > 0"),
        ("n_params,n_tokens,loss\n1e8,2e9,\n2e8,4e9,2.9\n", "column 'loss' row 0 is nan"),
        ("n_params,n_tokens,loss\n1e8,2e9,3.1\n1e8,2e9,3.0\n", "row 1 duplicates row 0"),
    ],
)
def test_read_runs_rejects_bad_files(tmp_path, text, pattern):
    path = tmp_path / "runs.csv"
    path.write_text(text)
    with pytest.raises(ScalingError, match=pattern):
        datasets.read_runs(path)


def test_read_runs_accepts_compute_instead_of_tokens(tmp_path):
    path = tmp_path / "runs.csv"
    path.write_text("n_params,compute_flops,loss\n1e8,1.2e18,3.1\n")
    runs = datasets.read_runs(path)
    assert runs.loc[0, "n_tokens"] == pytest.approx(2e9)
    path.write_text(GOOD)
    assert len(datasets.read_runs(path)) == 2


def test_read_runs_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        datasets.read_runs(tmp_path / "nope.csv")


# --- the `excluded` column (issue 11, item 6) ---------------------------------------------
EXCL = "n_params,n_tokens,loss,excluded\n1e8,2e9,3.1,{}\n2e8,4e9,2.9,{}\n"


@pytest.mark.parametrize(
    "first, second, expected",
    [
        ("yes", "no", [True, False]),
        ("True", "False", [True, False]),
        (" TRUE ", "false", [True, False]),
        ("No", "YES", [False, True]),
        ("1", "0", [True, False]),
        ("0", "0", [False, False]),
        ("1.0", "0.0", [True, False]),  # pandas reads these as the numbers 1 and 0
    ],
)
def test_excluded_column_accepts_booleans_and_yes_no_1_0(tmp_path, first, second, expected):
    path = tmp_path / "runs.csv"
    path.write_text(EXCL.format(first, second))
    runs = datasets.read_runs(path)
    assert runs["excluded"].dtype == bool
    assert runs["excluded"].tolist() == expected


@pytest.mark.parametrize(
    "first, second, row, shown",
    [
        ("yes", "", 1, "blank"),
        ("", "no", 0, "blank"),
        ("maybe", "no", 0, "'maybe'"),
        ("1", "2", 1, "2"),
        ("true", "t", 1, "'t'"),
        ("-1", "0", 0, "-1"),
    ],
)
def test_excluded_column_rejects_anything_else_by_row(tmp_path, first, second, row, shown):
    path = tmp_path / "runs.csv"
    path.write_text(EXCL.format(first, second))
    with pytest.raises(ScalingError) as err:
        datasets.read_runs(path)
    message = str(err.value)
    assert f"column 'excluded' row {row} is {shown}" in message
    assert "true/false, yes/no, 1/0" in message and "\n" not in message


@pytest.mark.parametrize("cells", [[True, pd.NA], [pd.NA, False], [None, True], [np.nan, 1],
                                   pd.array([True, None], dtype="boolean")])
def test_excluded_missing_values_are_errors_not_crashes(cells):
    df = pd.DataFrame({"n_params": [1e8, 2e8], "n_tokens": [2e9, 4e9], "loss": [3.1, 2.9], "excluded": cells})
    with pytest.raises(ScalingError, match=r"column 'excluded' row [01] is blank \(a missing value\); allowed"):
        datasets.validate_runs(df)


def test_excluded_numbers_and_booleans_in_a_frame():
    df = pd.DataFrame({"n_params": [1e8, 2e8, 3e8], "n_tokens": [2e9, 4e9, 6e9], "loss": [3.1, 2.9, 2.8]})
    assert datasets.validate_runs(df)["excluded"].tolist() == [False, False, False]
    for cells in ([True, False, np.True_], [1, 0, 1], [1.0, 0.0, 1.0], pd.array([True, False, True], dtype="boolean")):
        assert datasets.validate_runs(df.assign(excluded=cells))["excluded"].tolist() == [True, False, True]


def test_missing_numbers_are_reported_not_crashes():
    df = pd.DataFrame({"n_params": pd.array([1, None], dtype="Int64"), "n_tokens": [2e9, 4e9], "loss": [3.1, 2.9]})
    with pytest.raises(ScalingError, match="column 'n_params' row 1 is nan"):
        datasets.validate_runs(df)
    with pytest.raises(ScalingError, match="must be a pandas DataFrame"):
        datasets.validate_runs([1, 2])


def test_fits_leave_out_runs_marked_yes(tmp_path):
    """'yes'/'no' used to mark every row excluded; now only the 'yes' rows are left out."""
    from scaling.fitting import fit

    runs = datasets.load("chinchilla_runs")[["n_params", "n_tokens", "loss", "excluded"]].copy()
    runs["excluded"] = np.where(runs["excluded"], "yes", "no")
    path = tmp_path / "runs.csv"
    runs.to_csv(path, index=False)
    mine = datasets.read_runs(path)
    assert int(mine["excluded"].sum()) == 5
    assert fit(mine, grid="coarse").n_runs == 240


# --- where the tables are (issue 11, item 11) --------------------------------------------
def test_datasets_dir_in_a_checkout_and_by_environment(monkeypatch, tmp_path, root):
    monkeypatch.delenv("SCALING_DATASETS", raising=False)
    assert datasets.datasets_dir() == root / "datasets"
    monkeypatch.setenv("SCALING_DATASETS", str(tmp_path))
    assert datasets.datasets_dir() == tmp_path


def test_datasets_dir_falls_back_to_the_copy_in_the_package(monkeypatch, tmp_path):
    """Installed from a wheel: no datasets/ beside the package (or another project's there)."""
    monkeypatch.delenv("SCALING_DATASETS", raising=False)
    pkg = tmp_path / "site-packages" / "scaling"
    pkg.mkdir(parents=True)
    (tmp_path / "site-packages" / "datasets").mkdir()  # e.g. Hugging Face's `datasets`
    (tmp_path / "site-packages" / "datasets" / "__init__.py").write_text("")
    monkeypatch.setattr(datasets, "_PACKAGE_ROOT", pkg)
    monkeypatch.setattr(datasets, "SHIPPED_DATASETS", pkg / "_shipped" / "datasets")
    assert datasets.datasets_dir() == pkg / "_shipped" / "datasets"


# --- capability (issue 22) -----------------------------------------------------------------
def test_capability_table_units_dates_and_reference_row():
    models = datasets.load_capability()
    assert len(models) == 102 and models["model"].is_unique and (models["role"] == "observed").all()
    known = models["compute_flops"].notna()
    assert known.sum() == 77
    assert np.allclose(models.loc[known, "compute_flops"],
                       6 * models.loc[known, "n_params"] * models.loc[known, "n_tokens"], rtol=1e-9)
    for col in datasets.CAPABILITY_BENCHMARKS:
        values = models[col].dropna()
        assert ((values >= 0) & (values <= 1)).all()
    assert models[["mmlu", "arc_c", "hellaswag", "winogrande", "gsm8k"]].notna().all().all()
    phi = models.set_index("model").loc["microsoft/phi-1_5"]
    assert phi["compute_flops"] == pytest.approx(1.17e21) and phi["release_date"] == pd.Timestamp("2023-09-11")
    # every dated row names its source; every undated one says it is undated
    assert (models.loc[models["release_date"].notna(), "date_source"].str.len() > 10).all()
    assert models.loc[models["release_date"].isna(), "date_source"].str.startswith("not dated").all()
    assert models["release_date"].isna().sum() == 11
    ref = datasets.load_capability(include_reference=True).set_index("model").loc["GPT-3"]
    assert ref["role"] == "reference" and ref["mmlu"] == pytest.approx(0.439)
    assert ref["compute_flops"] == pytest.approx(3.14e23) and np.isnan(ref["arc_c"])
    assert "not comparable" in ref["note"]


def test_capability_dating_rule_names_existing_epoch_rows(root, raw_data_dir):
    build = _builder(root)
    epoch = pd.read_csv(raw_data_dir / "epoch" / "all_ml_systems.csv")
    names = set(epoch["Model"].astype(str).str.strip())
    assert {name for name, _ in build.EPOCH_MATCH.values()} <= names
    assert not set(build.EPOCH_MATCH) & set(build.OTHER_DATES)


def _cloud_observations() -> pd.DataFrame:
    prices = datasets.load("cloud_prices")
    prices = prices[prices["provider"].notna()]
    cols = {"on_demand": "usd_per_chip_hour_on_demand", "1yr": "usd_per_chip_hour_1yr",
            "3yr": "usd_per_chip_hour_3yr"}
    return pd.concat([prices.loc[prices[c].notna(), ["date", "hardware", "provider"]]
                      .assign(pricing_tier=t, usd_per_chip_hour=prices[c].round(6)) for t, c in cols.items()])


def test_price_spells_count_each_cloud_price_once():
    spells = datasets.load_price_spells()
    key = ["hardware", "provider", "pricing_tier", "usd_per_chip_hour"]
    assert not spells.duplicated(key).any()
    obs = _cloud_observations()
    # every observation belongs to exactly one spell, which spans its dates
    expect = obs.groupby(key).agg(first=("date", "min"), last=("date", "max"), n=("date", "size"),
                                  n_dates=("date", "nunique"))
    got = spells.set_index(key).sort_index()
    assert len(got) == len(expect) < len(obs)
    assert (got["first_seen_date"] == expect["first"]).all() and (got["last_seen_date"] == expect["last"]).all()
    assert (got["n_observations"] == expect["n"]).all() and (got["n_dates"] == expect["n_dates"]).all()
    assert spells.groupby("pricing_tier")["n_observations"].sum().to_dict() == obs.groupby("pricing_tier").size().to_dict()
    assert set(spells["pricing_tier"]) == set(datasets.PRICING_TIERS)
    assert spells["source_urls"].str.startswith("http").mean() > 0.9
    assert spells["source"].str.contains("Epoch AI").all()


def test_price_spells_commitments_are_discounts_of_the_same_listing():
    spells = datasets.load_price_spells()
    on_demand = spells["pricing_tier"] == "on_demand"
    assert spells.loc[on_demand, ["on_demand_usd_per_chip_hour", "discount_vs_on_demand"]].isna().all().all()
    committed = spells.loc[~on_demand]
    disc = committed["discount_vs_on_demand"]
    assert disc.notna().mean() > 0.9
    assert ((disc.dropna() > 0) & (disc.dropna() < 1)).all()
    assert np.allclose(disc, 1 - committed["usd_per_chip_hour"] / committed["on_demand_usd_per_chip_hour"],
                       equal_nan=True)
    # a 3-year commitment is cheaper than a 1-year one on the same listing
    med = committed.groupby("pricing_tier")["discount_vs_on_demand"].median()
    assert 0.2 < med["1yr"] < med["3yr"] < 0.7
    # the reference is an on-demand spell of the same chip x provider, seen during the commitment
    od = spells.loc[on_demand].set_index(["hardware", "provider", "usd_per_chip_hour"])
    for row in committed.dropna(subset=["discount_vs_on_demand"]).itertuples():
        ref = od.loc[(row.hardware, row.provider, row.on_demand_usd_per_chip_hour)]
        assert ref["first_seen_date"] <= row.last_seen_date and ref["last_seen_date"] >= row.first_seen_date


def test_price_spells_by_tier_and_bad_input(monkeypatch, tmp_path):
    three = datasets.load_price_spells("3yr")
    assert len(three) > 0 and (three["pricing_tier"] == "3yr").all()
    with pytest.raises(ScalingError, match="unknown pricing tier '2yr'.*on_demand, 1yr, 3yr"):
        datasets.load_price_spells("2yr")
    table = datasets.load_price_spells()
    bad = table.copy()
    i = int(np.flatnonzero(bad["pricing_tier"] == "1yr")[0])
    bad.loc[i, "discount_vs_on_demand"] = 0.99
    bad.to_csv(tmp_path / "price_spells.csv", index=False)
    monkeypatch.setenv("SCALING_DATASETS", str(tmp_path))
    with pytest.raises(ScalingError, match=f"row {i} has a discount_vs_on_demand"):
        datasets.load_price_spells()
    bad = table.copy()
    bad.loc[3, "first_seen_date"] = pd.Timestamp("2030-01-01")
    bad.to_csv(tmp_path / "price_spells.csv", index=False)
    with pytest.raises(ScalingError, match="row 3 was first seen after it was last seen"):
        datasets.load_price_spells()
