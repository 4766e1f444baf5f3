"""Counter-based randomness shared by every kernel: splitmix64 hashes of a run key.

splitmix64's output function (Steele, Lea and Flood 2014) applied to
``key + (i + 1) * golden_gamma`` makes every coin a pure function of a 64-bit
key and a counter, so a run's draws do not depend on the order in which a
kernel visits nodes, on the thread that runs it or on the seed set (common
random numbers). The salts separate the streams a run uses (per-source IC
gaps, LT thresholds, audience quality); see :mod:`pipeline.diffusion.kernels`.
All functions are O(1) numba functions except :func:`tv_probabilities`, O(m).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = [
    "LT_SALT",
    "NODE_SALT",
    "QUALITY_SALT",
    "coin_bits",
    "edge_coin",
    "edge_thresholds",
    "gap_uniform",
    "hash2",
    "is_real",
    "mix64",
    "threshold",
    "tv_probabilities",
    "unit",
]

GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_ONE = np.uint64(1)
_S11 = np.uint64(11)
_S27 = np.uint64(27)
_S30 = np.uint64(30)
_S31 = np.uint64(31)
_TWO_M53 = 1.0 / 9007199254740992.0
NODE_SALT = np.uint64(0x8CB92BA72F3D8DD7)
LT_SALT = np.uint64(0xD1B54A32D192ED03)
QUALITY_SALT = np.uint64(0xA0761D6478BD642F)


@njit(nogil=True, cache=True)
def mix64(z: np.uint64) -> np.uint64:
    """splitmix64 finaliser: a bijective 64-bit mix. O(1)."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(nogil=True, cache=True)
def hash2(key: np.uint64, i: np.uint64) -> np.uint64:
    """The ``i``-th output of the splitmix64 stream started at ``key``. O(1)."""
    return mix64(key + (i + _ONE) * GAMMA)


@njit(nogil=True, cache=True, inline="always")
def unit(h: np.uint64) -> float:
    """Top 53 bits of ``h`` as a float in [0, 1). (They fit a signed integer, whose
    conversion to float is one instruction; an unsigned one takes a branch.)"""
    return np.float64(np.int64(h >> _S11)) * _TWO_M53


@njit(nogil=True, cache=True, inline="always")
def is_real(qkey: np.uint64, e: int, q: float) -> bool:
    """Whether edge ``e`` of a sender with quality ``q`` is a real follow. O(1).

    ``qkey`` is the run key xor :data:`QUALITY_SALT`. True without drawing a
    coin when ``q >= 1``; otherwise ``unit(hash(qkey, e)) < q``.
    """
    return q >= 1.0 or unit(hash2(qkey, np.uint64(e))) < q


@njit(nogil=True, cache=True)
def tv_probabilities(m: int, key: np.uint64) -> np.ndarray:
    """Trivalency probabilities: edge ``e`` gets {0.1, 0.01, 0.001}[hash(key, e) % 3]. O(m)."""
    vals = np.array([0.1, 0.01, 0.001], dtype=np.float32)
    out = np.empty(m, dtype=np.float32)
    three = np.uint64(3)
    for e in range(m):
        out[e] = vals[np.int64(hash2(key, np.uint64(e)) % three)]
    return out


@njit(nogil=True, cache=True, inline="always")
def edge_coin(key: np.uint64, e: int) -> float:
    """Edge ``e``'s uniform in run ``key``: ``unit(hash(key, e))``, in [0, 1). O(1).

    The per-edge IC coin (live iff below ``p_e``), shared by the plain, the
    overlap and the competition kernels so that they see one live-edge graph.
    """
    return unit(hash2(key, np.uint64(e)))


@njit(nogil=True, cache=True, inline="always")
def coin_bits(key: np.uint64, e: int) -> np.uint64:
    """The top 53 bits of edge ``e``'s hash in run ``key``, as an integer: ``unit`` of the
    hash is this times 2^-53, so ``edge_coin(key, e) < p`` iff ``coin_bits(key, e) <
    threshold(p)``. O(1)."""
    return hash2(key, np.uint64(e)) >> _S11


@njit(nogil=True, cache=True, inline="always")
def threshold(p: float) -> np.uint64:
    """``ceil(p 2^53)`` clipped to [0, 2^53]: for an integer ``m < 2^53``, ``m < threshold(p)``
    iff ``m 2^-53 < p`` (exact: the product is a power-of-two scaling). O(1)."""
    y = np.ceil(p * 9007199254740992.0)
    if not y > 0.0:
        return np.uint64(0)
    if y >= 9007199254740992.0:
        return np.uint64(9007199254740992)
    return np.uint64(np.int64(y))


@njit(nogil=True, cache=True)
def edge_thresholds(out_ptr, edge_p, quality):
    """The per-edge IC coins as integer compares (the floor of a per-edge kernel: one hash,
    one integer compare per edge): ``(live, real)`` with ``live[e] = threshold(q_u p_e)``
    (``q_u p_e`` computed in float64 as the float rule does, ``q_u = 1`` without
    quality) and ``real[u] = threshold(q_u)`` (empty without quality). Edge ``e = (u,
    v)`` is real iff ``coin_bits < real[u]`` and live iff ``coin_bits < live[e]``: the
    same decisions as ``edge_coin < q_u`` and ``edge_coin < q_u p_e``, bit for bit.
    O(n + m); 8 bytes per edge."""
    n = out_ptr.shape[0] - 1
    use_q = quality.shape[0] > 0
    live = np.empty(edge_p.shape[0], dtype=np.uint64)
    real = np.empty(n if use_q else 0, dtype=np.uint64)
    for u in range(n):
        qu = quality[u] if use_q else 1.0
        if use_q:
            real[u] = threshold(qu)
        for e in range(out_ptr[u], out_ptr[u + 1]):
            live[e] = threshold(qu * np.float64(edge_p[e]))
    return live, real


@njit(nogil=True, cache=True, inline="always")
def gap_uniform(ku: np.uint64, j: np.uint64) -> float:
    """The ``j``-th uniform of a source stream ``ku``, in (0, 1] (safe to log). O(1)."""
    return (np.float64(np.int64(hash2(ku, j) >> _S11)) + 1.0) * _TWO_M53
