"""Question 4: self-attention is permutation-equivariant, pooling makes it invariant,
and a position-wise feed-forward layer can be built from nn.Linear or from nn.Conv1d."""

import torch
import torch.nn as nn


def self_attention(X, Wq, Wk, Wv, alpha):
    """S(X) with A = X Wq Wk^T X^T / alpha and S(X)_t = softmax(A_t) X Wv.
    X: (T, D_in), Wq and Wk: (D_in, D_k), Wv: (D_in, D_v); returns (T, D_v)."""
    A = X @ Wq @ Wk.T @ X.T / alpha
    return torch.softmax(A, dim=-1) @ X @ Wv


def permutation_matrix(T, generator=None):
    """A random T x T permutation matrix P (so (P X)_t = X_{pi(t)})."""
    pi = torch.randperm(T, generator=generator)
    return torch.eye(T, dtype=torch.float64)[pi]


def random_attention_problem(T, d_in, d_k, d_v, generator):
    """Random X, Wq, Wk, Wv in float64 and alpha = sqrt(d_k)."""

    def randn(*shape):
        return torch.randn(*shape, generator=generator, dtype=torch.float64)

    return (
        randn(T, d_in),
        randn(d_in, d_k),
        randn(d_in, d_k),
        randn(d_in, d_v),
        d_k**0.5,
    )


def equivariance_errors(trials=200, seed=0, attention=self_attention):
    """For random sizes, data and permutations: the largest |P S(X) - S(P X)| and
    |1^T S(P X) - 1^T S(X)| over all trials (both should be ~1e-15 in float64)."""
    g = torch.Generator().manual_seed(seed)
    worst_equivariance = worst_pooling = 0.0
    for _ in range(trials):
        T, d_in, d_k, d_v = (int(n) for n in torch.randint(2, 12, (4,), generator=g))
        X, Wq, Wk, Wv, alpha = random_attention_problem(T, d_in, d_k, d_v, g)
        P = permutation_matrix(T, g)
        S, S_perm = attention(X, Wq, Wk, Wv, alpha), attention(P @ X, Wq, Wk, Wv, alpha)
        ones = torch.ones(1, T, dtype=torch.float64)
        worst_equivariance = max(
            worst_equivariance, (P @ S - S_perm).abs().max().item()
        )
        worst_pooling = max(
            worst_pooling, (ones @ S_perm - ones @ S).abs().max().item()
        )
    return worst_equivariance, worst_pooling


def attention_with_positions(X, Wq, Wk, Wv, alpha):
    """A control that is NOT permutation-equivariant: position t is added to every
    feature of row t before attending.  The checks must report a large error for it."""
    positions = torch.arange(X.shape[0], dtype=X.dtype).unsqueeze(1)
    return self_attention(X + positions, Wq, Wk, Wv, alpha)


class PositionwiseLinear(nn.Module):
    """H(x) = relu(W1 x + b) applied at every position of Z (B, T, D) with nn.Linear."""

    def __init__(self, d):
        super().__init__()
        self.linear = nn.Linear(d, d)

    def forward(self, Z):
        return torch.relu(self.linear(Z))


class PositionwiseConv(nn.Module):
    """The same layer as a 1-D convolution with kernel size 1, stride 1, no padding.
    Conv1d wants (B, channels, length), so the feature axis D becomes the channel
    axis."""

    def __init__(self, d):
        super().__init__()
        self.conv = nn.Conv1d(d, d, kernel_size=1, stride=1, padding=0)

    def forward(self, Z):
        return torch.relu(self.conv(Z.transpose(1, 2))).transpose(1, 2)

    @classmethod
    def from_linear(cls, layer: PositionwiseLinear):
        """A convolutional layer with the weights of `layer`: W1 (D, D) -> (D, D, 1)."""
        conv = cls(layer.linear.in_features)
        with torch.no_grad():
            conv.conv.weight.copy_(layer.linear.weight.unsqueeze(-1))
            conv.conv.bias.copy_(layer.linear.bias)
        return conv
