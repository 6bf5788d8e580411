"""nn.utils.parametrizations.orthogonal: a matrix (or batch) kept orthogonal through the
matrix exponential of a skew-symmetric matrix or a product of Householder reflections, with
PyTorch's trivialization (the registered original starts at -I and a stored base holds the
orthogonalised initial weight).

Note:
    The "cayley" map solves (I - A/2) Q = (I + A/2) by Gauss-Jordan elimination composed from
    tensor ops (no pivoting is needed: I - A/2 has symmetric part I for a skew-symmetric A),
    so Q agrees with PyTorch's linalg.solve to rounding. The initial orthogonalisation (PyTorch's geqrf + householder_product)
    is a QR factorisation through NumPy with the same sign convention (R's diagonal
    positive), so base agrees with PyTorch's to rounding.
"""
import numpy as np

import pytorchlite as torch
from ..modules.module import Module
from . import parametrize

__all__ = ["orthogonal"]

_MAPS = ("matrix_exp", "cayley", "householder")


def _lower_mask(n, k, diagonal=0):
    """(n, k) bool: True on and below the given diagonal."""
    return torch.arange(n).unsqueeze(1) + diagonal >= torch.arange(k).unsqueeze(0)


def _diagonal(x):
    """(..., min(n, k)) diagonal of the trailing two dimensions."""
    n, k = x.shape[-2], x.shape[-1]
    m = min(n, k)
    return (x.narrow(-2, 0, m).narrow(-1, 0, m) * torch.eye(m, dtype=x.dtype)).sum(-2)


def _matrix_exp(a):
    """exp(a) of (..., n, n) by scaling and squaring a degree-18 Taylor series (composed, so
    differentiable)."""
    norm = float(a.detach().abs().sum(-2).max().item()) if a.numel() else 0.0
    squarings = max(0, int(np.ceil(np.log2(norm))) + 1) if norm > 0.5 else 0
    scaled = a / (2.0 ** squarings) if squarings else a
    n = a.shape[-1]
    eye = torch.eye(n, dtype=a.dtype)
    result = eye + scaled
    term = scaled
    for i in range(2, 19):
        term = term.matmul(scaled) / i
        result = result + term
    for _ in range(squarings):
        result = result.matmul(result)
    return result


def _householder_product(a, tau):
    """The first k columns of H_1 ... H_k, H_i = I - tau_i v_i v_i^T with v_i column i of a
    below the diagonal and 1 on it; a is (..., n, k)."""
    n, k = a.shape[-2], a.shape[-1]
    below = _lower_mask(n, k, -1).to(a.dtype)
    vs = a * below + torch.eye(n, k, dtype=a.dtype)  # (..., n, k)
    q = torch.eye(n, dtype=a.dtype).expand(*a.shape[:-2], n, n)
    for i in range(k):
        v = vs.narrow(-1, i, 1)  # (..., n, 1)
        t = tau.narrow(-1, i, 1).unsqueeze(-1)  # (..., 1, 1)
        q = q - (q.matmul(v) * t).matmul(v.mT)
    return q.narrow(-1, 0, k)


def _solve_no_pivot(m, b):
    """X with m X = b for (..., n, n) m whose leading minors are nonzero, by Gauss-Jordan
    elimination without pivoting (composed, so differentiable)."""
    n = m.shape[-1]
    aug = torch.cat([m, b], -1)  # (..., n, n + cols)
    for k in range(n):
        e_k = (torch.arange(n) == k).to(m.dtype).unsqueeze(-1)  # (n, 1)
        row = aug.narrow(-2, k, 1)
        row = row / row.narrow(-1, k, 1)
        col = aug.narrow(-1, k, 1)
        aug = aug - (col * (1 - e_k)) * row
        aug = aug * (1 - e_k) + e_k * row
    return aug.narrow(-1, n, b.shape[-1])


def _make_orthogonal(a):
    """Q of A = QR with R's diagonal positive (PyTorch's geqrf sign convention)."""
    arr = a.detach().numpy().astype(np.float64)
    q, r = np.linalg.qr(arr)
    signs = np.sign(np.diagonal(r, axis1=-2, axis2=-1))
    signs[signs == 0] = 1
    return torch.tensor(q * signs[..., None, :], dtype=a.dtype)


def _is_orthogonal(q):
    n, k = q.shape[-2], q.shape[-1]
    eps = 10.0 * n * torch.finfo(q.dtype).eps
    return torch.allclose(q.mT.matmul(q), torch.eye(k, dtype=q.dtype), atol=eps)


class _Orthogonal(Module):
    def __init__(self, weight, orthogonal_map, *, use_trivialization=True):
        super().__init__()
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, x):
        n, k = x.shape[-2], x.shape[-1]
        transposed = n < k
        if transposed:
            x = x.mT
            n, k = k, n
        if self.orthogonal_map == "matrix_exp":
            x = x * _lower_mask(n, k).to(x.dtype)
            if n != k:
                x = torch.cat([x, x.new_zeros(n, n - k).expand(*x.shape[:-2], n, n - k)], -1)
            q = _matrix_exp(x - x.mT)
            if n != k:
                q = q.narrow(-1, 0, k)
        elif self.orthogonal_map == "cayley":
            x = x * _lower_mask(n, k).to(x.dtype)
            if n != k:
                x = torch.cat([x, x.new_zeros(n, n - k).expand(*x.shape[:-2], n, n - k)], -1)
            a = x - x.mT
            eye = torch.eye(n, dtype=a.dtype)
            q = _solve_no_pivot(eye - a * 0.5, eye + a * 0.5)
            if n != k:
                q = q.narrow(-1, 0, k)
        else:
            a = x * _lower_mask(n, k, -1).to(x.dtype)
            tau = 2.0 / (1.0 + (a * a).sum(-2))
            q = _householder_product(a, tau)
            q = q * _diagonal(x).detach().to(torch.int64).to(x.dtype).unsqueeze(-2)
        if getattr(self, "base", None) is not None:
            q = self.base.matmul(q)
        if transposed:
            q = q.mT
        return q

    def right_inverse(self, q):
        if tuple(q.shape) != tuple(self.shape):
            raise ValueError(f"Expected a matrix or batch of matrices of shape {self.shape}. "
                             f"Got a tensor of shape {q.shape}.")
        q_init = q
        n, k = q.shape[-2], q.shape[-1]
        transpose = n < k
        if transpose:
            q = q.mT
            n, k = k, n
        if "base" not in self._buffers:
            if self.orthogonal_map in ("cayley", "matrix_exp"):
                raise NotImplementedError("It is not possible to assign to the matrix "
                                          "exponential or the Cayley parametrizations when "
                                          "use_trivialization=False.")
            raise NotImplementedError("orthogonal with use_trivialization=False and "
                                      "householder is not supported")
        if n == k:
            q = _make_orthogonal(q) if not _is_orthogonal(q) else q.clone()
        else:
            extra = torch.randn(*(tuple(q.shape[:-2]) + (n, n - k)), dtype=q.dtype)
            q = _make_orthogonal(torch.cat([q, extra], -1))
        self.base = q
        neg_id = torch.zeros_like(q_init)
        m = min(neg_id.shape[-2], neg_id.shape[-1])
        return neg_id - torch.eye(neg_id.shape[-2], neg_id.shape[-1], dtype=q.dtype) * (m > 0)

    def extra_repr(self):
        return ""


def orthogonal(module, name="weight", orthogonal_map=None, *, use_trivialization=True):
    """Keep module.<name> orthogonal (each matrix of a batch with orthonormal columns or rows)
    through matrix_exp or householder (see the module's Note for cayley)."""
    weight = getattr(module, name, None)
    if not isinstance(weight, torch.Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.dim() < 2:
        raise ValueError("Expected a matrix or batch of matrices. Got a tensor of "
                         f"{weight.dim()} dimensions.")
    if orthogonal_map is None:
        orthogonal_map = "matrix_exp" if weight.shape[-2] == weight.shape[-1] else "householder"
    if orthogonal_map not in _MAPS:
        raise ValueError('orthogonal_map has to be one of "matrix_exp", "cayley", '
                         f'"householder". Got: {orthogonal_map}')
    orth = _Orthogonal(weight, orthogonal_map, use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module
