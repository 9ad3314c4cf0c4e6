"""Finite differences: the gradient a backward pass must agree with, computed from the forward pass alone."""
import numpy as np


def numerical_gradient(f, a: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences of the scalar ``f()`` with respect to every cell of ``a`` (changed in place)."""
    grad = np.zeros_like(a)
    for i in np.ndindex(a.shape):
        keep = a[i]
        a[i] = keep + eps
        up = f()
        a[i] = keep - eps
        down = f()
        a[i] = keep
        grad[i] = (up - down) / (2 * eps)
    return grad
