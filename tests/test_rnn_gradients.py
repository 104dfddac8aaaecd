"""Question 3: the equivalence, the constants gamma, and the bound check, which must be able to fail."""

import pytest
import sympy as sp
import torch
from rnn_gradients import (
    ACTIVATIONS,
    bound_violations,
    check_bound,
    derivative_bound,
    equivalence_gap,
    jacobian_norms,
    orthogonal_tanh_norms,
    random_rnn,
    scale_to_condition,
    spectral_norm,
    vanishing_experiment,
)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_g_equals_rho_of_h_only_with_the_right_start(name):
    rho = ACTIVATIONS[name]
    assert equivalence_gap(rho, seed=3) < 1e-12
    assert equivalence_gap(rho, seed=3, g0_from_h0=False) > 1e-3


def test_gamma_derived_with_sympy():
    assert derivative_bound("tanh") == (1, 0)
    assert derivative_bound("sigmoid") == (sp.Rational(1, 4), 0)
    # where the supremum is not at 0: a shifted tanh, and the softplus pair whose
    # derivative approaches 1 only at +oo or -oo
    assert derivative_bound(lambda x: sp.tanh(x - 1)) == (1, 1)
    assert derivative_bound(lambda x: sp.log(1 + sp.exp(x))) == (1, sp.oo)
    assert derivative_bound(lambda x: sp.log(1 + sp.exp(-x))) == (1, -sp.oo)
    with pytest.raises(KeyError):
        derivative_bound("relu")  # no derivative everywhere: not offered by name


def test_scaling_hits_the_eigenvalue_condition():
    W = torch.randn(
        10, 10, dtype=torch.float64, generator=torch.Generator().manual_seed(0)
    )
    W = scale_to_condition(W, 0.8, 0.25)
    assert torch.linalg.eigvalsh(W.T @ W).max().item() == pytest.approx(
        0.8**2 / 0.25**2, rel=1e-12
    )


def test_jacobian_matches_the_product_of_step_jacobians():
    """Oracle: dh_T/dh_0 = prod_t W diag(rho'(h_{t-1})), built by hand."""
    W, U, b, xs, h0 = random_rnn(5, 2, 6, torch.Generator().manual_seed(1))
    J, h = torch.eye(5, dtype=torch.float64), h0
    for x in xs:
        J = W @ torch.diag(1 - torch.tanh(h) ** 2) @ J
        h = W @ torch.tanh(h) + U @ x + b
    assert jacobian_norms(W, U, b, xs, h0, torch.tanh)[-1] == pytest.approx(
        spectral_norm(J), rel=1e-10
    )


@pytest.mark.parametrize("name", ["tanh", "sigmoid"])
def test_bound_holds_under_the_condition(name):
    _, norms, _ = vanishing_experiment(name, 0.9, n=8, T=25, seed=2)
    check_bound(norms, 0.9)
    assert norms[-1] < 0.9**25


def test_bound_is_attained_so_the_check_is_tight():
    norms = orthogonal_tanh_norms(0.9, n=6, T=20)
    assert norms == pytest.approx([0.9**T for T in range(1, 21)], rel=1e-10)
    check_bound(norms, 0.9)


def test_a_matrix_violating_the_condition_is_caught():
    """The same checking function must reject a W with lambda_max(W^T W) > delta^2/gamma^2."""
    norms = orthogonal_tanh_norms(1.2, n=6, T=20)
    assert bound_violations(norms, 0.9) == list(range(1, 21))
    with pytest.raises(AssertionError, match="exceeds delta"):
        check_bound(norms, 0.9)
    # a W only slightly too large is caught as well
    with pytest.raises(AssertionError):
        check_bound(orthogonal_tanh_norms(0.91, n=6, T=20), 0.9)


def test_violation_is_not_sufficient_for_explosion():
    assert orthogonal_tanh_norms(1.2, n=6, T=40)[-1] > 1e3
    assert orthogonal_tanh_norms(1.2, bias=10.0, n=6, T=40)[-1] < 1e-20


def test_the_report_configurations_and_their_seeds(monkeypatch):
    """The defaults the report runs with (n, m, T, seed), each random draw from a
    generator seeded with `seed` only, and W scaled by 1/sqrt(n)."""
    import rnn_gradients

    calls, real = [], rnn_gradients.random_rnn

    def recording(n, m, T, generator, dtype=torch.float64):
        calls.append((n, m, T, generator.initial_seed()))
        return real(n, m, T, generator, dtype)

    monkeypatch.setattr(rnn_gradients, "random_rnn", recording)
    equivalence_gap(torch.tanh)
    gamma, norms, W = vanishing_experiment("sigmoid", 0.9)
    assert calls == [(8, 3, 30, 0), (16, 4, 60, 0)]
    assert gamma == 0.25 and len(norms) == 60 and W.shape == (16, 16)
    g = torch.Generator().manual_seed(4)
    W, U, b, xs, h0 = real(5, 2, 3, torch.Generator().manual_seed(4))
    assert torch.equal(W, torch.randn(5, 5, generator=g, dtype=torch.float64) / 5**0.5)
    assert (U.shape, b.shape, xs.shape, h0.shape) == ((5, 2), (5,), (3, 2), (5,))


def test_orthogonal_runs_depend_on_their_seed_only():
    torch.manual_seed(0)
    saturated = orthogonal_tanh_norms(1.2, bias=0.5)
    torch.manual_seed(1)
    assert orthogonal_tanh_norms(1.2, bias=0.5, n=16, T=60, seed=0) == saturated
    assert len(saturated) == 60
    assert orthogonal_tanh_norms(1.2, bias=0.5, seed=1) != saturated


def test_the_bound_check_is_strict_and_names_the_first_ten_steps():
    assert bound_violations([0.9 * (1 + 1e-9)], 0.9) == []  # equal: not a violation
    with pytest.raises(
        AssertionError, match=r"at T = \[1, 2, 3, 4, 5, 6, 7, 8, 9, 10\]$"
    ):
        check_bound([2.0] * 20, 0.9)
