"""Issue 20's rule applied with the evidence of each day (scaling.hardware.nested_rule): no look-ahead."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from scaling.errors import ScalingError
from scaling.hardware.evaluation import load_evaluation
from scaling.hardware.nested_rule import nested_choices, nested_markdown, nested_scores

from conftest import ROOT

SAVED = ROOT / "validation" / "results" / "evaluation_hyperscaler.csv.gz"
pytestmark = pytest.mark.skipif(not SAVED.exists(), reason="no saved evaluation")


@pytest.fixture(scope="module")
def res():
    return load_evaluation(SAVED)


def test_first_cutoff_has_no_evidence_and_later_choices_are_scored_models(res):
    ch = nested_choices(res, "panel-forecast")
    assert ch["choice"].isna().iloc[0]
    assert set(ch["choice"].dropna()) <= set(res.models)
    assert (ch["rows_before"].iloc[1:] > 0).all()


def test_a_choice_does_not_see_the_data_after_its_cutoff(res):
    """Rewriting every score observed on or after a cut-off leaves the choice made at it unchanged."""
    before = nested_choices(res, "panel-forecast")
    k = 2
    when = pd.Timestamp(before["cutoff"].iloc[k])
    rows = res.rows.copy()
    later = pd.to_datetime(rows["date"]) >= when
    rows.loc[later & (rows["model"] != "panel-forecast"), "crps"] = 9.0  # every baseline ruined later on
    after = nested_choices(dataclasses.replace(res, rows=rows), "panel-forecast")
    assert after["choice"].iloc[: k + 1].tolist() == before["choice"].iloc[: k + 1].tolist()


def test_pooled_scores_count_the_chosen_rows(res):
    s = nested_scores(res, "panel-forecast")
    test = res.test_rows(include_unconverged=True)
    n = sum(int(((test["cutoff"].astype(str) == c) & (test["model"] == m)).sum())
            for c, m in zip(s["choices"]["cutoff"], s["choices"]["choice"]) if isinstance(m, str))
    assert s["nested"]["n_rows"] == n > 0
    assert 0 < s["nested"]["crps"] < 1 and 0 <= s["nested"]["coverage90"] <= 1
    assert "| hyperscaler |" in nested_markdown([("hyperscaler", res, "panel-forecast")])


def test_unknown_model_is_refused(res):
    with pytest.raises(ScalingError, match="model 'nope' is not scored"):
        nested_choices(res, "nope")
