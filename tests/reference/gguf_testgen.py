"""Test-input generators shared by the reference tests: random ggml blocks with
finite scale fields, and a minimal GGUF writer (v2/v3, any alignment).
Nothing here is used to check omni's output; it only makes inputs."""

import struct

import numpy as np

import gguf_reader as gr

# byte offsets of the f16 scale fields in each block (q8_k: f32 d at 0)
SCALE_FIELDS = {2: [0], 3: [0, 2], 6: [0], 7: [0, 2], 8: [0], 10: [80, 82],
                11: [108], 12: [0, 2], 13: [0, 2], 14: [208]}


def finite_half(rng, n):
    """n random finite halves (any sign/exponent incl. subnormals, zeros), as bytes."""
    h = rng.integers(0, 1 << 16, size=n, dtype=np.uint32)
    exp = (h >> 10) & 0x1F
    h = np.where(exp == 31, h & ~np.uint32(0x4000), h)   # exponent 31 -> 15
    return h.astype("<u2").tobytes()


def finite_f32(rng, n):
    """n random finite floats (any sign/exponent incl. subnormals, zeros), as bytes."""
    u = rng.integers(0, 1 << 32, size=n, dtype=np.uint64).astype(np.uint32)
    exp = (u >> 23) & 0xFF
    u = np.where(exp == 255, u & ~np.uint32(0x40000000), u)   # exponent 255 -> 127
    return u.astype("<u4").tobytes()


def random_blocks(rng, type_id, n_blocks, allow_nan=False):
    """Random block bytes; scale fields finite unless allow_nan."""
    _, _, tsize = gr.GGML_TYPES[type_id]
    raw = bytearray(rng.integers(0, 256, size=n_blocks * tsize, dtype=np.uint8).tobytes())
    if not allow_nan:
        for b in range(n_blocks):
            base = b * tsize
            if type_id == 15:
                raw[base:base + 4] = finite_f32(rng, 1)
            for off in SCALE_FIELDS.get(type_id, []):
                raw[base + off:base + off + 2] = finite_half(rng, 1)
    return bytes(raw)


# ---------------------------------------------------------------------------
# Minimal GGUF writer (test input generator)
# ---------------------------------------------------------------------------


def w_str(s):
    b = s.encode("utf-8") if isinstance(s, str) else s
    return struct.pack("<Q", len(b)) + b


def w_value(vtype, v):
    fmt = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<B",
           10: "<Q", 11: "<q", 12: "<d"}
    if vtype in fmt:
        return struct.pack(fmt[vtype], v)
    if vtype == 8:
        return w_str(v)
    if vtype == 9:
        etype, items = v
        return struct.pack("<IQ", etype, len(items)) + b"".join(w_value(etype, x) for x in items)
    raise ValueError(vtype)


def write_gguf(kvs, tensors, version=3, alignment=None):
    """kvs: list of (key, vtype, value); tensors: list of (name, dims, type_id, raw).
    Returns the file bytes. Alignment is written as general.alignment if given."""
    align = alignment or 32
    if alignment is not None:
        kvs = [("general.alignment", 4, alignment)] + list(kvs)
    out = bytearray(b"GGUF" + struct.pack("<IQQ", version, len(tensors), len(kvs)))
    for k, t, v in kvs:
        out += w_str(k) + struct.pack("<I", t) + w_value(t, v)
    offset = 0
    offsets = []
    for name, dims, type_id, raw in tensors:
        offsets.append(offset)
        out += w_str(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        out += struct.pack("<IQ", type_id, offset)
        offset += (len(raw) + align - 1) // align * align
    out += b"\0" * ((-len(out)) % align)
    for (name, dims, type_id, raw), off in zip(tensors, offsets):
        out += raw + b"\0" * ((-len(raw)) % align)
    return bytes(out)


# ---------------------------------------------------------------------------
# Hand-made input for `omni model dequant` (edge cases the zoo does not reach)
# ---------------------------------------------------------------------------
# Metadata of every value type, including nested and empty arrays.
CRAFTED_META = [
    ("general.architecture", 8, "omni-crafted"),
    ("general.name", 8, "reference-test edge cases: ünïcödé ✓"),
    ("general.file_type", 4, 1),
    ("crafted.u8", 0, 255), ("crafted.i8", 1, -128), ("crafted.u16", 2, 65535),
    ("crafted.i16", 3, -32768), ("crafted.u32", 4, 4294967295), ("crafted.i32", 5, -2147483648),
    ("crafted.f32", 6, -0.0), ("crafted.bool_t", 7, 1), ("crafted.bool_f", 7, 0),
    ("crafted.str_empty", 8, ""), ("crafted.u64", 10, (1 << 64) - 1),
    ("crafted.i64", 11, -(1 << 63)), ("crafted.f64", 12, 1e-310),
    ("crafted.arr_f32", 9, (6, [1.5, -2.0, 3.25e-40])),
    ("crafted.arr_str", 9, (8, ["a", "", "ĉ"])),
    ("crafted.arr_bool", 9, (7, [1, 0, 1])),
    ("crafted.arr_empty", 9, (5, [])),
    ("crafted.arr_nested", 9, (9, [(4, [1, 2, 3]), (8, ["x", "y"]), (9, [(12, [0.5])]), (0, [])])),
]


def _edge_blocks(type_id):
    """Four blocks: all 0x00 bytes, all 0xFF with scale 1.0, all 0x5A with
    scale -0.0, all 0xA5 with the smallest subnormal half (q8_k: f32) scale."""
    _, _, tsize = gr.GGML_TYPES[type_id]
    out = bytearray()
    for fill, half, f32 in ((0x00, 0x0000, 0.0), (0xFF, 0x3C00, 1.0),
                            (0x5A, 0x8000, -0.0), (0xA5, 0x0001, 1.4e-45)):
        blk = bytearray([fill]) * tsize
        if fill:
            for off in SCALE_FIELDS.get(type_id, []):
                blk[off:off + 2] = struct.pack("<H", half)
            if type_id == 15:
                blk[0:4] = struct.pack("<f", f32)
        out += blk
    return bytes(out)


def make_crafted_gguf(seed, version=3, alignment=None):
    """Bytes of a GGUF holding, for every type the reference dequantizes, random
    blocks with finite scales over the whole f16 (q8_k: f32) range, incl.
    subnormals and signed zeros, followed by edge blocks; every f16 and bf16
    bit pattern (NaN and inf included); random f32 bit patterns; odd shapes."""
    rng = np.random.default_rng(seed)
    tensors = []
    for tid in sorted(SCALE_FIELDS) + [15]:
        name, blck, tsize = gr.GGML_TYPES[tid]
        ne0, ne1 = 1024, 8
        nb = ne0 * ne1 // blck
        raw = random_blocks(rng, tid, nb - 4) + _edge_blocks(tid)
        tensors.append((f"crafted.{name}", (ne0, ne1), tid, raw))
    codes = np.arange(1 << 16, dtype="<u2").tobytes()
    tensors.append(("crafted.f16", (256, 256), 1, codes))
    tensors.append(("crafted.bf16", (256, 16, 16), 30, codes))
    f32 = rng.integers(0, 1 << 32, size=4096, dtype=np.uint64).astype("<u4").tobytes()
    tensors.append(("crafted.f32", (64, 4, 4, 4), 0, f32))
    tensors.append(("crafted.q8_0_4d", (32, 3, 2, 2), 8, random_blocks(rng, 8, 12)))
    tensors.append(("crafted.q4_k_1d", (512,), 12, random_blocks(rng, 12, 2)))
    return write_gguf(CRAFTED_META, tensors, version=version, alignment=alignment)
