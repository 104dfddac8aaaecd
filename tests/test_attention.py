"""Question 4: the attention checks can tell equivariant from non-equivariant maps, and the
two feed-forward implementations agree on many shapes."""

import pytest
import torch
from attention import (
    PositionwiseConv,
    PositionwiseLinear,
    attention_with_positions,
    equivariance_errors,
    permutation_matrix,
    random_attention_problem,
    self_attention,
)


def test_self_attention_matches_a_loop_over_rows():
    g = torch.Generator().manual_seed(1)
    X, Wq, Wk, Wv, alpha = random_attention_problem(5, 3, 4, 2, g)
    S = self_attention(X, Wq, Wk, Wv, alpha)
    for t in range(5):
        scores = torch.stack([(X[t] @ Wq) @ (X[s] @ Wk) / alpha for s in range(5)])
        weights = scores.exp() / scores.exp().sum()
        assert torch.allclose(S[t], sum(weights[s] * X[s] @ Wv for s in range(5)))


def test_permutation_matrix_is_a_permutation():
    P = permutation_matrix(9, torch.Generator().manual_seed(3))
    assert torch.equal(P.sum(0), torch.ones(9)) and torch.equal(P.sum(1), torch.ones(9))
    assert torch.equal(P.T @ P, torch.eye(9, dtype=P.dtype))


def test_equivariance_and_pooling_hold_and_the_control_fails():
    equivariance, pooling = equivariance_errors(trials=100, seed=7)
    assert equivariance < 1e-12 and pooling < 1e-10
    control_equivariance, control_pooling = equivariance_errors(
        trials=100, seed=7, attention=attention_with_positions
    )
    assert control_equivariance > 1e-2 and control_pooling > 1e-2


@pytest.mark.parametrize("B, T, D", [(1, 1, 4), (2, 5, 3), (4, 7, 16), (3, 50, 64)])
def test_linear_and_conv1d_feedforward_agree(B, T, D):
    torch.manual_seed(B * T * D)
    Z = torch.randn(B, T, D)
    linear = PositionwiseLinear(D)
    conv = PositionwiseConv.from_linear(linear)
    out = linear(Z)
    assert out.shape == (B, T, D) and conv(Z).shape == (B, T, D)
    assert torch.allclose(out, conv(Z), atol=1e-6)
    assert torch.equal(out, torch.relu(Z @ linear.linear.weight.T + linear.linear.bias))
    # a conv with its own (different) weights must not agree: the check is not vacuous
    assert not torch.allclose(out, PositionwiseConv(D)(Z), atol=1e-6)


def test_feedforward_is_position_wise():
    """Changing one position changes the output at that position only."""
    torch.manual_seed(0)
    Z = torch.randn(2, 6, 8)
    layer = PositionwiseConv.from_linear(PositionwiseLinear(8))
    Z2 = Z.clone()
    Z2[:, 3] += 1.0
    changed = (layer(Z) != layer(Z2)).any(dim=-1)
    assert changed[:, 3].all() and not changed[:, [0, 1, 2, 4, 5]].any()


def test_random_problems_and_permutations_come_from_the_given_generator_only():
    """Fixed seeds give the same numbers whatever the global random state."""
    results = []
    for global_seed in (0, 1):
        torch.manual_seed(global_seed)
        g = torch.Generator().manual_seed(5)
        results.append(
            (permutation_matrix(7, g), *random_attention_problem(4, 3, 9, 2, g))
        )
    (P, X, Wq, Wk, Wv, alpha), again = results
    assert all(torch.equal(a, b) for a, b in zip(results[0][:5], again[:5]))
    assert (X.shape, Wq.shape, Wk.shape, Wv.shape) == ((4, 3), (3, 9), (3, 9), (3, 2))
    assert X.dtype == Wv.dtype == torch.float64 and alpha == 3.0  # sqrt(d_k)
    torch.manual_seed(0)
    first = equivariance_errors(trials=5, seed=2)
    torch.manual_seed(1)
    assert equivariance_errors(trials=5, seed=2) == first


def test_equivariance_trials_draw_every_size_from_2_to_11(monkeypatch):
    import attention

    sizes, real = [], attention.random_attention_problem

    def recording(T, d_in, d_k, d_v, generator):
        sizes.append((T, d_in, d_k, d_v))
        return real(T, d_in, d_k, d_v, generator)

    monkeypatch.setattr(attention, "random_attention_problem", recording)
    equivariance_errors()
    assert len(sizes) == 200  # the default number of trials
    assert {n for size in sizes for n in size} == set(range(2, 12))
    default = list(sizes)
    sizes.clear()
    equivariance_errors(trials=200, seed=0)
    assert sizes == default  # the default seed is 0


def test_the_control_adds_the_position_to_every_feature():
    g = torch.Generator().manual_seed(4)
    X, Wq, Wk, Wv, alpha = random_attention_problem(5, 3, 4, 2, g)
    shifted = X + torch.arange(5, dtype=X.dtype).unsqueeze(1)
    assert torch.equal(
        attention_with_positions(X, Wq, Wk, Wv, alpha),
        self_attention(shifted, Wq, Wk, Wv, alpha),
    )
