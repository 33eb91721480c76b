"""An independent Whisper reference in numpy (float64): its own reader of whisper.cpp's ggml
files and the encoder written from openai-whisper's model definition.

    file = read_whisper_ggml(path)          # hparams dict, mel filters, tokens, tensors (float64)
    out = encoder(file, mel)                # mel [n_mels, 2 * n_audio_ctx] -> [n_audio_ctx, n_state]
    logits = decoder(file, out, tokens)     # -> [len(tokens), n_vocab], tokens from position 0

Encoder: conv1d(k=3, pad=1) + GELU, conv1d(k=3, pad=1, stride=2) + GELU, + positional
embedding, pre-norm residual blocks (LayerNorm eps 1e-5; attention with q/v biases and no k bias,
softmax(q k^T / sqrt(d)); MLP 4n with exact GELU), final LayerNorm.
Decoder: token + positional embedding, blocks of causal self-attention, cross-attention over the
encoder output and the MLP (all pre-norm), final LayerNorm, logits = x token_embedding^T.
"""

import math
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gguf_reader  # noqa: E402

GGML_F32, GGML_F16 = 0, 1
HPARAM_NAMES = ["n_vocab", "n_audio_ctx", "n_audio_state", "n_audio_head", "n_audio_layer",
                "n_text_ctx", "n_text_state", "n_text_head", "n_text_layer", "n_mels", "ftype"]


def read_whisper_ggml(path):
    data = open(path, "rb").read()
    pos = 0

    def take(fmt):
        nonlocal pos
        vals = struct.unpack_from(fmt, data, pos)
        pos += struct.calcsize(fmt)
        return vals

    magic, = take("<I")
    assert magic == 0x67676D6C, f"bad magic {magic:#x}"
    hp = dict(zip(HPARAM_NAMES, take("<11i")))
    n_mel, n_bins = take("<ii")
    filters = np.frombuffer(data, "<f4", n_mel * n_bins, pos).reshape(n_mel, n_bins)
    pos += 4 * n_mel * n_bins
    n_tokens, = take("<i")
    tokens = []
    for _ in range(n_tokens):
        n, = take("<I")
        tokens.append(data[pos:pos + n])
        pos += n
    tensors = {}
    while pos < len(data):
        n_dims, name_len, ttype = take("<iii")
        ne = take(f"<{n_dims}i")
        name = data[pos:pos + name_len].decode()
        pos += name_len
        count = int(np.prod(ne))
        if ttype == GGML_F32:
            arr = np.frombuffer(data, "<f4", count, pos)
            pos += 4 * count
        elif ttype == GGML_F16:
            arr = np.frombuffer(data, "<f2", count, pos)
            pos += 2 * count
        else:  # a block-quantized type: the GGUF reader's numpy dequantization (same type ids)
            kind, blck, tsize = gguf_reader.GGML_TYPES[ttype]
            n_bytes = count // blck * tsize
            arr = gguf_reader.dequantize(ttype, data[pos:pos + n_bytes], count)
            pos += n_bytes
        # ne is innermost-first; numpy's shape is outermost-first.
        tensors[name] = arr.astype(np.float64).reshape(tuple(reversed(ne)))
    return {"hparams": hp, "filters": filters, "tokens": tokens, "tensors": tensors}


_erf = np.frompyfunc(math.erf, 1, 1)


def gelu(x):
    """The exact GELU, x * Phi(x), with math.erf (numpy has no erf)."""
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)).astype(np.float64))


def layer_norm(x, w, b, eps=1e-5):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def conv1d(x, w, b, stride):
    """x [c_in, t], w [c_out, c_in, 3] (outermost-first), padding 1 -> [c_out, t // stride]."""
    c_in, t = x.shape
    xp = np.pad(x, ((0, 0), (1, 1)))
    t_out = (t + 2 - 3) // stride + 1
    cols = np.stack([xp[:, k:k + stride * (t_out - 1) + 1:stride] for k in range(3)], axis=-1)
    return np.einsum("oik,itk->ot", w, cols) + b.reshape(-1, 1)


def attention(x, t, prefix, n_head, xa=None, causal=False):
    """Self-attention of x, or cross-attention of x over xa."""
    src = x if xa is None else xa
    q = x @ t[prefix + "query.weight"].T + t[prefix + "query.bias"]
    k = src @ t[prefix + "key.weight"].T
    v = src @ t[prefix + "value.weight"].T + t[prefix + "value.bias"]
    n, width = q.shape
    d = width // n_head
    out = np.empty_like(q)
    for h in range(n_head):
        s = slice(h * d, (h + 1) * d)
        scores = q[:, s] @ k[:, s].T / math.sqrt(d)
        if causal:
            scores = np.where(np.tril(np.ones_like(scores)) > 0, scores, -np.inf)
        scores -= scores.max(axis=-1, keepdims=True)
        p = np.exp(scores)
        p /= p.sum(axis=-1, keepdims=True)
        out[:, s] = p @ v[:, s]
    return out @ t[prefix + "out.weight"].T + t[prefix + "out.bias"]


def encoder(model, mel):
    hp, t = model["hparams"], model["tensors"]
    x = gelu(conv1d(mel.astype(np.float64), t["encoder.conv1.weight"], t["encoder.conv1.bias"], 1))
    x = gelu(conv1d(x, t["encoder.conv2.weight"], t["encoder.conv2.bias"], 2))
    x = x.T + t["encoder.positional_embedding"]
    for i in range(hp["n_audio_layer"]):
        p = f"encoder.blocks.{i}."
        x = x + attention(layer_norm(x, t[p + "attn_ln.weight"], t[p + "attn_ln.bias"]), t,
                          p + "attn.", hp["n_audio_head"])
        h = layer_norm(x, t[p + "mlp_ln.weight"], t[p + "mlp_ln.bias"])
        h = gelu(h @ t[p + "mlp.0.weight"].T + t[p + "mlp.0.bias"])
        x = x + h @ t[p + "mlp.2.weight"].T + t[p + "mlp.2.bias"]
    return layer_norm(x, t["encoder.ln_post.weight"], t["encoder.ln_post.bias"])


def decoder(model, xa, tokens):
    hp, t = model["hparams"], model["tensors"]
    emb = t["decoder.token_embedding.weight"]
    x = emb[np.asarray(tokens)] + t["decoder.positional_embedding"][:len(tokens)]
    xa = np.asarray(xa, dtype=np.float64)
    for i in range(hp["n_text_layer"]):
        p = f"decoder.blocks.{i}."
        x = x + attention(layer_norm(x, t[p + "attn_ln.weight"], t[p + "attn_ln.bias"]), t,
                          p + "attn.", hp["n_text_head"], causal=True)
        x = x + attention(layer_norm(x, t[p + "cross_attn_ln.weight"], t[p + "cross_attn_ln.bias"]),
                          t, p + "cross_attn.", hp["n_text_head"], xa=xa)
        h = layer_norm(x, t[p + "mlp_ln.weight"], t[p + "mlp_ln.bias"])
        h = gelu(h @ t[p + "mlp.0.weight"].T + t[p + "mlp.0.bias"])
        x = x + h @ t[p + "mlp.2.weight"].T + t[p + "mlp.2.bias"]
    x = layer_norm(x, t["decoder.ln.weight"], t["decoder.ln.bias"])
    return x @ emb.T
