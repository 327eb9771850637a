"""Law registry: formulas, broadcasting, gradients, grids."""

from __future__ import annotations

import numpy as np
import pytest

from scaling import laws
from scaling.errors import ScalingError

HOFFMANN = dict(E=1.69, A=406.4, B=410.7, alpha=0.34, beta=0.28)
KAPLAN = dict(N_c=8.8e13, D_c=5.4e13, alpha_N=0.076, alpha_D=0.095)


def test_unknown_law_message():
    with pytest.raises(ScalingError, match=r"^unknown law 'chinchila'; known laws: chinchilla, chinchilla_tied, kaplan, "
                       r"data_constrained, data_constrained_untied$"):
        laws.get_law("chinchila")


def test_registry():
    assert laws.names() == ["chinchilla", "chinchilla_tied", "kaplan", "data_constrained",
                            "data_constrained_untied"]
    law = laws.get_law("chinchilla")
    assert laws.get_law(law) is law
    assert law.param_names == ("E", "A", "B", "alpha", "beta")
    assert "Hoffmann" in law.source and r"\alpha" in law.formula and "math::" in law.doc
    with pytest.raises(Exception):
        law.name = "x"  # frozen


def test_chinchilla_formula():
    law = laws.get_law("chinchilla")
    expected = 1.69 + 406.4 / 70e9**0.34 + 410.7 / 1.4e12**0.28
    assert law.predict(HOFFMANN, 70e9, 1.4e12) == pytest.approx(expected, rel=1e-14)


def test_kaplan_formula():
    law = laws.get_law("kaplan")
    n, d = 1e9, 2e10
    expected = ((8.8e13 / n) ** (0.076 / 0.095) + 5.4e13 / d) ** 0.095
    assert law.predict(KAPLAN, n, d) == pytest.approx(expected, rel=1e-14)
    # large D limit is Kaplan's L(N) = (N_c / N)^alpha_N
    assert law.predict(KAPLAN, n, 1e30) == pytest.approx((8.8e13 / n) ** 0.076, rel=1e-9)


def test_predict_broadcasts_draws_against_points():
    law = laws.get_law("chinchilla")
    draws = {k: np.full((7, 1), v) * np.linspace(0.99, 1.01, 7)[:, None] for k, v in HOFFMANN.items()}
    n = np.logspace(8, 11, 4)[None, :]
    out = law.predict(draws, n, 20 * n)
    assert out.shape == (7, 4)
    assert out[3] == pytest.approx(law.predict({k: v[3, 0] for k, v in draws.items()}, n[0], 20 * n[0]))


def test_predict_missing_param():
    with pytest.raises(ScalingError, match="lack 'beta'"):
        laws.get_law("chinchilla").predict({k: v for k, v in HOFFMANN.items() if k != "beta"}, 1e9, 1e10)


@pytest.mark.parametrize("name,params", [("chinchilla", HOFFMANN), ("kaplan", KAPLAN)])
def test_log_predict_and_gradient(name, params):
    law = laws.get_law(name)
    theta = law.from_params(params)[None, :]
    assert law.to_params(theta[0]) == pytest.approx(params, rel=1e-12)
    log_n = np.log([1e8, 3e9, 7e10])
    log_d = np.log([2e9, 6e10, 1.4e12])
    y, vjp = law.log_predict_vjp(theta, log_n, log_d)
    assert np.exp(y[0]) == pytest.approx(law.predict(params, np.exp(log_n), np.exp(log_d)), rel=1e-12)
    v = np.array([[0.3, -0.7, 1.1]])
    g = vjp(v)[0]
    eps = 1e-6
    for j in range(theta.shape[1]):
        up, dn = theta.copy(), theta.copy()
        up[0, j] += eps
        dn[0, j] -= eps
        num = ((law.log_predict_vjp(up, log_n, log_d)[0] - law.log_predict_vjp(dn, log_n, log_d)[0]) * v).sum() / (2 * eps)
        assert g[j] == pytest.approx(num, rel=1e-6, abs=1e-9)


def test_hoffmann_grid():
    grid = laws.get_law("chinchilla").grid("hoffmann")
    assert grid.shape == (4500, 5)
    a, b, e, alpha, beta = grid.T
    assert sorted(set(alpha)) == [0, 0.5, 1, 1.5, 2]
    assert sorted(set(e)) == [-1, -0.5, 0, 0.5, 1]
    assert sorted(set(a)) == sorted(set(b)) == [0, 5, 10, 15, 20, 25]
    with pytest.raises(ValueError, match="unknown grid 'fine'"):
        laws.get_law("chinchilla").grid("fine")


def test_derived():
    d = laws.get_law("chinchilla").derived(HOFFMANN)
    assert d["a"] == pytest.approx(0.28 / 0.62)
    assert d["a"] + d["b"] == pytest.approx(1.0)
    assert d["G"] == pytest.approx((0.34 * 406.4 / (0.28 * 410.7)) ** (1 / 0.62))
    assert laws.get_law("kaplan").derived(KAPLAN) == {}


def test_domains_are_stated():
    assert laws.COMPUTE_FLOPS_RANGE == (1e12, 1e32)
    assert laws.N_PARAMS_RANGE == (1e3, 1e16) and laws.N_TOKENS_RANGE == (1e3, 1e17)
    assert "1e12 .. 1e32" in laws.__doc__


def test_chinchilla_closed_forms_are_consistent():
    law = laws.get_law("chinchilla")
    assert law.has_closed_forms and not laws.get_law("kaplan").has_closed_forms
    c = np.array([1e18, 5.76e23, 1e30])
    n, d = law.allocate(HOFFMANN, c)
    assert 6 * n * d == pytest.approx(c, rel=1e-12)
    d_ = law.derived(HOFFMANN)
    assert n == pytest.approx(d_["G"] * (c / 6) ** d_["a"], rel=1e-14)
    assert law.loss_at_optimum(HOFFMANN, c) == pytest.approx(law.predict(HOFFMANN, n, d), rel=1e-12)
    c2, n2, d2 = law.compute_for_loss(HOFFMANN, law.loss_at_optimum(HOFFMANN, c))
    assert c2 == pytest.approx(c, rel=1e-9) and n2 == pytest.approx(n, rel=1e-9)
    assert law.irreducible_loss(HOFFMANN) == 1.69
    assert np.isnan(law.compute_for_loss(HOFFMANN, 1.69)[0]) and np.isnan(law.compute_for_loss(HOFFMANN, 1.0)[0])


def test_kaplan_generic_numerics():
    law = laws.get_law("kaplan")
    assert law.irreducible_loss(KAPLAN) == 0.0
    n, d = law.allocate(KAPLAN, 1e23)
    assert 6 * n * d == pytest.approx(1e23, rel=1e-12)
    for f in (0.99, 1.01):
        assert law.predict(KAPLAN, n * f, d / f) > law.predict(KAPLAN, n, d)
    d2 = law.tokens_for_loss(KAPLAN, 1e9, 2.5)
    assert law.predict(KAPLAN, 1e9, d2) == pytest.approx(2.5, rel=1e-12)
    assert np.isnan(law.tokens_for_loss(KAPLAN, 1e9, law.predict(KAPLAN, 1e9, np.inf) * 0.99))
    total, n_t, d_t = law.min_total_for_loss(KAPLAN, 2.3, 0.0)
    c, n_c, _ = law.compute_for_loss(KAPLAN, 2.3)
    assert total == pytest.approx(c, rel=1e-6) and n_t == pytest.approx(n_c, rel=1e-3)
    total, n_t, d_t = law.min_total_for_loss(KAPLAN, 2.3, 1e13)
    assert n_t < n_c and law.predict(KAPLAN, n_t, d_t) == pytest.approx(2.3, rel=1e-9)


def test_min_total_and_allocate_total_agree_with_chinchilla():
    law = laws.get_law("chinchilla")
    T = 2e13
    total, n, d = law.min_total_for_loss(HOFFMANN, 2.0, T)
    # the budget that reaches 2.0 at least cost, spent the other way round, reaches 2.0
    n2, d2 = law.allocate_total(HOFFMANN, total, T)
    assert n2 == pytest.approx(n, rel=1e-5) and law.predict(HOFFMANN, n2, d2) == pytest.approx(2.0, rel=1e-9)
    n0, d0 = law.allocate_total(HOFFMANN, 5.76e23, 0.0)
    assert n0 == pytest.approx(law.allocate(HOFFMANN, 5.76e23)[0], rel=1e-12)


def test_bad_params_type():
    with pytest.raises(ScalingError, match="mapping"):
        laws.get_law("chinchilla").allocate([1, 2, 3], 1e20)
    with pytest.raises(ScalingError, match="unknown grid"):
        laws.get_law("kaplan").grid("fine")


def test_registry_is_built_once_from_the_family_modules():
    from scaling.laws import chinchilla, data_constrained, kaplan, registry

    assert [law.name for fam in registry.FAMILIES for law in fam.LAWS] == laws.names()
    assert {chinchilla, kaplan, data_constrained} == set(registry.FAMILIES)
    with pytest.raises(TypeError):  # read-only: no law is added after the registry is built
        registry.REGISTRY["mine"] = laws.get_law("chinchilla")
    for name in laws.names():
        assert laws.get_law(name) is getattr(laws, name.upper())


def test_a_family_registering_a_name_twice_is_refused():
    from types import SimpleNamespace

    from scaling.laws import registry

    twice = SimpleNamespace(__name__="twice", LAWS=(laws.KAPLAN,))
    with pytest.raises(ScalingError, match="'kaplan' is registered twice"):
        registry._build((*registry.FAMILIES, twice))


def test_law_functions_are_the_public_protocol():
    fns = laws.get_law("chinchilla").functions
    assert isinstance(fns, laws.LawFunctions) and fns.allocate is not None
    assert laws.get_law("kaplan").functions.allocate is None  # generic numerics answer
    assert float(fns.predict(1.69, 406.4, 410.7, 0.34, 0.28, 70e9, 1.4e12)) == pytest.approx(
        float(laws.get_law("chinchilla").predict(HOFFMANN, 70e9, 1.4e12)), rel=1e-15)
    with pytest.raises(ScalingError, match="LawFunctions.grid must be a function"):
        laws.LawFunctions(predict=fns.predict, to_params=fns.to_params, from_params=fns.from_params,
                          log_predict_vjp=fns.log_predict_vjp, grid=None)
    bound = laws.get_law("data_constrained").at(n_unique_tokens=1e10)
    assert bound.covariates == () and bound.functions.check_inputs is None
