"""The library of published laws: each reproduces the paper's own compute-optimal numbers."""

from __future__ import annotations

import pytest

from scaling import library, sizing
from scaling.errors import ScalingError


@pytest.mark.parametrize("name,n_opt,d_opt", [
    # Besiroglu et al. (2024): at Chinchilla's budget 5.76e23 FLOPs the unrounded Hoffmann fit
    # gives N = 40.4B, D = 2.38T; the replication's fit N = 72.4B, D = 1.33T.
    ("hoffmann2022-unrounded", 40.4e9, 2.38e12),
    ("besiroglu2024", 72.4e9, 1.33e12),
])
def test_published_allocation_reproduces(name, n_opt, d_opt):
    fit = library.published_fit(name)
    s = sizing.optimal(fit, compute_flops=5.76e23).summary()
    assert s.loc["n_params", "value"] == pytest.approx(n_opt, rel=0.01)
    assert s.loc["n_tokens", "value"] == pytest.approx(d_opt, rel=0.01)


def test_published_predictions_reproduce():
    # Besiroglu et al. (2024): Chinchilla (70B, 1.4T) 1.973 and Gopher (280B, 300B) 1.999.
    fit = library.published_fit("besiroglu2024")
    chinchilla, gopher = fit.predict([70e9, 280e9], [1.4e12, 300e9])
    assert chinchilla == pytest.approx(1.973, abs=0.002)
    assert gopher == pytest.approx(1.999, abs=0.002)


def test_every_published_fit_honours_the_contract(tmp_path):
    from scaling.fitting import load_fit

    for name in library.names():
        fit = library.published_fit(name)
        assert fit.method == "published" and fit.draws is None and fit.warnings() == []
        assert fit.summary().index.name == "parameter"
        back = load_fit(fit.save(tmp_path / f"{name}.json"))
        assert back.params == fit.params and back.settings["source"] == fit.settings["source"]


def test_resolve_names_files_and_errors(tmp_path):
    assert library.resolve("Hoffmann2022").params["alpha"] == 0.34
    path = library.published_fit("kaplan2020").save(tmp_path / "k.json")
    assert library.resolve(str(path)).law == "kaplan"
    with pytest.raises(ScalingError, match="unknown law 'gpt5'.*hoffmann2022"):
        library.resolve("gpt5")
    with pytest.raises(ScalingError, match="unknown published law"):
        library.published_fit("nope")


def test_library_is_the_one_home_of_published_fits():
    """Sizing reads what a published fit is (its runs and its loss) from the library, not a copy."""
    assert set(library.ABOUT) == set(library.PUBLISHED)
    for name in library.names():
        fitted_on, loss = library.ABOUT[name]["fitted_on"], library.ABOUT[name]["loss"]
        assert loss in library.LOSS_MEANING
        span, meaning = sizing.fit_context(library.published_fit(name))
        assert meaning == library.LOSS_MEANING[loss]
        if isinstance(fitted_on, dict):
            assert span == fitted_on
    assert sizing.LOSS_WEBTEXT2 is library.LOSS_MEANING["webtext2"]
    assert sizing.DATASET_LOSS["chinchilla_runs"] is library.LOSS_MEANING["massivetext"]
