"""The seed article's 20 numbers (Sunyan 2023), one test per row, and the generated document.

Published figures and their rounding are written here independently of ``scaling.sunyan2023``
(from the article, Sunyan 2023, "The Economics of Large Language Models",
https://sunyan.substack.com/p/the-economics-of-large-language-models, and an independent
recomputation from its stated inputs), so a change in the code that moves a number cannot
also move what it is checked against.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from scaling import cost, datasets
from scaling import sunyan2023 as seed
from scaling.errors import ScalingError

ROOT = Path(__file__).resolve().parent.parent

# row -> (expected verdict, [(published, tolerance from its rounding, reference recomputation, tol)])
# The reference recomputation was done by hand from the article's stated inputs, independently
# of scaling.cost.
EXPECTED = {
    1: ("yes", [(0.010, 0.0005, 0.0096, 0.00005)]),
    2: ("yes", [(0.066, 0.0005, 0.0656, 0.00005)]),
    3: ("yes", [(2.1e12, 0.05e12, 2.118e12, 0.0005e12)]),
    4: ("yes", [(0.048, 0.0005, 0.0476, 0.00005)]),
    5: ("yes", [(1.4, 0.05, 1.375, 0.005)]),
    6: ("no", [(0.15, 0.005, 0.172, 0.0005)]),
    7: ("yes", [(0.0035, 0.00005, 0.00351, 0.000005)]),
    8: ("yes", [(0.0035, 0.00035, 0.00337, 0.000005)]),
    9: ("yes", [(0.20, 0.05, 0.176, 0.0005), (0.80, 0.05, 0.824, 0.0005)]),
    10: ("yes", [(1.4e6, 0.05e6, 1.40e6, 0.005e6)]),
    11: ("yes", [(2.24e6, 0.005e6, 2.24e6, 0.005e6)]),
    12: ("yes", [(11.2e6, 0.05e6, 11.22e6, 0.005e6)]),
    13: ("partly", [(3.55e6, 0.005e6, 3.552e6, 0.0005e6)]),
    14: ("yes", [(312e3, 0.5e3, 312e3, 0.5e3), (0.58, 0.005, 0.581, 0.0015)]),
    15: ("yes", [(0.22, 0.005, 0.225, 0.0005), (0.34, 0.005, 0.342, 0.0005)]),
    16: ("yes", [(3.5e12, 0.05e12, 3.5e12, 1.0), (6.8e9, 0.05e9, 6.8e9, 1.0), (44, 0, 44, 0)]),
    17: ("yes", [(2.2, 0.05, 2.17, 0.005)]),
    18: ("yes", [(0.03, 0.005, 0.0338, 0.00005), (0.25, 0.005, 0.2511, 0.00005)]),
    19: ("no", [(1.09, 0.005, 0.615, 0.0005)]),
    20: ("yes", [(0.80, None, 1 - 0.168, 0.0005), (0.80, None, 1 - 0.193, 0.0005)]),  # ">80%"
}


@pytest.fixture(scope="module")
def all_rows():
    return {r.row: r for r in seed.rows()}


def test_twenty_rows_numbered_in_order(all_rows):
    assert sorted(all_rows) == list(range(1, 21)) == sorted(EXPECTED)
    assert [f().row for f in seed.ROWS] == list(range(1, 21))


@pytest.mark.parametrize("number", sorted(EXPECTED), ids=[f"row{n:02d}" for n in sorted(EXPECTED)])
def test_seed_row(number, all_rows):
    r = all_rows[number]
    verdict, expected = EXPECTED[number]
    assert len(r.checks) == len(expected)
    for check, (published, tol, reference, ref_tol) in zip(r.checks, expected):
        assert check.published == pytest.approx(published)
        # The recomputation agrees with the reference notes' own recomputation.
        assert check.recomputed == pytest.approx(reference, abs=ref_tol)
        if tol is None:  # a claim of the form ">80%"
            assert check.recomputed > published
        elif verdict == "no":
            assert abs(check.recomputed - published) > tol
        else:
            assert abs(check.recomputed - published) <= tol
    assert r.reproduces == verdict
    assert r.note or verdict == "yes"


def test_row_06_share_is_17_2_percent_not_15(all_rows):
    r = all_rows[6]
    assert r.recomputed == pytest.approx(0.172, abs=5e-4)
    assert r.reproduces != "yes"
    assert "17.2%" in r.note


def test_row_19_jasper_is_0_615_and_inverted(all_rows):
    r = all_rows[19]
    assert r.recomputed == pytest.approx(0.615, abs=5e-4)
    assert r.reproduces != "yes"
    assert "1.78x" in r.note
    # The published $1.09 is what swapping words and tokens gives.
    inverted = cost.usd_per_1k_tokens_from_words(82, 100_000, words_per_token=1 / 0.75)
    assert inverted == pytest.approx(1.09, abs=0.005)


def test_row_01_both_prompt_variants_reported(all_rows):
    details = dict(all_rows[1].details)
    assert details["prompt counted per sample"] == "$0.0105"


def test_row_14_states_its_energy_price_assumption(all_rows):
    r = all_rows[14]
    assert "0.106/kWh" in r.note and "Assumption" in r.note
    assert dict(r.details)["energy price giving exactly $312k"].startswith("$0.10")


def test_row_18_law_is_computed_inline_with_rounded_hoffmann_parameters(all_rows):
    assert dict(seed.CHINCHILLA_ROUNDED) == {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}
    details = dict(all_rows[18].details)
    assert details["loss"] == "1.975" and details["Chinchilla-70B on 1.4T tokens"] == "1.937"


def test_seed_does_not_import_fitting_modules():
    imported = set()
    for node in (n for p in (ROOT / "scaling" / "sunyan2023").glob("*.py") for n in ast.walk(ast.parse(p.read_text()))):
        if isinstance(node, ast.ImportFrom):
            imported.update(a.name for a in node.names)
            imported.add(node.module or "")
        elif isinstance(node, ast.Import):
            imported.update(a.name for a in node.names)
    assert not imported & {"laws", "fitting", "sizing", "bayes", "scaling.laws", "scaling.fitting"}


def test_article_inputs_agree_with_shipped_datasets():
    a = seed.ARTICLE_INPUTS
    models = datasets.load("reference_models").set_index("name")
    assert models.loc["GPT-3", "n_params"] == a["gpt3_n_params"]
    assert models.loc["GPT-3", "n_tokens"] == a["gpt3_n_tokens"]
    assert models.loc["GPT-3", "compute_flops"] == a["gpt3_compute_flops_paper"]
    assert models.loc["GPT-3", "mfu"] == a["mfu_gpt3"]
    assert models.loc["PaLM", "mfu"] == a["mfu_palm"]
    assert models.loc["MT-NLG", "mfu"] == a["mfu_mt_nlg"]
    assert models.loc["PaLM", "n_tokens"] == a["palm_n_tokens"]
    assert models.loc["Gopher", "n_params"] == a["gopher_n_params"]
    assert models.loc["Chinchilla", "n_tokens"] == a["chinchilla_n_tokens"]
    # The article's hardware figures are the dataset's.
    assert cost.peak_flops_per_s("a100") == 312e12
    assert cost.peak_flops_per_s("tpu-v4") == 275e12
    assert cost.peak_flops_per_s("v100") == 125e12
    assert cost.resolve_accelerator("h100").memory_bytes == 80e9


def test_reproduction_table(all_rows):
    table = seed.reproduction_table()
    assert list(table["row"]) == list(range(1, 21))
    for col in ("quantity", "inputs", "published", "recomputed", "tolerance", "reproduces", "note",
                "published_value", "recomputed_value", "tolerance_value"):
        assert col in table.columns
    assert set(table["reproduces"]) <= {"yes", "no", "partly"}
    assert table.loc[table["row"] == 10, "recomputed"].item() == "$1.40M"


def test_row_lookup():
    assert seed.row(19).quantity.startswith("Jasper")
    for bad in (0, 21, "3", True, 2.0):
        with pytest.raises(ScalingError, match="1 to 20"):
            seed.row(bad)


def test_markdown_has_header_and_notes():
    text = seed.render_markdown()
    assert "python -m scaling.sunyan2023" in text and "scaling cost seed --write docs/seed-reproduction.md" in text
    section = text.split("## Rows that do not reproduce")[1].split("##")[0]
    assert "Row 6" in section and "Row 19" in section and "1.78x" in section and "17.2%" in section


def test_doc_is_up_to_date():
    doc = ROOT / "docs" / "seed-reproduction.md"
    assert doc.exists(), "run: python -m scaling.sunyan2023 --write docs/seed-reproduction.md"
    assert doc.read_text(encoding="utf-8") == seed.render_markdown(), (
        "docs/seed-reproduction.md is stale; run: python -m scaling.sunyan2023 --write docs/seed-reproduction.md"
    )


def test_module_main_writes_and_prints(tmp_path, capsys):
    assert seed.main([]) == 0
    assert capsys.readouterr().out == seed.render_markdown()
    target = tmp_path / "x.md"
    assert seed.main(["--write", str(target)]) == 0
    assert target.read_text() == seed.render_markdown()


# --- one home for the article's numbers (issue 19) ------------------------------------------


def test_every_check_reads_the_published_table(all_rows):
    """Each row's published figures are entries of PUBLISHED, in order, none left unused."""
    published = [(c.published, c.published_text, c.tolerance) for r in all_rows.values() for c in r.checks]
    table = [(c.value, c.text, c.tolerance) for c in seed.PUBLISHED.values()]
    assert published == table
    with pytest.raises(KeyError, match="known: chat_query_usd"):
        seed.claim("gpt4_training_usd")


def test_factors_are_row_20s_decomposition(all_rows):
    f = seed.factors()
    assert f["params"] == pytest.approx(0.40) and f["utilisation"] == pytest.approx(0.213 / 0.462)
    assert f["training"] == pytest.approx(0.193, abs=5e-4) and f["inference"] == pytest.approx(0.168, abs=5e-4)
    details = dict(all_rows[20].details)
    assert details["training factor ($/FLOP x utilisation)"] == f"x{f['training']:.3f}"


#: Distinctive numbers of the article: typed anywhere outside scaling/sunyan2023/ they are a copy.
ARTICLE_LITERALS = {0.213, 0.462, 0.302, 1.4e6, 1.40e6, 312e3, 744e3, 0.419, 0.4195, 0.461, 0.168, 0.193, 2.24e6,
                    11.2e6, 3.55e6}
#: Modules that quote the article (they must read scaling.sunyan2023).
QUOTING = ["scaling/pipeline", "scaling/forecast/sunyan2023.py", "scaling/cli/cmd_cost.py", "scaling/budget.py",
           "scaling/cost/rates.py"]


def _float_literals(path: Path) -> set[float]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, float):
            found.add(node.value)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) \
                and isinstance(node.operand.value, float):
            found.add(-node.operand.value)
    return found


def test_article_numbers_live_only_in_the_article_module():
    copies = {}
    for entry in QUOTING:
        for path in sorted((ROOT / entry).rglob("*.py")) if (ROOT / entry).is_dir() else [ROOT / entry]:
            hits = {abs(x) for x in _float_literals(path)} & ARTICLE_LITERALS
            if hits:
                copies[str(path.relative_to(ROOT))] = sorted(hits)
    assert not copies, f"the article's numbers typed again (read scaling.sunyan2023 instead): {copies}"
    # the scan can fail: the article module itself holds them
    assert {0.213, 0.462, 1.4e6} <= set().union(*map(_float_literals, (ROOT / "scaling" / "sunyan2023").glob("*.py")))


def test_seed_module_is_a_deprecated_alias():
    import importlib
    import warnings

    old = importlib.import_module("scaling.seed")
    for name in ("rows", "ARTICLE_INPUTS", "render_markdown", "SeedRow"):
        with pytest.warns(DeprecationWarning, match=f"scaling.sunyan2023.{name}"):
            assert getattr(old, name) is getattr(seed, name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(AttributeError):
            old.no_such_name  # noqa: B018
    forecast_old = importlib.import_module("scaling.forecast.seed")
    from scaling.forecast import sunyan2023 as forecast_new

    with pytest.warns(DeprecationWarning, match="scaling.forecast.sunyan2023.seed_decomposition"):
        assert forecast_old.seed_decomposition is forecast_new.seed_decomposition
    assert forecast_new.SEED_FACTORS == seed.factors()


def test_python_m_seed_still_prints(tmp_path):
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-W", "always", "-m", "scaling.seed", "--write", str(tmp_path / "x.md")],
                         capture_output=True, text=True, cwd=ROOT, check=True)
    assert "deprecated" in out.stderr and (tmp_path / "x.md").read_text() == seed.render_markdown()
