"""Question 3: the recurrence h_t = W rho(h_{t-1}) + U x_t + b, its equivalence with the
conventional g_t = rho(W g_{t-1} + U x_t + b), and the norm of dh_T/dh_0 measured with
autograd."""

import sympy as sp
import torch

ACTIVATIONS = {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu}


def run_h(W, U, b, xs, h0, rho):
    """[h_0, ..., h_T] for h_t = W rho(h_{t-1}) + U x_t + b (xs: one row per step)."""
    hs = [h0]
    for x in xs:
        hs.append(W @ rho(hs[-1]) + U @ x + b)
    return hs


def run_g(W, U, b, xs, g0, rho):
    """[g_0, g_1, ..., g_T] for the conventional g_t = rho(W g_{t-1} + U x_t + b)."""
    gs = [g0]
    for x in xs:
        gs.append(rho(W @ gs[-1] + U @ x + b))
    return gs


def random_rnn(n, m, T, generator, dtype=torch.float64):
    """Random W (n x n), U (n x m), b, inputs xs (T x m) and h_0."""

    def randn(*shape):
        return torch.randn(*shape, generator=generator, dtype=dtype)

    return randn(n, n) / n**0.5, randn(n, m), randn(n), randn(T, m), randn(n)


def equivalence_gap(rho, n=8, m=3, T=30, seed=0, g0_from_h0=True):
    """max_t |g_t - rho(h_t)| for random weights and inputs, with g_0 = rho(h_0) (zero
    up to rounding if the claim holds) or, as a control, with the wrong start
    g_0 = h_0."""
    W, U, b, xs, h0 = random_rnn(n, m, T, torch.Generator().manual_seed(seed))
    g0 = rho(h0) if g0_from_h0 else h0
    hs, gs = run_h(W, U, b, xs, h0, rho), run_g(W, U, b, xs, g0, rho)
    return max((g - rho(h)).abs().max().item() for g, h in zip(gs, hs))


SYMBOLIC = {"tanh": sp.tanh, "sigmoid": lambda x: 1 / (1 + sp.exp(-x))}


def derivative_bound(activation):
    """(gamma, x*): gamma = sup_x |rho'(x)| and where it is reached (a point, or +-oo
    for a supremum approached at infinity), derived with sympy from rho' at its
    critical points and its limits at +-oo. activation: "tanh", "sigmoid" (KeyError
    for another name), or a function giving rho(x) for a sympy symbol x."""
    x = sp.symbols("x", real=True)
    rho = SYMBOLIC[activation](x) if isinstance(activation, str) else activation(x)
    d = sp.diff(rho, x)
    candidates = [
        (sp.Abs(sp.simplify(d.subs(x, p))), p)
        for p in sp.solve(sp.diff(d, x), x)
        if p.is_real
    ]
    candidates += [(sp.Abs(sp.limit(d, x, end)), end) for end in (sp.oo, -sp.oo)]
    return max(candidates, key=lambda c: float(c[0]))


def spectral_norm(M):
    return torch.linalg.matrix_norm(M, ord=2).item()


def scale_to_condition(W, delta, gamma):
    """W rescaled so that lambda_max(W^T W) = delta^2 / gamma^2, i.e.
    ||W||_2 = delta / gamma."""
    return W * (delta / gamma) / spectral_norm(W)


def jacobian_norms(W, U, b, xs, h0, rho):
    """||dh_T/dh_0||_2 for T = 1..len(xs), each Jacobian computed exactly by autograd
    through the whole unrolled recurrence."""
    norms = []
    for T in range(1, len(xs) + 1):
        J = torch.autograd.functional.jacobian(
            lambda h: run_h(W, U, b, xs[:T], h, rho)[-1], h0
        )
        norms.append(spectral_norm(J))
    return norms


def bound_violations(norms, delta, rtol=1e-9):
    """The steps T at which ||dh_T/dh_0|| exceeds delta^T (empty if the bound holds)."""
    return [T for T, norm in enumerate(norms, start=1) if norm > delta**T * (1 + rtol)]


def check_bound(norms, delta):
    violations = bound_violations(norms, delta)
    if violations:
        raise AssertionError(
            f"||dh_T/dh_0|| exceeds delta^T = {delta}^T at T = {violations[:10]}"
        )


def vanishing_experiment(name, delta, n=16, m=4, T=60, seed=0):
    """Random weights scaled to the condition of (c) for activation `name`:
    (gamma, [||dh_T/dh_0|| for T = 1..T], W)."""
    gamma = float(derivative_bound(name)[0])
    W, U, b, xs, h0 = random_rnn(n, m, T, torch.Generator().manual_seed(seed))
    W = scale_to_condition(W, delta, gamma)
    return gamma, jacobian_norms(W, U, b, xs, h0, ACTIVATIONS[name]), W


def orthogonal_tanh_norms(scale, bias=0.0, n=16, T=60, seed=0):
    """||dh_T/dh_0|| for a tanh RNN with W = scale * Q (Q orthogonal, so
    lambda_max(W^T W) = scale^2), no input and h_0 = 0.  With bias 0 the state stays at
    0, where tanh' = 1 = gamma, so every step multiplies the norm by exactly `scale`:
    the bound delta^T of (c) is attained when scale = delta, and the gradient explodes
    when scale > 1.  A large bias drives the units into saturation (tanh' ~ 0) and the
    gradient vanishes whatever the scale."""
    g = torch.Generator().manual_seed(seed)
    Q, _ = torch.linalg.qr(torch.randn(n, n, generator=g, dtype=torch.float64))
    zeros = torch.zeros(n, dtype=torch.float64)
    U, xs = (
        torch.zeros(n, 1, dtype=torch.float64),
        torch.zeros(T, 1, dtype=torch.float64),
    )
    return jacobian_norms(scale * Q, U, zeros + bias, xs, zeros, torch.tanh)


def violated_figure(exploding, saturated, scale, bias):
    """Question 3(d) drawn: ||dh_T/dh_0|| against T (log scale) when the condition is
    violated, exploding like scale^T with the state at 0 (left) and vanishing when a
    bias saturates the units (right, drawn until the norm underflows to 0)."""
    import matplotlib.pyplot as plt

    steps = range(1, len(exploding) + 1)
    fig, (ax_up, ax_down) = plt.subplots(1, 2, figsize=(6.3, 2.8))
    ax_up.semilogy(steps, exploding, label=r"$h$ stays at 0")
    ax_up.semilogy(steps, [scale**T for T in steps], "k--", linewidth=1,
                   label=rf"${scale}^T$")  # fmt: skip
    drawn = [(T, n) for T, n in zip(steps, saturated) if n > 0]
    ax_down.semilogy(*zip(*drawn), color="tab:orange",
                     label=rf"saturated by $b = {bias:g}$")  # fmt: skip
    lowest = int(f"{drawn[-1][1]:e}".split("e")[1])  # the last value's exponent
    ax_down.set_yticks([10.0**-k for k in range(0, -lowest, 100)])
    for ax, title in ((ax_up, "explodes"), (ax_down, "vanishes")):
        ax.set(xlabel="$T$", title=title)
        ax.set_ylabel(r"$\|\partial h_T / \partial h_0\|_2$")
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
