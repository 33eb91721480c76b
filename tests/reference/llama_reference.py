"""Independent reference forward pass for GGUF decoder models (numpy only).

Architectures: llama, qwen2, qwen3 (pre-norm decoder, RMSNorm, RoPE,
grouped-query causal attention, SwiGLU feed-forward). It is written from the
published model definitions and shares no code with the C++ engine; its
purpose is to check the engine's logits.

    logits(gguf_path, ids) -> np.ndarray float64 [len(ids), n_vocab]

Every weight is dequantized with gguf_reader (bit-exact ggml dequantization)
and then all arithmetic is done in float64, so the result is the "exact"
logits of the model as stored in the file. Tensors are dequantized lazily,
one at a time when the layer that uses them runs; the embedding table is read
only for the requested rows and the output projection is applied in row
chunks, so a 1B-parameter model runs in 2-3 GB resident memory (measured
1.7 GB for llama-3.2-1b q8_0, 2.8 GB for f16, file pages included) and
about 25 s for 6 tokens.

Conventions
-----------
GGUF dims are innermost-first: a matrix with dims [n_in, n_out] is stored as
n_out rows of n_in values; gguf_reader's `shape` is the numpy shape
[n_out, n_in], and a projection is y = W @ x. Activations below are kept
position-major, X[n_tok, features], so the projection is written X @ W.T.

RoPE layouts (rotated pairs inside one head, j = 0 .. n_rot/2 - 1):
  NORMAL (llama):         (2j, 2j+1)
  NEOX   (qwen2, qwen3):  (j, j + n_rot/2)
with angle pos * base^(-2j/n_rot) / rope_freqs[j] (rope_freqs optional).

The module can also run on an in-memory model: `forward(hp, DictWeights({...}),
ids)` with numpy tensors in numpy shape; the self-test uses this.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gguf_reader as gr  # noqa: E402

ROPE_NORMAL = "normal"
ROPE_NEOX = "neox"

ROPE_TYPE_BY_ARCH = {
    "llama": ROPE_NORMAL,
    "qwen2": ROPE_NEOX,
    "qwen3": ROPE_NEOX,
}


# ---------------------------------------------------------------------------
# Hyperparameters
# ---------------------------------------------------------------------------
@dataclass
class HParams:
    arch: str
    n_embd: int
    n_layer: int
    n_head: int
    n_head_kv: int
    head_dim: int          # key/query head size (attention.key_length)
    head_dim_v: int        # value head size (attention.value_length)
    n_ff: int
    n_vocab: int
    eps: float
    rope_base: float
    n_rot: int
    rope_type: str         # ROPE_NORMAL or ROPE_NEOX


def hparams_from_gguf(g: gr.GGUFFile) -> HParams:
    arch = g.value("general.architecture")
    if arch not in ROPE_TYPE_BY_ARCH:
        raise ValueError(f"{g.path}: unsupported architecture {arch!r}")

    def req(key):
        v = g.value(f"{arch}.{key}")
        if v is None:
            raise ValueError(f"{g.path}: missing metadata {arch}.{key}")
        return v

    n_embd = int(req("embedding_length"))
    n_head = int(req("attention.head_count"))
    n_head_kv = int(g.value(f"{arch}.attention.head_count_kv", n_head))
    head_dim = int(g.value(f"{arch}.attention.key_length", n_embd // n_head))
    head_dim_v = int(g.value(f"{arch}.attention.value_length", head_dim))
    n_vocab = g.tensor("token_embd.weight").shape[0]
    return HParams(
        arch=arch,
        n_embd=n_embd,
        n_layer=int(req("block_count")),
        n_head=n_head,
        n_head_kv=n_head_kv,
        head_dim=head_dim,
        head_dim_v=head_dim_v,
        n_ff=int(req("feed_forward_length")),
        n_vocab=int(n_vocab),
        eps=float(req("attention.layer_norm_rms_epsilon")),
        rope_base=float(g.value(f"{arch}.rope.freq_base", 10000.0)),
        n_rot=int(g.value(f"{arch}.rope.dimension_count", head_dim)),
        rope_type=ROPE_TYPE_BY_ARCH[arch],
    )


# ---------------------------------------------------------------------------
# Weight sources: `has(name)`, `get(name)` (float64, numpy shape),
# `rows(name, idx)` (selected rows of a matrix) and `linear(name, X)`
# (X @ W.T for X [n, n_in] and W [n_out, n_in]; GGUFWeights computes it chunk
# by chunk over W's rows). Every projection of the forward pass goes through
# `linear`, so a subclass can change how projections are computed.
# ---------------------------------------------------------------------------
class DictWeights:
    """Weights held in a dict name -> array (numpy shape, any float dtype)."""

    def __init__(self, tensors: dict):
        self.t = tensors

    def has(self, name):
        return name in self.t

    def get(self, name):
        return np.asarray(self.t[name], dtype=np.float64)

    def rows(self, name, idx):
        return np.asarray(self.t[name], dtype=np.float64)[np.asarray(idx)]

    def linear(self, name, X):
        return X @ self.get(name).T


class GGUFWeights:
    """Weights read from a GGUF file, dequantized only when asked for."""

    ROW_CHUNK = 8192       # rows per dequantized chunk in linear

    def __init__(self, g: gr.GGUFFile):
        self.g = g
        self.by_name = {t.name: t for t in g.tensors}

    def has(self, name):
        return name in self.by_name

    def get(self, name):
        t = self.by_name[name]
        return self.g.tensor_f32(t).astype(np.float64)

    def _row_bytes(self, t):
        _, blck, tsize = gr.GGML_TYPES[t.type_id]
        return t.dims[0] // blck * tsize

    def _rows_range(self, t, r0, r1):
        """Dequantized rows r0..r1-1 of the 2-D tensor t, float32 [r1-r0, ne0]."""
        rb = self._row_bytes(t)
        raw = self.g.tensor_bytes(t)[r0 * rb:r1 * rb]
        return gr.dequantize(t.type_id, raw, (r1 - r0) * t.dims[0]).reshape(r1 - r0, t.dims[0])

    def rows(self, name, idx):
        t = self.by_name[name]
        out = np.empty((len(idx), t.dims[0]), dtype=np.float64)
        for i, r in enumerate(idx):
            if not 0 <= r < t.shape[0]:
                raise ValueError(f"row {r} out of range for {name} with {t.shape[0]} rows")
            out[i] = self._rows_range(t, int(r), int(r) + 1)[0]
        return out

    def linear(self, name, X):
        t = self.by_name[name]
        n_rows = t.shape[0]
        out = np.empty((X.shape[0], n_rows), dtype=np.float64)
        for r0 in range(0, n_rows, self.ROW_CHUNK):
            r1 = min(n_rows, r0 + self.ROW_CHUNK)
            W = self._rows_range(t, r0, r1).astype(np.float64)   # [r1-r0, n_in]
            out[:, r0:r1] = X @ W.T
        return out


# ---------------------------------------------------------------------------
# Building blocks
# ---------------------------------------------------------------------------
def rms_norm(X, weight, eps):
    """X [..., d] -> X / sqrt(mean(X^2) + eps) * weight, over the last axis."""
    ms = np.mean(X * X, axis=-1, keepdims=True)
    return X / np.sqrt(ms + eps) * weight


def silu(Z):
    return Z / (1.0 + np.exp(-Z))


def rope_angles(n_rot, base, positions, freq_factors=None):
    """Angles [n_pos, n_rot/2]: pos * base^(-2j/n_rot) (/ freq_factors[j])."""
    j = np.arange(n_rot // 2, dtype=np.float64)
    inv_freq = base ** (-2.0 * j / n_rot)                          # [n_rot/2]
    if freq_factors is not None:
        inv_freq = inv_freq / freq_factors
    return np.asarray(positions, dtype=np.float64)[:, None] * inv_freq[None, :]


def apply_rope(X, angles, n_rot, rope_type):
    """Rotate the first n_rot dims of every head.

    X [n_tok, n_heads, head_dim]; angles [n_tok, n_rot/2]. Returns a new array.
    """
    Y = X.copy()
    cos = np.cos(angles)[:, None, :]                               # [n_tok, 1, n_rot/2]
    sin = np.sin(angles)[:, None, :]
    if rope_type == ROPE_NORMAL:
        x0 = X[:, :, 0:n_rot:2]                                    # dims 2j
        x1 = X[:, :, 1:n_rot:2]                                    # dims 2j+1
        Y[:, :, 0:n_rot:2] = x0 * cos - x1 * sin
        Y[:, :, 1:n_rot:2] = x0 * sin + x1 * cos
    elif rope_type == ROPE_NEOX:
        half = n_rot // 2
        x0 = X[:, :, 0:half]                                       # dims j
        x1 = X[:, :, half:n_rot]                                   # dims j + n_rot/2
        Y[:, :, 0:half] = x0 * cos - x1 * sin
        Y[:, :, half:n_rot] = x0 * sin + x1 * cos
    else:
        raise ValueError(f"unknown rope type {rope_type!r}")
    return Y


def causal_attention(Q, K, V, n_head, n_head_kv):
    """Grouped-query causal softmax attention.

    Q [n, n_head, d], K [n, n_head_kv, d], V [n, n_head_kv, dv]
    -> [n, n_head * dv] (heads concatenated).
    """
    n, _, d = Q.shape
    group = n_head // n_head_kv
    Kx = np.repeat(K, group, axis=1)                               # [n, n_head, d]: kv head h // group
    Vx = np.repeat(V, group, axis=1)                               # [n, n_head, dv]
    S = np.einsum("qhd,khd->hqk", Q, Kx) / np.sqrt(d)              # [n_head, n_q, n_k]
    future = np.triu(np.ones((n, n), dtype=bool), k=1)             # key position > query position
    S = np.where(future[None], -np.inf, S)
    S = S - S.max(axis=-1, keepdims=True)
    P = np.exp(S)
    P = P / P.sum(axis=-1, keepdims=True)                          # [n_head, n_q, n_k]
    O = np.einsum("hqk,khd->qhd", P, Vx)                           # [n, n_head, dv]
    return O.reshape(n, -1)


# ---------------------------------------------------------------------------
# The forward pass
# ---------------------------------------------------------------------------
def forward(hp: HParams, w, ids, kv_dtype=None):
    """Logits float64 [len(ids), n_vocab] for tokens `ids` at positions 0..n-1.

    kv_dtype (e.g. np.float16): the keys (after RoPE) and values are rounded to
    it before attention, as a cache that stores them in that type does."""
    ids = [int(i) for i in ids]
    n = len(ids)
    if n == 0:
        return np.zeros((0, hp.n_vocab))
    if hp.n_head % hp.n_head_kv != 0:
        raise ValueError(f"n_head {hp.n_head} is not a multiple of n_head_kv {hp.n_head_kv}")

    X = w.rows("token_embd.weight", ids)                           # [n, n_embd]

    freq_factors = w.get("rope_freqs.weight") if w.has("rope_freqs.weight") else None
    angles = rope_angles(hp.n_rot, hp.rope_base, np.arange(n), freq_factors)  # [n, n_rot/2]

    for il in range(hp.n_layer):
        p = f"blk.{il}."

        # --- attention block ---
        H = rms_norm(X, w.get(p + "attn_norm.weight"), hp.eps)     # [n, n_embd]
        Q = w.linear(p + "attn_q.weight", H)                       # [n, n_head*head_dim]
        K = w.linear(p + "attn_k.weight", H)                       # [n, n_head_kv*head_dim]
        V = w.linear(p + "attn_v.weight", H)                       # [n, n_head_kv*head_dim_v]
        if w.has(p + "attn_q.bias"):
            Q = Q + w.get(p + "attn_q.bias")
        if w.has(p + "attn_k.bias"):
            K = K + w.get(p + "attn_k.bias")
        if w.has(p + "attn_v.bias"):
            V = V + w.get(p + "attn_v.bias")
        Q = Q.reshape(n, hp.n_head, hp.head_dim)                   # [n, n_head, head_dim]
        K = K.reshape(n, hp.n_head_kv, hp.head_dim)                # [n, n_head_kv, head_dim]
        V = V.reshape(n, hp.n_head_kv, hp.head_dim_v)              # [n, n_head_kv, head_dim_v]

        if w.has(p + "attn_q_norm.weight"):                        # qwen3: per-head norm before RoPE
            Q = rms_norm(Q, w.get(p + "attn_q_norm.weight"), hp.eps)
        if w.has(p + "attn_k_norm.weight"):
            K = rms_norm(K, w.get(p + "attn_k_norm.weight"), hp.eps)

        Q = apply_rope(Q, angles, hp.n_rot, hp.rope_type)
        K = apply_rope(K, angles, hp.n_rot, hp.rope_type)

        if kv_dtype is not None:                                   # the cache's rounding
            K = K.astype(kv_dtype).astype(np.float64)
            V = V.astype(kv_dtype).astype(np.float64)
        A = causal_attention(Q, K, V, hp.n_head, hp.n_head_kv)     # [n, n_head*head_dim_v]
        X = X + w.linear(p + "attn_output.weight", A)              # [n, n_embd]

        # --- feed-forward block (SwiGLU) ---
        H = rms_norm(X, w.get(p + "ffn_norm.weight"), hp.eps)      # [n, n_embd]
        G = w.linear(p + "ffn_gate.weight", H)                     # [n, n_ff]
        U = w.linear(p + "ffn_up.weight", H)                       # [n, n_ff]
        X = X + w.linear(p + "ffn_down.weight", silu(G) * U)       # [n, n_embd]

    # --- output head ---
    X = rms_norm(X, w.get("output_norm.weight"), hp.eps)           # [n, n_embd]
    out_name = "output.weight" if w.has("output.weight") else "token_embd.weight"  # tied if absent
    return w.linear(out_name, X)                                   # [n, n_vocab]


def logits(gguf_path, ids, kv_dtype=None) -> np.ndarray:
    """Reference logits float64 [len(ids), n_vocab] of the GGUF model at gguf_path
    (kv_dtype: see forward)."""
    g = gr.read_gguf(gguf_path)
    try:
        hp = hparams_from_gguf(g)
        for i in ids:
            if not 0 <= int(i) < hp.n_vocab:
                raise ValueError(f"token id {i} outside the vocabulary (n_vocab {hp.n_vocab})")
        return forward(hp, GGUFWeights(g), ids, kv_dtype)
    finally:
        g.close()


if __name__ == "__main__":
    import argparse
    import time

    ap = argparse.ArgumentParser(description="print reference logits of a GGUF model")
    ap.add_argument("model")
    ap.add_argument("ids", help='token ids, e.g. "1 2 3"')
    ap.add_argument("--out", help="write float32 [n, n_vocab] here")
    a = ap.parse_args()
    t0 = time.time()
    L = logits(a.model, [int(s) for s in a.ids.replace(",", " ").split()])
    print(f"logits {L.shape} in {time.time() - t0:.2f}s; per position: "
          f"argmax {L.argmax(axis=1).tolist()}, max|.| {np.abs(L).max():.4g}, "
          f"std {L.std():.4g}")
    if a.out:
        L.astype("<f4").tofile(a.out)
