#!/usr/bin/python3
"""Self-check of llama_reference.py; needs neither the engine nor model files.

    /usr/bin/python3 tests/reference/test_llama_reference_self.py

Checks
------
1. Hand-computed cases: a 1-layer model with n_embd 4, one head of head_dim 4,
   eps 0 and identity/zero matrices, two tokens. The expected logits are
   derived on paper (see `hand_*` below) for: attention with zero Wq/Wk
   (uniform weights), RoPE NORMAL vs NEOX pairing, rope_freqs factors, the
   qwen3 per-head q/k norm, and the SwiGLU feed-forward.
2. A second implementation written differently: pure Python scalars and
   lists, one token at a time with a growing KV cache, explicit loops for
   every sum (`loop_forward`). It must agree with the vectorized reference to
   1e-12 on random small models covering every feature (q/k/v bias, q/k norm,
   rope_freqs, n_rot < head_dim, head_dim != n_embd/n_head, value head size,
   GQA groups, tied output).
3. Invariances the true logits must have: causality (a prefix's logits do not
   change when tokens are appended); position 0 does not depend on Wq, Wk,
   q/k norms or rope_freqs; GQA with n_head_kv < n_head equals the model with
   the kv heads duplicated; NORMAL rope with Wq/Wk rows interleaved equals NEOX
   rope; permuting the feed-forward hidden units, the kv groups (with their
   query heads and Wo columns) or the embedding dimensions leaves the logits
   unchanged; tied output equals an explicit output.weight copy; RoPE scores
   depend only on the relative position.
4. GGUF plumbing: small models written to GGUF files (f32, f16, q8_0 tensors,
   every architecture, key_length present or defaulted) read back through
   `logits(path, ids)` equal the in-memory forward pass of the same
   (dequantized) tensors and the loop implementation.
Last line: "N passed, M failed"; exit status 1 on any failure.
"""

import math
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gguf_reader as gr  # noqa: E402
import gguf_testgen  # noqa: E402
import llama_reference as ref  # noqa: E402
from llama_reference import HParams, DictWeights  # noqa: E402

RESULTS = []


def check(name, ok, detail=""):
    RESULTS.append(ok)
    print(f"{'PASS' if ok else 'FAIL'} {name}{(': ' + detail) if detail else ''}")


def close(name, got, want, tol):
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    if got.shape != want.shape:
        check(name, False, f"shape {got.shape} != {want.shape}")
        return
    err = float(np.max(np.abs(got - want))) if got.size else 0.0
    scale = max(1.0, float(np.max(np.abs(want)))) if want.size else 1.0
    check(name, err <= tol * scale, f"max abs diff {err:.3g} (tol {tol:g} x {scale:.3g})")


# ---------------------------------------------------------------------------
# 1. Hand-computed cases
# ---------------------------------------------------------------------------
def hand_model(arch, wq_scale, ffn, q_norm=None, rope_freqs=None):
    """n_embd 4, 1 head (head_dim 4), 1 layer, vocab 4, eps 0.
    Embeddings: token 0 = e0, token 1 = e1. All norms 1 (except q_norm).
    Wq = Wk = wq_scale * I, Wv = Wo = I, output = I.
    ffn: gate = up = down = I, or all zero."""
    rope_type = ref.ROPE_TYPE_BY_ARCH[arch]
    hp = HParams(arch=arch, n_embd=4, n_layer=1, n_head=1, n_head_kv=1, head_dim=4,
                 head_dim_v=4, n_ff=4, n_vocab=4, eps=0.0, rope_base=10000.0, n_rot=4,
                 rope_type=rope_type)
    I4 = np.eye(4)
    t = {
        "token_embd.weight": np.eye(4),
        "blk.0.attn_norm.weight": np.ones(4),
        "blk.0.attn_q.weight": wq_scale * I4,
        "blk.0.attn_k.weight": wq_scale * I4,
        "blk.0.attn_v.weight": I4,
        "blk.0.attn_output.weight": I4,
        "blk.0.ffn_norm.weight": np.ones(4),
        "blk.0.ffn_gate.weight": I4 if ffn else 0 * I4,
        "blk.0.ffn_up.weight": I4 if ffn else 0 * I4,
        "blk.0.ffn_down.weight": I4 if ffn else 0 * I4,
        "output_norm.weight": np.ones(4),
        "output.weight": I4,
    }
    if q_norm is not None:
        t["blk.0.attn_q_norm.weight"] = np.array(q_norm, dtype=np.float64)
        t["blk.0.attn_k_norm.weight"] = np.ones(4)
    if rope_freqs is not None:
        t["rope_freqs.weight"] = np.array(rope_freqs, dtype=np.float64)
    return hp, t


def hand_rms(v):
    """rmsnorm with eps 0 and unit weight, by the definition."""
    r = math.sqrt(sum(a * a for a in v) / len(v))
    return [a / r for a in v]


def hand_silu(z):
    return z / (1.0 + math.exp(-z))


def hand_logits(s10, s11, ffn):
    """Logits for ids [0, 1] of hand_model, given the pre-softmax scores of
    position 1 against positions 0 and 1 (s10, s11).

    Position 0: x = e0; h = rms(e0) = [2,0,0,0]; attention sees only itself,
    so attn = v0 = h = [2,0,0,0]; x = [3,0,0,0]; ffn adds silu(h2)*h2 with
    h2 = rms(x) = [2,0,0,0]. Position 1: h = [0,2,0,0]; attn = w0*v0 + w1*v1
    = [2 w0, 2 w1, 0, 0] with (w0, w1) = softmax(s10, s11); x = e1 + attn.
    Values are not rotated, so the layouts only change s10, s11."""
    out = []
    e0 = math.exp(s10 - max(s10, s11))
    e1 = math.exp(s11 - max(s10, s11))
    w0, w1 = e0 / (e0 + e1), e1 / (e0 + e1)
    for x in ([1 + 2.0, 0.0, 0.0, 0.0], [2 * w0, 1 + 2 * w1, 0.0, 0.0]):
        if ffn:
            h2 = hand_rms(x)
            x = [a + hand_silu(b) * b for a, b in zip(x, h2)]
        out.append(hand_rms(x))
    return out


def test_hand():
    ids = [0, 1]
    # zero Wq/Wk: scores are 0 -> uniform weights; pos 1 = rms([1, 2, 0, 0])
    for arch in ("llama", "qwen2"):
        hp, t = hand_model(arch, 0.0, ffn=False)
        want = [[2.0, 0, 0, 0], [2 / math.sqrt(5), 4 / math.sqrt(5), 0, 0]]
        close(f"hand {arch}: zero Wq/Wk, no ffn", ref.forward(hp, DictWeights(t), ids), want, 1e-14)
        close(f"hand {arch}: formula agrees", hand_logits(0.0, 0.0, False), want, 1e-14)

    # Wq = Wk = I, with ffn. q1 = k1 = rope([0, 2, 0, 0], pos 1), k0 = [2, 0, 0, 0].
    # NORMAL pairs (0,1),(2,3); pair 0 angle = 1 rad:
    #   q1 = k1 = [-2 sin 1, 2 cos 1, 0, 0]; s10 = q1.k0 / 2 = -2 sin 1; s11 = |q1|^2 / 2 = 2.
    hp, t = hand_model("llama", 1.0, ffn=True)
    close("hand llama: NORMAL rope + softmax + swiglu", ref.forward(hp, DictWeights(t), ids),
          hand_logits(-2 * math.sin(1.0), 2.0, True), 1e-13)
    # rope_freqs [2, 1]: pair 0 angle = 1/2 rad -> s10 = -2 sin(1/2).
    hp, t = hand_model("llama", 1.0, ffn=True, rope_freqs=[2.0, 1.0])
    close("hand llama: rope_freqs divides the angle", ref.forward(hp, DictWeights(t), ids),
          hand_logits(-2 * math.sin(0.5), 2.0, True), 1e-13)
    # NEOX pairs (0,2),(1,3); dim 1 is in pair j=1, angle 10000^(-1/2) = 0.01:
    #   q1 = k1 = [0, 2 cos .01, 0, 2 sin .01]; s10 = 0; s11 = 4/2 = 2.
    for arch in ("qwen2", "qwen3"):
        hp, t = hand_model(arch, 1.0, ffn=True)
        close(f"hand {arch}: NEOX rope + softmax + swiglu", ref.forward(hp, DictWeights(t), ids),
              hand_logits(0.0, 2.0, True), 1e-13)
    # qwen3 q_norm weight [1, 3, 1, 1]: rms([0,2,0,0]) = [0,2,0,0] -> q1 = [0,6,0,0]
    # before rope, k unchanged; s11 = (6*2) / 2 = 6, s10 = 0 (q0 = [2,0,0,0]).
    hp, t = hand_model("qwen3", 1.0, ffn=True, q_norm=[1.0, 3.0, 1.0, 1.0])
    close("hand qwen3: q_norm before rope", ref.forward(hp, DictWeights(t), ids),
          hand_logits(0.0, 6.0, True), 1e-13)
    # the same q_norm on a NORMAL model: q1 = [-6 sin 1, 6 cos 1, 0, 0]: s10 = -6 sin 1, s11 = 6
    hp, t = hand_model("qwen3", 1.0, ffn=True, q_norm=[1.0, 3.0, 1.0, 1.0])
    hp.rope_type = ref.ROPE_NORMAL
    close("hand q_norm with NORMAL rope", ref.forward(hp, DictWeights(t), ids),
          hand_logits(-6 * math.sin(1.0), 6.0, True), 1e-13)


# ---------------------------------------------------------------------------
# 2. Loop implementation (pure Python, token by token with a KV cache)
# ---------------------------------------------------------------------------
def _tolist(t):
    return {k: np.asarray(v, dtype=np.float64).tolist() for k, v in t.items()}


def loop_forward(hp, tensors, ids):
    m = _tolist(tensors)

    def matvec(W, x):
        out = []
        for row in W:
            s = 0.0
            for a, b in zip(row, x):
                s += a * b
            out.append(s)
        return out

    def rmsnorm(x, w):
        ss = 0.0
        for a in x:
            ss += a * a
        r = 1.0 / math.sqrt(ss / len(x) + hp.eps)
        return [a * r * g for a, g in zip(x, w)]

    def rope(vec, pos):
        v = list(vec)
        for j in range(hp.n_rot // 2):
            if hp.rope_type == ref.ROPE_NORMAL:
                i0, i1 = 2 * j, 2 * j + 1
            else:
                i0, i1 = j, j + hp.n_rot // 2
            ang = pos * hp.rope_base ** (-2.0 * j / hp.n_rot)
            if "rope_freqs.weight" in m:
                ang /= m["rope_freqs.weight"][j]
            c, s = math.cos(ang), math.sin(ang)
            a, b = vec[i0], vec[i1]
            v[i0] = a * c - b * s
            v[i1] = a * s + b * c
        return v

    def add(a, b):
        return [x + y for x, y in zip(a, b)]

    kd, vd = hp.head_dim, hp.head_dim_v
    cache_k = [[] for _ in range(hp.n_layer)]   # [layer][pos][kv_head] -> list
    cache_v = [[] for _ in range(hp.n_layer)]
    all_logits = []
    for pos, tok in enumerate(ids):
        x = list(m["token_embd.weight"][tok])
        for il in range(hp.n_layer):
            p = f"blk.{il}."
            h = rmsnorm(x, m[p + "attn_norm.weight"])
            q = matvec(m[p + "attn_q.weight"], h)
            k = matvec(m[p + "attn_k.weight"], h)
            v = matvec(m[p + "attn_v.weight"], h)
            if p + "attn_q.bias" in m:
                q = add(q, m[p + "attn_q.bias"])
                k = add(k, m[p + "attn_k.bias"])
                v = add(v, m[p + "attn_v.bias"])
            qh = [q[i * kd:(i + 1) * kd] for i in range(hp.n_head)]
            kh = [k[i * kd:(i + 1) * kd] for i in range(hp.n_head_kv)]
            vh = [v[i * vd:(i + 1) * vd] for i in range(hp.n_head_kv)]
            if p + "attn_q_norm.weight" in m:
                qh = [rmsnorm(a, m[p + "attn_q_norm.weight"]) for a in qh]
                kh = [rmsnorm(a, m[p + "attn_k_norm.weight"]) for a in kh]
            qh = [rope(a, pos) for a in qh]
            kh = [rope(a, pos) for a in kh]
            cache_k[il].append(kh)
            cache_v[il].append(vh)
            att = []
            group = hp.n_head // hp.n_head_kv
            for hq in range(hp.n_head):
                g = hq // group
                scores = []
                for pk in range(pos + 1):
                    s = 0.0
                    for a, b in zip(qh[hq], cache_k[il][pk][g]):
                        s += a * b
                    scores.append(s / math.sqrt(kd))
                mx = max(scores)
                e = [math.exp(s - mx) for s in scores]
                tot = sum(e)
                o = [0.0] * vd
                for pk in range(pos + 1):
                    wgt = e[pk] / tot
                    for d in range(vd):
                        o[d] += wgt * cache_v[il][pk][g][d]
                att.extend(o)
            x = add(x, matvec(m[p + "attn_output.weight"], att))
            h = rmsnorm(x, m[p + "ffn_norm.weight"])
            gate = matvec(m[p + "ffn_gate.weight"], h)
            up = matvec(m[p + "ffn_up.weight"], h)
            act = [gg / (1.0 + math.exp(-gg)) * uu for gg, uu in zip(gate, up)]
            x = add(x, matvec(m[p + "ffn_down.weight"], act))
        h = rmsnorm(x, m["output_norm.weight"])
        W = m["output.weight"] if "output.weight" in m else m["token_embd.weight"]
        all_logits.append(matvec(W, h))
    return all_logits


def random_model(rng, arch, n_embd=8, n_layer=2, n_head=4, n_head_kv=2, head_dim=4,
                 head_dim_v=None, n_ff=12, n_vocab=11, n_rot=None, bias=None,
                 qk_norm=None, rope_freqs=False, tied=False, scale=0.4, eps=1e-5,
                 base=10000.0):
    """Random model; every value is a float32 number (so f32 GGUF files hold it exactly)."""
    head_dim_v = head_dim_v or head_dim
    n_rot = n_rot or head_dim
    bias = (arch == "qwen2") if bias is None else bias
    qk_norm = (arch == "qwen3") if qk_norm is None else qk_norm
    hp = HParams(arch=arch, n_embd=n_embd, n_layer=n_layer, n_head=n_head,
                 n_head_kv=n_head_kv, head_dim=head_dim, head_dim_v=head_dim_v, n_ff=n_ff,
                 n_vocab=n_vocab, eps=float(np.float32(eps)), rope_base=base, n_rot=n_rot,
                 rope_type=ref.ROPE_TYPE_BY_ARCH[arch])

    def mat(rows, cols, s=scale):
        return rng.normal(0, s, size=(rows, cols))

    def norm(n):
        return 1.0 + rng.normal(0, 0.2, size=n)

    t = {"token_embd.weight": mat(n_vocab, n_embd, 1.0)}
    if rope_freqs:
        t["rope_freqs.weight"] = rng.uniform(1.0, 8.0, size=n_rot // 2)
    for il in range(n_layer):
        p = f"blk.{il}."
        t[p + "attn_norm.weight"] = norm(n_embd)
        t[p + "attn_q.weight"] = mat(n_head * head_dim, n_embd)
        t[p + "attn_k.weight"] = mat(n_head_kv * head_dim, n_embd)
        t[p + "attn_v.weight"] = mat(n_head_kv * head_dim_v, n_embd)
        if bias:
            t[p + "attn_q.bias"] = rng.normal(0, 0.5, n_head * head_dim)
            t[p + "attn_k.bias"] = rng.normal(0, 0.5, n_head_kv * head_dim)
            t[p + "attn_v.bias"] = rng.normal(0, 0.5, n_head_kv * head_dim_v)
        if qk_norm:
            t[p + "attn_q_norm.weight"] = norm(head_dim)
            t[p + "attn_k_norm.weight"] = norm(head_dim)
        t[p + "attn_output.weight"] = mat(n_embd, n_head * head_dim_v)
        t[p + "ffn_norm.weight"] = norm(n_embd)
        t[p + "ffn_gate.weight"] = mat(n_ff, n_embd)
        t[p + "ffn_up.weight"] = mat(n_ff, n_embd)
        t[p + "ffn_down.weight"] = mat(n_embd, n_ff)
    t["output_norm.weight"] = norm(n_embd)
    if not tied:
        t["output.weight"] = mat(n_vocab, n_embd, 1.0)
    t = {k: v.astype(np.float32).astype(np.float64) for k, v in t.items()}
    return hp, t


LOOP_CASES = [
    ("llama", {}),
    ("llama", {"n_rot": 2, "rope_freqs": True, "tied": True}),
    ("llama", {"n_head_kv": 1, "n_layer": 3, "rope_freqs": True}),
    ("qwen2", {}),
    ("qwen2", {"n_head_kv": 4, "tied": True, "base": 1000000.0}),
    ("qwen3", {}),
    ("qwen3", {"head_dim": 6, "head_dim_v": 2, "n_rot": 4}),
    ("qwen3", {"n_head": 2, "n_head_kv": 1, "head_dim": 8, "bias": True, "rope_freqs": True}),
]


def test_loop(rng):
    for arch, kw in LOOP_CASES:
        hp, t = random_model(rng, arch, **kw)
        ids = [int(i) for i in rng.integers(0, hp.n_vocab, size=7)]
        got = ref.forward(hp, DictWeights(t), ids)
        want = loop_forward(hp, t, ids)
        spread = float(np.std(got))
        close(f"loop vs vectorized {arch} {kw} (logit std {spread:.2f})", got, want, 1e-12)


# ---------------------------------------------------------------------------
# 3. Invariances
# ---------------------------------------------------------------------------
def _fwd(hp, t, ids):
    return ref.forward(hp, DictWeights(t), ids)


def test_invariances(rng):
    ids = [3, 9, 0, 10, 4, 4, 7, 1]

    for arch in ("llama", "qwen2", "qwen3"):
        hp, t = random_model(rng, arch, rope_freqs=(arch == "llama"))
        full = _fwd(hp, t, ids)
        # causality
        ok = all(np.allclose(_fwd(hp, t, ids[:k]), full[:k], rtol=0, atol=1e-12)
                 for k in (1, 3, 6))
        check(f"{arch}: prefix logits unchanged when tokens are appended", ok)
        # the attention must actually depend on earlier tokens
        other = _fwd(hp, t, [5] + ids[1:])
        check(f"{arch}: later positions depend on earlier tokens",
              float(np.max(np.abs(other[1:] - full[1:]))) > 1e-3)
        # position 0 is independent of q/k projections, norms and rope_freqs
        t2 = dict(t)
        for il in range(hp.n_layer):
            p = f"blk.{il}."
            t2[p + "attn_q.weight"] = rng.normal(0, 1, t[p + "attn_q.weight"].shape)
            t2[p + "attn_k.weight"] = rng.normal(0, 1, t[p + "attn_k.weight"].shape)
            if p + "attn_q.bias" in t:
                t2[p + "attn_q.bias"] = rng.normal(0, 1, t[p + "attn_q.bias"].shape)
                t2[p + "attn_k.bias"] = rng.normal(0, 1, t[p + "attn_k.bias"].shape)
            if p + "attn_q_norm.weight" in t:
                t2[p + "attn_q_norm.weight"] = rng.normal(0, 1, hp.head_dim)
        if "rope_freqs.weight" in t:
            t2["rope_freqs.weight"] = t["rope_freqs.weight"] * 3.0
        got = _fwd(hp, t2, ids)
        close(f"{arch}: position 0 independent of Wq/Wk/q_norm/rope_freqs", got[0], full[0], 1e-12)
        check(f"{arch}: ... while position 1+ do depend on them",
              float(np.max(np.abs(got[1:] - full[1:]))) > 1e-3)

        # GQA: duplicate each kv head `group` times -> n_head_kv = n_head
        group = hp.n_head // hp.n_head_kv
        t3 = dict(t)
        hp3 = HParams(**{**hp.__dict__, "n_head_kv": hp.n_head})
        for il in range(hp.n_layer):
            p = f"blk.{il}."
            for nm, d in (("attn_k", hp.head_dim), ("attn_v", hp.head_dim_v)):
                W = t[p + nm + ".weight"].reshape(hp.n_head_kv, d, -1)
                t3[p + nm + ".weight"] = np.repeat(W, group, axis=0).reshape(hp.n_head * d, -1)
                if p + nm + ".bias" in t:
                    b = t[p + nm + ".bias"].reshape(hp.n_head_kv, d)
                    t3[p + nm + ".bias"] = np.repeat(b, group, axis=0).reshape(-1)
        close(f"{arch}: GQA equals duplicated kv heads", _fwd(hp3, t3, ids), full, 1e-12)

        # permuting the feed-forward hidden units
        t4 = dict(t)
        for il in range(hp.n_layer):
            p = f"blk.{il}."
            perm = rng.permutation(hp.n_ff)
            t4[p + "ffn_gate.weight"] = t[p + "ffn_gate.weight"][perm]
            t4[p + "ffn_up.weight"] = t[p + "ffn_up.weight"][perm]
            t4[p + "ffn_down.weight"] = t[p + "ffn_down.weight"][:, perm]
        close(f"{arch}: ffn hidden-unit permutation", _fwd(hp, t4, ids), full, 1e-12)

        # permuting kv groups together with their query heads and Wo columns
        t5 = dict(t)
        for il in range(hp.n_layer):
            p = f"blk.{il}."
            gp = rng.permutation(hp.n_head_kv)
            qperm = np.concatenate([np.arange(g * group, (g + 1) * group) for g in gp])

            def heads(x, order, d):
                sh = x.shape
                return x.reshape(len(order), d, *sh[1:])[order].reshape(sh)
            t5[p + "attn_q.weight"] = heads(t[p + "attn_q.weight"], qperm, hp.head_dim)
            t5[p + "attn_k.weight"] = heads(t[p + "attn_k.weight"], gp, hp.head_dim)
            t5[p + "attn_v.weight"] = heads(t[p + "attn_v.weight"], gp, hp.head_dim_v)
            for nm, order, d in (("attn_q", qperm, hp.head_dim), ("attn_k", gp, hp.head_dim),
                                 ("attn_v", gp, hp.head_dim_v)):
                if p + nm + ".bias" in t:
                    t5[p + nm + ".bias"] = heads(t[p + nm + ".bias"], order, d)
            Wo = t[p + "attn_output.weight"]
            t5[p + "attn_output.weight"] = heads(Wo.T, qperm, hp.head_dim_v).T
        close(f"{arch}: kv-group / head permutation", _fwd(hp, t5, ids), full, 1e-12)

        # permuting the embedding dimensions everywhere
        pe = rng.permutation(hp.n_embd)
        t6 = {}
        for k, v in t.items():
            if k == "token_embd.weight" or k == "output.weight":
                t6[k] = v[:, pe]
            elif k.endswith(("attn_norm.weight", "ffn_norm.weight")) or k == "output_norm.weight":
                t6[k] = v[pe]
            elif k.endswith(("attn_q.weight", "attn_k.weight", "attn_v.weight",
                             "ffn_gate.weight", "ffn_up.weight")):
                t6[k] = v[:, pe]
            elif k.endswith(("attn_output.weight", "ffn_down.weight")):
                t6[k] = v[pe]
            else:
                t6[k] = v
        close(f"{arch}: embedding-dimension permutation", _fwd(hp, t6, ids), full, 1e-12)

        # tied output == explicit copy of the embedding
        if "output.weight" in t:
            t7 = dict(t)
            del t7["output.weight"]
            t8 = dict(t7)
            t8["output.weight"] = t["token_embd.weight"].copy()
            close(f"{arch}: tied output equals an explicit copy", _fwd(hp, t7, ids),
                  _fwd(hp, t8, ids), 1e-14)

    # NORMAL (llama) with Wq/Wk rows interleaved == NEOX (qwen2 without bias)
    hpn, t = random_model(rng, "qwen2", bias=False, n_head=2, n_head_kv=1, head_dim=6, n_rot=4)
    hpl = HParams(**{**hpn.__dict__, "arch": "llama", "rope_type": ref.ROPE_NORMAL})
    # neox pair j = (j, j + n_rot/2) -> normal pair j = (2j, 2j + 1); other dims stay
    half = hpn.n_rot // 2
    src = np.arange(hpn.head_dim)
    src[0:hpn.n_rot:2] = np.arange(half)
    src[1:hpn.n_rot:2] = np.arange(half, hpn.n_rot)
    tl = dict(t)
    for il in range(hpn.n_layer):
        p = f"blk.{il}."
        for nm in ("attn_q.weight", "attn_k.weight"):
            W = t[p + nm]
            nh = W.shape[0] // hpn.head_dim
            tl[p + nm] = W.reshape(nh, hpn.head_dim, -1)[:, src].reshape(W.shape)
    close("NORMAL rope on interleaved Wq/Wk equals NEOX rope", _fwd(hpl, tl, ids),
          _fwd(hpn, t, ids), 1e-12)
    check("... and differs without the interleave",
          float(np.max(np.abs(_fwd(hpl, t, ids) - _fwd(hpn, t, ids)))) > 1e-3)

    # RoPE: <rope(q, m), rope(k, n)> depends only on m - n
    for rt in (ref.ROPE_NORMAL, ref.ROPE_NEOX):
        q = rng.normal(size=(1, 1, 8))
        k = rng.normal(size=(1, 1, 8))
        ff = rng.uniform(1, 4, size=3)
        vals = []
        for m_, n_ in ((5, 2), (9, 6), (103, 100), (3, 0)):
            am = ref.rope_angles(6, 500.0, [m_], ff)
            an = ref.rope_angles(6, 500.0, [n_], ff)
            vals.append(float(np.sum(ref.apply_rope(q, am, 6, rt) * ref.apply_rope(k, an, 6, rt))))
        check(f"rope {rt}: score depends only on the relative position",
              max(vals) - min(vals) < 1e-10, f"{vals}")
        a1 = ref.rope_angles(6, 500.0, [7], ff)
        r = ref.apply_rope(q, a1, 6, rt)
        close(f"rope {rt}: norm preserved, dims >= n_rot untouched",
              [np.linalg.norm(r), *r[0, 0, 6:]], [np.linalg.norm(q), *q[0, 0, 6:]], 1e-13)


# ---------------------------------------------------------------------------
# 4. GGUF plumbing
# ---------------------------------------------------------------------------
def quantize_q8_0(x):
    """float array (size multiple of 32) -> q8_0 bytes (round to nearest)."""
    blocks = np.asarray(x, dtype=np.float32).reshape(-1, 32)
    amax = np.abs(blocks).max(axis=1)
    d = (amax / 127.0).astype(np.float16)
    df = d.astype(np.float32)
    inv = np.where(df > 0, 1.0 / np.where(df > 0, df, 1), 0)
    q = np.clip(np.rint(blocks * inv[:, None]), -127, 127).astype(np.int8)
    out = bytearray()
    for i in range(blocks.shape[0]):
        out += d[i:i + 1].astype("<f2").tobytes() + q[i].tobytes()
    return bytes(out)


def write_model_gguf(path, hp, t, wtype, write_key_length):
    a = hp.arch
    kvs = [
        ("general.architecture", 8, a),
        (f"{a}.embedding_length", 4, hp.n_embd),
        (f"{a}.block_count", 4, hp.n_layer),
        (f"{a}.feed_forward_length", 4, hp.n_ff),
        (f"{a}.attention.head_count", 4, hp.n_head),
        (f"{a}.attention.head_count_kv", 4, hp.n_head_kv),
        (f"{a}.attention.layer_norm_rms_epsilon", 6, hp.eps),
        (f"{a}.rope.freq_base", 6, hp.rope_base),
        (f"{a}.rope.dimension_count", 4, hp.n_rot),
    ]
    if write_key_length:
        kvs.append((f"{a}.attention.key_length", 4, hp.head_dim))
        kvs.append((f"{a}.attention.value_length", 4, hp.head_dim_v))
    tensors = []
    stored = {}
    for name, v in t.items():
        dims = tuple(reversed(v.shape))
        if v.ndim == 2 and wtype == "f16":
            raw = v.astype("<f2").tobytes()
            tid = 1
        elif v.ndim == 2 and wtype == "q8_0":
            raw = quantize_q8_0(v)
            tid = 8
        else:
            raw = v.astype("<f4").tobytes()
            tid = 0
        tensors.append((name, dims, tid, raw))
        stored[name] = gr.dequantize(tid, raw, v.size).astype(np.float64).reshape(v.shape)
    with open(path, "wb") as f:
        f.write(gguf_testgen.write_gguf(kvs, tensors))
    return stored


def test_gguf(rng, tmp):
    cases = [
        ("llama", "f32", True, dict(n_embd=32, head_dim=8, rope_freqs=True, tied=True)),
        ("llama", "q8_0", False, dict(n_embd=32, head_dim=8, n_ff=64)),
        ("qwen2", "f16", False, dict(n_embd=32, head_dim=8)),
        ("qwen2", "q8_0", False, dict(n_embd=32, head_dim=8, n_ff=64, tied=True)),
        ("qwen3", "f32", True, dict(n_embd=32, head_dim=16, n_head=4, n_head_kv=2)),
        ("qwen3", "q8_0", True, dict(n_embd=64, head_dim=32, n_head=4, n_head_kv=1, n_ff=96)),
    ]
    old_chunk = ref.GGUFWeights.ROW_CHUNK
    ref.GGUFWeights.ROW_CHUNK = 4            # force several output chunks
    try:
        for arch, wtype, keylen, kw in cases:
            hp, t = random_model(rng, arch, n_vocab=13, **kw)
            path = os.path.join(tmp, f"{arch}-{wtype}.gguf")
            stored = write_model_gguf(path, hp, t, wtype, keylen)
            ids = [12, 0, 5, 12, 7, 3]
            got = ref.logits(path, ids)
            g = gr.read_gguf(path)
            hp_read = ref.hparams_from_gguf(g)
            g.close()
            check(f"gguf {arch} {wtype}: hyperparameters read back", hp_read == hp,
                  "" if hp_read == hp else f"{hp_read} != {hp}")
            close(f"gguf {arch} {wtype}: logits(path) == in-memory forward", got,
                  _fwd(hp, stored, ids), 1e-13)
            close(f"gguf {arch} {wtype}: logits(path) == loop implementation", got,
                  loop_forward(hp, stored, ids), 1e-12)
            os.remove(path)
    finally:
        ref.GGUFWeights.ROW_CHUNK = old_chunk
    # an out-of-vocabulary id is an error, not garbage
    hp, t = random_model(rng, "llama", n_embd=32, head_dim=8, n_vocab=13)
    path = os.path.join(tmp, "oov.gguf")
    write_model_gguf(path, hp, t, "f32", True)
    try:
        ref.logits(path, [1, 13])
        check("gguf: out-of-vocabulary id rejected", False, "no error")
    except ValueError:
        check("gguf: out-of-vocabulary id rejected", True)
    os.remove(path)


def main():
    rng = np.random.default_rng(20240611)
    test_hand()
    test_loop(rng)
    test_invariances(rng)
    with tempfile.TemporaryDirectory() as tmp:
        test_gguf(rng, tmp)
    n_pass = sum(RESULTS)
    n_fail = len(RESULTS) - n_pass
    print(f"{n_pass} passed, {n_fail} failed")
    return 1 if n_fail else 0


if __name__ == "__main__":
    sys.exit(main())
