#!/usr/bin/python3
"""Self-tests for gguf_reader.py that need no omni binary.

1. Dequantization: the vectorized numpy dequantizers are checked bit for bit
   against a second, deliberately literal transliteration of ggml's scalar
   loops (per element, np.float32 scalar arithmetic, own f16 decoding), on
   random blocks plus hand-made edge-case blocks, and against a few values
   worked out by hand.
2. Parsing: GGUF v2 and v3 files written here (every metadata type, nested
   arrays, custom alignment, one tensor per supported type) are read back;
   malformed files (every truncation, bad magic/version/bool/type/...) must
   raise ValueError and nothing else.

Run: /usr/bin/python3 test_gguf_reader_unit.py   (ends with "N passed, M failed")
"""

import os
import struct
import sys
import traceback

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gguf_reader as gr  # noqa: E402
from gguf_testgen import SCALE_FIELDS, random_blocks, write_gguf  # noqa: E402

F32 = np.float32

# ---------------------------------------------------------------------------
# Literal scalar reference (mirrors the C loops; slow, for small inputs only)
# ---------------------------------------------------------------------------


def s_f16(b0, b1):
    """Two little-endian bytes of an IEEE half -> np.float32, decoded by hand.
    NaNs come out quiet (bit 22 set), as with F16C / ggml's portable path."""
    h = b0 | (b1 << 8)
    sign = -1.0 if h & 0x8000 else 1.0
    e = (h >> 10) & 0x1F
    m = h & 0x3FF
    if e == 0:
        return F32(sign * m * 2.0 ** -24)
    if e == 31:
        bits = ((h & 0x8000) << 16) | 0x7F800000 | (m << 13)
        if m:
            bits |= 0x00400000
        return np.array([bits], dtype=np.uint32).view(np.float32)[0]
    return F32(sign * (1.0 + m / 1024.0) * 2.0 ** (e - 15))


def s_i8(b):
    return b - 256 if b >= 128 else b


def s_q4_0(blk):
    d = s_f16(blk[0], blk[1])
    qs = blk[2:18]
    y = [None] * 32
    for j in range(16):
        x0 = (qs[j] & 0x0F) - 8
        x1 = (qs[j] >> 4) - 8
        y[j] = F32(x0) * d
        y[j + 16] = F32(x1) * d
    return y


def s_q4_1(blk):
    d = s_f16(blk[0], blk[1])
    m = s_f16(blk[2], blk[3])
    qs = blk[4:20]
    y = [None] * 32
    for j in range(16):
        y[j] = F32(qs[j] & 0x0F) * d + m
        y[j + 16] = F32(qs[j] >> 4) * d + m
    return y


def s_q5_0(blk):
    d = s_f16(blk[0], blk[1])
    qh = blk[2] | (blk[3] << 8) | (blk[4] << 16) | (blk[5] << 24)
    qs = blk[6:22]
    y = [None] * 32
    for j in range(16):
        xh_0 = ((qh >> (j + 0)) << 4) & 0x10
        xh_1 = ((qh >> (j + 12))) & 0x10
        x0 = ((qs[j] & 0x0F) | xh_0) - 16
        x1 = ((qs[j] >> 4) | xh_1) - 16
        y[j] = F32(x0) * d
        y[j + 16] = F32(x1) * d
    return y


def s_q5_1(blk):
    d = s_f16(blk[0], blk[1])
    m = s_f16(blk[2], blk[3])
    qh = blk[4] | (blk[5] << 8) | (blk[6] << 16) | (blk[7] << 24)
    qs = blk[8:24]
    y = [None] * 32
    for j in range(16):
        xh_0 = ((qh >> (j + 0)) << 4) & 0x10
        xh_1 = ((qh >> (j + 12))) & 0x10
        y[j] = F32((qs[j] & 0x0F) | xh_0) * d + m
        y[j + 16] = F32((qs[j] >> 4) | xh_1) * d + m
    return y


def s_q8_0(blk):
    d = s_f16(blk[0], blk[1])
    return [F32(s_i8(blk[2 + j])) * d for j in range(32)]


def s_q2_k(blk):
    scales, q, d, mn = blk[0:16], blk[16:80], s_f16(blk[80], blk[81]), s_f16(blk[82], blk[83])
    y = []
    qo = 0
    is_ = 0
    for n in range(0, 256, 128):
        shift = 0
        for j in range(4):
            sc = scales[is_]; is_ += 1
            dl = d * F32(sc & 0xF); ml = mn * F32(sc >> 4)
            for l in range(16):
                y.append(dl * F32((q[qo + l] >> shift) & 3) - ml)
            sc = scales[is_]; is_ += 1
            dl = d * F32(sc & 0xF); ml = mn * F32(sc >> 4)
            for l in range(16):
                y.append(dl * F32((q[qo + l + 16] >> shift) & 3) - ml)
            shift += 2
        qo += 32
    return y


def s_q3_k(blk):
    hm, q, sc12, d_all = blk[0:32], blk[32:96], blk[96:108], s_f16(blk[108], blk[109])
    aux = [int.from_bytes(bytes(sc12[4 * i:4 * i + 4]), "little") for i in range(3)] + [0]
    kmask1, kmask2 = 0x03030303, 0x0F0F0F0F
    tmp = aux[2]
    aux[2] = ((aux[0] >> 4) & kmask2) | (((tmp >> 4) & kmask1) << 4)
    aux[3] = ((aux[1] >> 4) & kmask2) | (((tmp >> 6) & kmask1) << 4)
    aux[0] = (aux[0] & kmask2) | (((tmp >> 0) & kmask1) << 4)
    aux[1] = (aux[1] & kmask2) | (((tmp >> 2) & kmask1) << 4)
    scales = [s_i8(b) for b in b"".join(a.to_bytes(4, "little") for a in aux)]
    y = []
    qo = 0
    m = 1
    is_ = 0
    for n in range(0, 256, 128):
        shift = 0
        for j in range(4):
            dl = d_all * F32(scales[is_] - 32); is_ += 1
            for l in range(16):
                y.append(dl * F32(((q[qo + l] >> shift) & 3) - (0 if hm[l] & m else 4)))
            dl = d_all * F32(scales[is_] - 32); is_ += 1
            for l in range(16):
                y.append(dl * F32(((q[qo + l + 16] >> shift) & 3) - (0 if hm[l + 16] & m else 4)))
            shift += 2
            m <<= 1
        qo += 32
    return y


def s_scale_min_k4(j, q):
    if j < 4:
        return q[j] & 63, q[j + 4] & 63
    return (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4), (q[j + 4] >> 4) | ((q[j] >> 6) << 4)


def s_q4_k(blk):
    d, mn, scales, q = s_f16(blk[0], blk[1]), s_f16(blk[2], blk[3]), blk[4:16], blk[16:144]
    y = []
    is_ = 0
    qo = 0
    for j in range(0, 256, 64):
        sc, m = s_scale_min_k4(is_ + 0, scales)
        d1 = d * F32(sc); m1 = mn * F32(m)
        sc, m = s_scale_min_k4(is_ + 1, scales)
        d2 = d * F32(sc); m2 = mn * F32(m)
        for l in range(32):
            y.append(d1 * F32(q[qo + l] & 0xF) - m1)
        for l in range(32):
            y.append(d2 * F32(q[qo + l] >> 4) - m2)
        qo += 32
        is_ += 2
    return y


def s_q5_k(blk):
    d, mn, scales = s_f16(blk[0], blk[1]), s_f16(blk[2], blk[3]), blk[4:16]
    qh, ql = blk[16:48], blk[48:176]
    y = []
    is_ = 0
    qo = 0
    u1, u2 = 1, 2
    for j in range(0, 256, 64):
        sc, m = s_scale_min_k4(is_ + 0, scales)
        d1 = d * F32(sc); m1 = mn * F32(m)
        sc, m = s_scale_min_k4(is_ + 1, scales)
        d2 = d * F32(sc); m2 = mn * F32(m)
        for l in range(32):
            y.append(d1 * F32((ql[qo + l] & 0xF) + (16 if qh[l] & u1 else 0)) - m1)
        for l in range(32):
            y.append(d2 * F32((ql[qo + l] >> 4) + (16 if qh[l] & u2 else 0)) - m2)
        qo += 32
        is_ += 2
        u1 <<= 2
        u2 <<= 2
    return y


def s_q6_k(blk):
    d = s_f16(blk[208], blk[209])
    y = [None] * 256
    for half in range(2):
        ql = blk[half * 64:half * 64 + 64]
        qh = blk[128 + half * 32:128 + half * 32 + 32]
        sc = [s_i8(b) for b in blk[192 + half * 8:192 + half * 8 + 8]]
        base = half * 128
        for l in range(32):
            is_ = l // 16
            q1 = ((ql[l + 0] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32
            q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32
            q3 = ((ql[l + 0] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32
            q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32
            y[base + l + 0] = d * F32(sc[is_ + 0]) * F32(q1)
            y[base + l + 32] = d * F32(sc[is_ + 2]) * F32(q2)
            y[base + l + 64] = d * F32(sc[is_ + 4]) * F32(q3)
            y[base + l + 96] = d * F32(sc[is_ + 6]) * F32(q4)
    return y


def s_q8_k(blk):
    d = np.frombuffer(bytes(blk[0:4]), dtype="<f4")[0]
    return [d * F32(s_i8(blk[4 + j])) for j in range(256)]


SCALAR_REF = {2: s_q4_0, 3: s_q4_1, 6: s_q5_0, 7: s_q5_1, 8: s_q8_0, 10: s_q2_k,
              11: s_q3_k, 12: s_q4_k, 13: s_q5_k, 14: s_q6_k, 15: s_q8_k}


def bits(a):
    return np.asarray(a, dtype=np.float32).view(np.uint32)


def parse_bytes(b):
    return gr.parse_gguf(b, len(b), "<test>")


# ---------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------
RESULTS = []


def check(name, fn):
    try:
        msg = fn()
        RESULTS.append((name, True, msg or ""))
        print(f"PASS {name}" + (f": {msg}" if msg else ""))
    except Exception as e:  # noqa: BLE001 - report every failure the same way
        RESULTS.append((name, False, str(e)))
        print(f"FAIL {name}: {e}")
        traceback.print_exc(limit=3)


def t_dequant_vs_scalar(type_id):
    def run():
        rng = np.random.default_rng(1234 + type_id)
        nb = 48
        raw = random_blocks(rng, type_id, nb)
        # edge-case blocks: all-0x00, all-0xFF bytes (with finite scales), negative zero scales
        _, blck, tsize = gr.GGML_TYPES[type_id]
        edge = bytearray()
        for fill in (0x00, 0xFF, 0x80, 0x0F):
            blk = bytearray([fill]) * tsize
            for off in SCALE_FIELDS.get(type_id, []):
                blk[off:off + 2] = struct.pack("<H", 0x8000 if fill == 0x80 else 0x3C01)
            if type_id == 15:
                blk[0:4] = struct.pack("<f", -0.0 if fill == 0x80 else 1.5)
            edge += blk
        raw += bytes(edge)
        nb += 4
        got = gr.dequantize(type_id, raw, nb * blck)
        want = []
        for b in range(nb):
            want += SCALAR_REF[type_id](list(raw[b * tsize:(b + 1) * tsize]))
        want = np.array(want, dtype=np.float32)
        diff = np.nonzero(bits(got) != bits(want))[0]
        if diff.size:
            i = diff[0]
            raise AssertionError(f"{diff.size} mismatches; first at {i}: vectorized "
                                 f"{got[i]!r} ({bits(got)[i]:#010x}) scalar {want[i]!r} "
                                 f"({bits(want)[i]:#010x})")
        return f"{nb * blck} values, max |y| {np.abs(got).max():.4g}"
    return run


def t_f16_all_codes():
    codes = np.arange(1 << 16, dtype="<u2")
    got = gr.dequantize(1, codes.tobytes(), 1 << 16)
    want = np.array([s_f16(int(c) & 0xFF, int(c) >> 8) for c in codes], dtype=np.float32)
    diff = np.nonzero(bits(got) != bits(want))[0]
    if diff.size:
        i = diff[0]
        raise AssertionError(f"code {i:#06x}: {bits(got)[i]:#010x} vs {bits(want)[i]:#010x}")
    return "all 65536 half codes (NaNs quiet)"


def t_bf16_f32():
    rng = np.random.default_rng(5)
    u16 = rng.integers(0, 1 << 16, size=4096, dtype=np.uint32).astype("<u2")
    got = gr.dequantize(30, u16.tobytes(), 4096)
    if not np.array_equal(bits(got), u16.astype(np.uint32) << 16):
        raise AssertionError("bf16 is not bits << 16")
    u32 = rng.integers(0, 1 << 32, size=4096, dtype=np.uint64).astype("<u4")
    got = gr.dequantize(0, u32.tobytes(), 4096)
    if not np.array_equal(bits(got), u32):
        raise AssertionError("f32 is not a bit copy")


def t_hand_values():
    # Q4_0: d = 0.5 (0x3800); qs[0] = 0x9F -> y[0] = (15-8)*0.5 = 3.5, y[16] = (9-8)*0.5 = 0.5
    blk = struct.pack("<H", 0x3800) + bytes([0x9F]) + bytes([0x88] * 15)
    y = gr.dequantize(2, blk, 32)
    assert y[0] == 3.5 and y[16] == 0.5 and y[1] == 0.0, y[:3]
    # Q8_0: d = 2 (0x4000); qs = -128..
    blk = struct.pack("<H", 0x4000) + bytes([0x80, 0x7F] + [0] * 30)
    y = gr.dequantize(8, blk, 32)
    assert y[0] == -256.0 and y[1] == 254.0, y[:2]
    # Q5_0: d = 1, qh bit 0 and bit 16 set, qs[0] = 0x00 -> y[0] = 16-16 = 0, y[16] = 0; y[1] = -16
    blk = struct.pack("<H", 0x3C00) + struct.pack("<I", 0x00010001) + bytes(16)
    y = gr.dequantize(6, blk, 32)
    assert y[0] == 0.0 and y[16] == 0.0 and y[1] == -16.0 and y[17] == -16.0, y[[0, 1, 16, 17]]
    # Q4_K: d = 1, dmin = 1, scales: sub 0 sc=2 m=1 (bytes 0 and 4); qs[0] = 0x35
    sc = bytearray(12); sc[0] = 2; sc[4] = 1
    blk = struct.pack("<HH", 0x3C00, 0x3C00) + bytes(sc) + bytes([0x35]) + bytes(127)
    y = gr.dequantize(12, blk, 256)
    assert y[0] == 2 * 5 - 1, y[0]         # d1*q - m1, low nibble 5
    assert y[32] == 0.0 * 3 - 0.0, y[32]   # sub-block 1 has sc=m=0
    # Q6_K: d = 1, scale[0] = -3, ql[0] = 0x01, qh[0] = 0b10 -> q1 = (1 | 2<<4) - 32 = 1
    blk = bytearray(210); blk[0] = 0x01; blk[128] = 0x02; blk[192] = 0xFD
    blk[208:210] = struct.pack("<H", 0x3C00)
    y = gr.dequantize(14, bytes(blk), 256)
    assert y[0] == -3.0, y[0]
    return "q4_0 q8_0 q5_0 q4_k q6_k"


ALL_META = [
    ("t.u8", 0, 200), ("t.i8", 1, -100), ("t.u16", 2, 60000), ("t.i16", 3, -30000),
    ("t.u32", 4, 4000000000), ("t.i32", 5, -2000000000), ("t.f32", 6, 1.5),
    ("t.bool", 7, 1), ("t.str", 8, "héllo"), ("t.u64", 10, (1 << 64) - 1),
    ("t.i64", 11, -(1 << 63)), ("t.f64", 12, -2.25),
    ("t.arr_i32", 9, (5, [1, -2, 3])),
    ("t.arr_str", 9, (8, ["a", "", "ccc"])),
    ("t.arr_nested", 9, (9, [(4, [1, 2]), (8, ["x"]), (9, [(0, [7])])])),
    ("t.arr_empty", 9, (6, [])),
    ("t.arr_bool", 9, (7, [0, 1, 1])),
]


def t_parse_roundtrip(version, alignment):
    def run():
        rng = np.random.default_rng(version * 100 + (alignment or 0))
        tensors = []
        for tid in gr.SUPPORTED_TYPES:
            _, blck, tsize = gr.GGML_TYPES[tid]
            ne0 = blck * 2 if blck > 1 else 40
            dims = (ne0, 3)
            nb = ne0 * 3 // blck
            tensors.append((f"w.{gr.ggml_type_name(tid)}", dims, tid,
                            random_blocks(rng, tid, nb) if tid in SCALAR_REF else
                            rng.integers(0, 256, size=nb * tsize, dtype=np.uint8).tobytes()))
        data = write_gguf(ALL_META, tensors, version=version, alignment=alignment)
        g = parse_bytes(data)
        assert g.version == version
        assert g.alignment == (alignment or 32)
        assert g.data_offset % g.alignment == 0
        v = {k: kv.value for k, kv in g.kv.items()}
        assert v["t.u8"] == 200 and v["t.i8"] == -100 and v["t.u16"] == 60000
        assert v["t.i16"] == -30000 and v["t.u32"] == 4000000000 and v["t.i32"] == -2000000000
        assert v["t.f32"] == 1.5 and v["t.bool"] is True and v["t.str"] == "héllo"
        assert v["t.u64"] == (1 << 64) - 1 and v["t.i64"] == -(1 << 63) and v["t.f64"] == -2.25
        assert list(v["t.arr_i32"]) == [1, -2, 3] and g.kv["t.arr_i32"].elem_type == 5
        assert v["t.arr_str"] == ["a", "", "ccc"]
        nested = v["t.arr_nested"]
        assert list(nested[0]) == [1, 2] and nested[1] == ["x"] and list(nested[2][0]) == [7]
        assert len(v["t.arr_empty"]) == 0 and list(v["t.arr_bool"]) == [False, True, True]
        assert g.kv["t.f32"].raw == struct.pack("<f", 1.5)
        errs = gr.structural_errors(g)
        assert not errs, errs
        for (name, dims, tid, raw), t in zip(tensors, g.tensors):
            assert t.name == name and t.dims == dims and t.type_id == tid
            assert t.shape == (3, dims[0])
            assert bytes(g.tensor_bytes(t)) == raw
            y = g.tensor_f32(t)
            assert y.shape == (3, dims[0]) and y.dtype == np.float32
        return f"{len(g.kv)} kv, {len(g.tensors)} tensors"
    return run


def t_malformed():
    tensors = [("a", (32,), 8, bytes(34)), ("b", (4, 2), 0, bytes(32))]
    good = write_gguf([("general.architecture", 8, "llama"), ("x", 9, (8, ["p", "q"]))],
                      tensors, version=3)
    parse_bytes(good)
    n_checked = 0
    # every strict prefix that cuts into the header / metadata / tensor infos
    header_end = parse_bytes(good).data_offset
    for n in range(0, header_end):
        try:
            g = parse_bytes(good[:n])
        except ValueError:
            n_checked += 1
            continue
        # a prefix that ends inside the padding still parses; its tensors must then
        # be reported as outside the file
        if not gr.structural_errors(g):
            raise AssertionError(f"prefix of {n} bytes parsed without error")
        n_checked += 1
    # a truncated data section is a structural error, not a parse error
    g = parse_bytes(good[:-1])
    assert any("past the end" in e for e in gr.structural_errors(g)), gr.structural_errors(g)

    def bad(data, what):
        try:
            parse_bytes(data)
        except ValueError as e:
            return str(e)
        raise AssertionError(f"{what}: no ValueError")

    bad(b"GGUX" + good[4:], "magic")
    bad(good[:4] + struct.pack("<I", 1) + good[8:], "v1")
    assert "big-endian" in bad(good[:4] + struct.pack(">I", 3) + good[8:], "big-endian")
    bad(good[:4] + struct.pack("<I", 4) + good[8:], "v4")
    bad(good[:8] + struct.pack("<Q", 1 << 60) + good[16:], "huge tensor_count")
    bad(good[:16] + struct.pack("<Q", 1 << 60) + good[24:], "huge kv_count")
    bad(write_gguf([("k", 7, 2)], []), "bool 2")
    bad(write_gguf([("k", 9, (7, [0, 3]))], []), "bool array 3")
    bad(write_gguf([("k", 4, 1), ("k", 4, 2)], []), "duplicate key")
    bad(write_gguf([("k", 8, b"\xff\xfe")], []), "bad utf-8")
    raw = write_gguf([("k", 4, 1)], [])
    bad(raw.replace(struct.pack("<I", 4) + struct.pack("<I", 1), struct.pack("<I", 13) + struct.pack("<I", 1)),
        "value type 13")
    bad(write_gguf([("k", 9, (13, []))], []), "array elem type 13")
    bad(write_gguf([], [], alignment=12), "alignment 12")
    bad(write_gguf([("general.alignment", 10, 32)], []), "alignment uint64")
    bad(write_gguf([], [("t", (1, 1, 1, 1, 1), 0, bytes(4))]), "5 dims")
    bad(write_gguf([], [("t", (32,), 4, bytes(18))]), "type 4")
    bad(write_gguf([], [("t", (1 << 63,), 0, b"")]), "negative dim")
    # string length larger than the file
    s = write_gguf([("k", 8, "abc")], [])
    bad(s.replace(struct.pack("<Q", 3) + b"abc", struct.pack("<Q", 1 << 40) + b"abc"), "long string")
    # structural: misaligned offset, overlap, duplicate names, ne0 not a block multiple
    dup = write_gguf([], [("a", (8,), 0, bytes(32)), ("a", (8,), 0, bytes(32))])
    assert any("duplicate" in e for e in gr.structural_errors(parse_bytes(dup)))
    ov = bytearray(write_gguf([], [("a", (16,), 0, bytes(64)), ("b", (8,), 0, bytes(32))]))
    i = ov.index(struct.pack("<IQ", 0, 64))                       # b's (type, offset)
    ov[i:i + 12] = struct.pack("<IQ", 0, 32)
    assert any("overlap" in e for e in gr.structural_errors(parse_bytes(bytes(ov))))
    ov[i:i + 12] = struct.pack("<IQ", 0, 36)
    assert any("multiple of the alignment" in e for e in gr.structural_errors(parse_bytes(bytes(ov))))
    nb = write_gguf([], [("q", (16,), 8, bytes(34))])
    assert any("block size" in e for e in gr.structural_errors(parse_bytes(nb)))
    return f"{n_checked} truncations + malformed cases"


def main():
    for tid in sorted(SCALAR_REF):
        check(f"dequant {gr.ggml_type_name(tid)} vs scalar ggml loop", t_dequant_vs_scalar(tid))
    check("dequant f16 all codes", t_f16_all_codes)
    check("dequant bf16/f32 bit rules", t_bf16_f32)
    check("dequant hand-computed values", t_hand_values)
    for version in (2, 3):
        for alignment in (None, 64, 8):
            check(f"parse roundtrip v{version} alignment {alignment or 'default'}",
                  t_parse_roundtrip(version, alignment))
    check("malformed input -> ValueError", t_malformed)
    n_pass = sum(1 for r in RESULTS if r[1])
    n_fail = len(RESULTS) - n_pass
    print(f"{n_pass} passed, {n_fail} failed")
    return 1 if n_fail else 0


if __name__ == "__main__":
    with np.errstate(over="ignore"):      # q8_k: huge d * q overflows to inf, by design
        sys.exit(main())
