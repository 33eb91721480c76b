"""Independent reference GGUF reader and ggml dequantizer (numpy only).

Written from the public GGUF specification (ggml docs/gguf.md) and the ggml
block layouts / scalar reference dequantizers (ggml-common.h, ggml-quants.c).
It shares no code with the C++ implementation in this project; its purpose is
to cross-check that implementation bit for bit.

Contracts
---------
* read_gguf(path) -> GGUFFile. Little-endian GGUF v2 or v3 only. Any malformed
  input raises ValueError with the byte offset and what was wrong.
* GGUFFile.kv: dict key -> KV (value_type, value, raw). `raw` is the exact byte
  span of the value in the file (without the key and without the type tag), so
  two files' metadata can be compared bit-exactly (floats included).
* GGUFFile.tensors: list of TensorInfo in file order. `dims` is in ggml order
  (ne[0] first = the contiguous axis); `shape` is the numpy (row-major) order,
  i.e. reversed dims.
* dequantize(type_id, raw_bytes, n_elements) -> float32 1-D array, computed in
  float32 with the same operations, in the same order, as ggml's scalar
  dequantize_row_* (one IEEE rounding per C operation, no fused multiply-add).
  numpy evaluates each ufunc separately with correctly rounded float32
  results, so matching the C expression tree is enough for bit-exactness.
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass, field
from typing import Any

import numpy as np

GGUF_MAGIC = b"GGUF"
GGUF_DEFAULT_ALIGNMENT = 32
GGML_MAX_DIMS = 4
QK_K = 256

# ---------------------------------------------------------------------------
# Metadata value types (gguf_metadata_value_type)
# ---------------------------------------------------------------------------
GGUF_UINT8, GGUF_INT8, GGUF_UINT16, GGUF_INT16 = 0, 1, 2, 3
GGUF_UINT32, GGUF_INT32, GGUF_FLOAT32, GGUF_BOOL = 4, 5, 6, 7
GGUF_STRING, GGUF_ARRAY, GGUF_UINT64, GGUF_INT64, GGUF_FLOAT64 = 8, 9, 10, 11, 12

# Fixed-size scalar types: type id -> numpy little-endian dtype.
_SCALAR_DTYPES = {
    GGUF_UINT8: np.dtype("<u1"),
    GGUF_INT8: np.dtype("<i1"),
    GGUF_UINT16: np.dtype("<u2"),
    GGUF_INT16: np.dtype("<i2"),
    GGUF_UINT32: np.dtype("<u4"),
    GGUF_INT32: np.dtype("<i4"),
    GGUF_FLOAT32: np.dtype("<f4"),
    GGUF_BOOL: np.dtype("<u1"),
    GGUF_UINT64: np.dtype("<u8"),
    GGUF_INT64: np.dtype("<i8"),
    GGUF_FLOAT64: np.dtype("<f8"),
}

VALUE_TYPE_NAMES = {
    GGUF_UINT8: "uint8", GGUF_INT8: "int8", GGUF_UINT16: "uint16",
    GGUF_INT16: "int16", GGUF_UINT32: "uint32", GGUF_INT32: "int32",
    GGUF_FLOAT32: "float32", GGUF_BOOL: "bool", GGUF_STRING: "string",
    GGUF_ARRAY: "array", GGUF_UINT64: "uint64", GGUF_INT64: "int64",
    GGUF_FLOAT64: "float64",
}

# ---------------------------------------------------------------------------
# ggml tensor types: id -> (name, elements per block, bytes per block)
# Sizes follow the block structs in ggml-common.h (QK_K = 256).
# Only the types in DEQUANTIZERS below can be dequantized; the others are
# listed so that sizes (and hence structural checks) work for any file.
# ---------------------------------------------------------------------------
GGML_TYPES = {
    0: ("f32", 1, 4),
    1: ("f16", 1, 2),
    2: ("q4_0", 32, 18),      # f16 d; u8 qs[16]
    3: ("q4_1", 32, 20),      # f16 d; f16 m; u8 qs[16]
    6: ("q5_0", 32, 22),      # f16 d; u8 qh[4]; u8 qs[16]
    7: ("q5_1", 32, 24),      # f16 d; f16 m; u8 qh[4]; u8 qs[16]
    8: ("q8_0", 32, 34),      # f16 d; i8 qs[32]
    9: ("q8_1", 32, 36),      # f16 d; f16 s; i8 qs[32]
    10: ("q2_k", 256, 84),    # u8 scales[16]; u8 qs[64]; f16 d; f16 dmin
    11: ("q3_k", 256, 110),   # u8 hmask[32]; u8 qs[64]; u8 scales[12]; f16 d
    12: ("q4_k", 256, 144),   # f16 d; f16 dmin; u8 scales[12]; u8 qs[128]
    13: ("q5_k", 256, 176),   # f16 d; f16 dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]
    14: ("q6_k", 256, 210),   # u8 ql[128]; u8 qh[64]; i8 scales[16]; f16 d
    15: ("q8_k", 256, 292),   # f32 d; i8 qs[256]; i16 bsums[16]
    16: ("iq2_xxs", 256, 66),
    17: ("iq2_xs", 256, 74),
    18: ("iq3_xxs", 256, 98),
    19: ("iq1_s", 256, 50),
    20: ("iq4_nl", 32, 18),
    21: ("iq3_s", 256, 110),
    22: ("iq2_s", 256, 82),
    23: ("iq4_xs", 256, 136),
    24: ("i8", 1, 1),
    25: ("i16", 1, 2),
    26: ("i32", 1, 4),
    27: ("i64", 1, 8),
    28: ("f64", 1, 8),
    29: ("iq1_m", 256, 56),
    30: ("bf16", 1, 2),
    34: ("tq1_0", 256, 54),
    35: ("tq2_0", 256, 66),
    39: ("mxfp4", 32, 17),
}
GGML_TYPE_BY_NAME = {v[0]: k for k, v in GGML_TYPES.items()}


def ggml_type_name(type_id: int) -> str:
    return GGML_TYPES[type_id][0] if type_id in GGML_TYPES else f"type{type_id}"


# ---------------------------------------------------------------------------
# Parsed file structures
# ---------------------------------------------------------------------------
@dataclass
class KV:
    """One metadata pair. For arrays, `elem_type` is the element type and
    `value` a list (numeric arrays: a numpy array); nested arrays nest."""
    key: str
    value_type: int
    value: Any
    raw: bytes                 # exact bytes of the value in the file
    elem_type: int | None = None


@dataclass
class TensorInfo:
    name: str
    dims: tuple                # ggml order: dims[0] = ne[0] (contiguous axis)
    type_id: int
    offset: int                # relative to the start of the data section
    info_offset: int           # file offset where this tensor info starts

    @property
    def shape(self) -> tuple:
        """numpy (row-major) shape: reversed ggml dims."""
        return tuple(reversed(self.dims))

    @property
    def n_elements(self) -> int:
        n = 1
        for d in self.dims:
            n *= d
        return n

    @property
    def type_name(self) -> str:
        return ggml_type_name(self.type_id)

    @property
    def nbytes(self) -> int:
        """Byte size of the data; needs dims[0] to be a whole number of blocks."""
        if self.type_id not in GGML_TYPES:
            raise ValueError(f"tensor {self.name!r}: unknown ggml type {self.type_id}")
        _, blck, tsize = GGML_TYPES[self.type_id]
        if self.dims and self.dims[0] % blck != 0:
            raise ValueError(
                f"tensor {self.name!r}: ne[0]={self.dims[0]} is not a multiple of the "
                f"{self.type_name} block size {blck}")
        return self.n_elements // blck * tsize


@dataclass
class GGUFFile:
    path: str
    version: int
    kv: dict = field(default_factory=dict)          # key -> KV, in file order
    tensors: list = field(default_factory=list)     # TensorInfo, in file order
    alignment: int = GGUF_DEFAULT_ALIGNMENT
    data_offset: int = 0                            # file offset of the data section
    info_end: int = 0                               # file offset just past the tensor infos
    file_size: int = 0
    _buf: Any = None                                # mmap / bytes of the whole file

    def tensor(self, name: str) -> TensorInfo:
        for t in self.tensors:
            if t.name == name:
                return t
        raise KeyError(name)

    def tensor_bytes(self, t: TensorInfo) -> memoryview:
        """Raw bytes of tensor `t` (bounds-checked)."""
        start = self.data_offset + t.offset
        end = start + t.nbytes
        if t.offset < 0 or end > self.file_size:
            raise ValueError(
                f"tensor {t.name!r}: data [{start}, {end}) lies outside the file "
                f"(size {self.file_size})")
        return memoryview(self._buf)[start:end]

    def tensor_f32(self, t: TensorInfo) -> np.ndarray:
        """Dequantized tensor as float32 with numpy shape `t.shape`."""
        return dequantize(t.type_id, self.tensor_bytes(t), t.n_elements).reshape(t.shape)

    def value(self, key: str, default: Any = None) -> Any:
        kv = self.kv.get(key)
        return default if kv is None else kv.value

    def close(self) -> None:
        if isinstance(self._buf, mmap.mmap):
            self._buf.close()
        self._buf = None


# ---------------------------------------------------------------------------
# Parser
# ---------------------------------------------------------------------------
class _Cursor:
    """Bounds-checked little-endian reader over a buffer."""

    def __init__(self, buf, size: int):
        self.buf = buf
        self.size = size
        self.pos = 0

    def need(self, n: int, what: str) -> None:
        if n < 0 or self.pos + n > self.size:
            raise ValueError(
                f"truncated file: {what} needs {n} bytes at offset {self.pos}, "
                f"file size {self.size}")

    def take(self, n: int, what: str) -> bytes:
        self.need(n, what)
        b = bytes(self.buf[self.pos:self.pos + n])
        self.pos += n
        return b

    def u32(self, what: str) -> int:
        return struct.unpack("<I", self.take(4, what))[0]

    def u64(self, what: str) -> int:
        return struct.unpack("<Q", self.take(8, what))[0]

    def string(self, what: str) -> str:
        start = self.pos
        n = self.u64(f"length of {what}")
        if n > self.size - self.pos:
            raise ValueError(
                f"{what} at offset {start}: string length {n} exceeds the "
                f"remaining {self.size - self.pos} bytes")
        b = self.take(n, what)
        try:
            return b.decode("utf-8")
        except UnicodeDecodeError as e:
            raise ValueError(f"{what} at offset {start}: invalid UTF-8 ({e})") from None


def _read_value(cur: _Cursor, vtype: int, what: str, depth: int = 0):
    """Read one value of type `vtype`. Returns (value, elem_type_or_None)."""
    if vtype in _SCALAR_DTYPES:
        dt = _SCALAR_DTYPES[vtype]
        at = cur.pos
        v = np.frombuffer(cur.take(dt.itemsize, what), dtype=dt)[0]
        if vtype == GGUF_BOOL:
            if v > 1:
                raise ValueError(f"{what} at offset {at}: bool byte {int(v)} is not 0 or 1")
            return bool(v), None
        return (float(v) if dt.kind == "f" else int(v)), None
    if vtype == GGUF_STRING:
        return cur.string(what), None
    if vtype == GGUF_ARRAY:
        if depth > 16:
            raise ValueError(f"{what}: arrays nested deeper than 16 levels")
        at = cur.pos
        etype = cur.u32(f"element type of {what}")
        n = cur.u64(f"length of {what}")
        if etype in _SCALAR_DTYPES:
            dt = _SCALAR_DTYPES[etype]
            if n > (cur.size - cur.pos) // dt.itemsize:
                raise ValueError(
                    f"{what} at offset {at}: {n} x {VALUE_TYPE_NAMES[etype]} exceeds the file")
            arr = np.frombuffer(cur.take(n * dt.itemsize, what), dtype=dt).copy()
            if etype == GGUF_BOOL:
                if n and arr.max() > 1:
                    raise ValueError(f"{what} at offset {at}: bool array holds a byte > 1")
                arr = arr.astype(bool)
            return arr, etype
        if etype in (GGUF_STRING, GGUF_ARRAY):
            # every element takes at least 8 (string) or 12 (array) bytes
            min_size = 8 if etype == GGUF_STRING else 12
            if n > (cur.size - cur.pos) // min_size:
                raise ValueError(
                    f"{what} at offset {at}: {n} elements of type "
                    f"{VALUE_TYPE_NAMES[etype]} cannot fit in the file")
            out = []
            for i in range(n):
                v, _ = _read_value(cur, etype, f"{what}[{i}]", depth + 1)
                out.append(v)
            return out, etype
        raise ValueError(f"{what} at offset {at}: unknown array element type {etype}")
    raise ValueError(f"{what}: unknown metadata value type {vtype}")


def read_gguf(path: str) -> GGUFFile:
    """Parse the GGUF file at `path`; the tensor data is mmapped, not read."""
    with open(path, "rb") as f:
        f.seek(0, 2)
        size = f.tell()
        if size == 0:
            raise ValueError(f"{path}: empty file")
        buf = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    try:
        return parse_gguf(buf, size, path)
    except Exception:
        buf.close()
        raise


def parse_gguf(buf, size: int, path: str = "<buffer>") -> GGUFFile:
    """Parse a GGUF held in `buf` (bytes, bytearray or mmap) of length `size`."""
    cur = _Cursor(buf, size)
    magic = cur.take(4, "magic")
    if magic != GGUF_MAGIC:
        raise ValueError(f"{path}: bad magic {magic!r}, expected b'GGUF'")
    version = cur.u32("version")
    if version not in (2, 3):
        if version == 1:
            raise ValueError(f"{path}: GGUF v1 is not supported (v2 and v3 only)")
        if version & 0xFFFF == 0 and (version >> 24) in (2, 3):
            raise ValueError(f"{path}: big-endian GGUF (version field {version:#x}) "
                             "is not supported")
        raise ValueError(f"{path}: unsupported GGUF version {version}")
    n_tensors = cur.u64("tensor_count")
    n_kv = cur.u64("metadata_kv_count")
    # each KV takes >= 8+1+4+1 bytes; each tensor info >= 8+4+4+8 bytes
    if n_kv > size // 14:
        raise ValueError(f"{path}: metadata_kv_count {n_kv} cannot fit in {size} bytes")
    if n_tensors > size // 24:
        raise ValueError(f"{path}: tensor_count {n_tensors} cannot fit in {size} bytes")

    g = GGUFFile(path=path, version=version, file_size=size, _buf=buf)
    for i in range(n_kv):
        key_at = cur.pos
        key = cur.string(f"key of metadata pair {i}")
        if key in g.kv:
            raise ValueError(f"{path}: duplicate metadata key {key!r} at offset {key_at}")
        vtype = cur.u32(f"value type of {key!r}")
        start = cur.pos
        value, etype = _read_value(cur, vtype, f"value of {key!r}")
        g.kv[key] = KV(key, vtype, value, bytes(buf[start:cur.pos]), etype)

    if "general.alignment" in g.kv:
        a = g.kv["general.alignment"]
        if a.value_type != GGUF_UINT32:
            raise ValueError(f"{path}: general.alignment has type "
                             f"{VALUE_TYPE_NAMES.get(a.value_type, a.value_type)}, "
                             "expected uint32")
        if a.value == 0 or a.value % 8 != 0:
            raise ValueError(f"{path}: general.alignment {a.value} is not a "
                             "non-zero multiple of 8")
        g.alignment = a.value

    for i in range(n_tensors):
        at = cur.pos
        name = cur.string(f"name of tensor {i}")
        n_dims = cur.u32(f"n_dims of tensor {name!r}")
        if n_dims > GGML_MAX_DIMS:
            raise ValueError(f"{path}: tensor {name!r} has {n_dims} dims "
                             f"(max {GGML_MAX_DIMS})")
        dims = tuple(cur.u64(f"dim {d} of tensor {name!r}") for d in range(n_dims))
        n = 1
        for d in dims:
            if d >= 1 << 63:
                raise ValueError(f"{path}: tensor {name!r}: dimension {d} is negative as int64")
            n *= d
        if n >= 1 << 63:
            raise ValueError(f"{path}: tensor {name!r}: element count overflows int64")
        type_id = cur.u32(f"type of tensor {name!r}")
        offset = cur.u64(f"offset of tensor {name!r}")
        if type_id not in GGML_TYPES:
            raise ValueError(f"{path}: tensor {name!r} has unknown ggml type {type_id}")
        g.tensors.append(TensorInfo(name, dims, type_id, offset, at))

    # the data section starts at the next multiple of the alignment
    g.info_end = cur.pos
    g.data_offset = (cur.pos + g.alignment - 1) // g.alignment * g.alignment
    if n_tensors and g.data_offset > size:
        raise ValueError(f"{path}: data section offset {g.data_offset} is past the "
                         f"end of the file ({size})")
    return g


def structural_errors(g: GGUFFile) -> list:
    """GGUF rules on the tensor table; returns a list of messages (empty = ok):
    zero padding before the data section, names unique, offsets multiples of the alignment, ne[0] a whole number of
    blocks, data inside the file, no two tensors overlapping."""
    errs = []
    pad = bytes(g._buf[g.info_end:min(g.data_offset, g.file_size)])
    if pad.strip(b"\0"):
        errs.append(f"padding before the data section [{g.info_end}, {g.data_offset}) "
                    "is not all zero bytes")
    seen = set()
    spans = []
    for t in g.tensors:
        if t.name in seen:
            errs.append(f"duplicate tensor name {t.name!r}")
        seen.add(t.name)
        if len(t.name.encode("utf-8")) > 64:
            errs.append(f"tensor name {t.name!r} is longer than 64 bytes")
        if t.offset % g.alignment != 0:
            errs.append(f"tensor {t.name!r}: offset {t.offset} is not a multiple of "
                        f"the alignment {g.alignment}")
        try:
            nb = t.nbytes
        except ValueError as e:
            errs.append(str(e))
            continue
        end = g.data_offset + t.offset + nb
        if end > g.file_size:
            errs.append(f"tensor {t.name!r}: data ends at {end}, past the end of the "
                        f"file ({g.file_size})")
        spans.append((t.offset, t.offset + nb, t.name))
    # sweep by start offset, remembering the non-empty span that ends last
    spans.sort()
    far = None                               # (start, end, name) with the largest end
    for s, e, n in spans:
        if e == s:
            continue                         # empty tensors occupy no bytes
        if far is not None and s < far[1]:
            errs.append(f"tensors {far[2]!r} [{far[0]},{far[1]}) and {n!r} [{s},{e}) "
                        "overlap (offsets relative to the data section)")
        if far is None or e > far[1]:
            far = (s, e, n)
    return errs


# ---------------------------------------------------------------------------
# Dequantization. Every function takes the raw blocks as a uint8 array of
# shape [n_blocks, bytes_per_block] and returns float32 [n_blocks, block_elems].
# Variable names follow ggml's scalar reference so that the expression trees
# can be compared side by side. Integers are converted to float32 exactly
# (all are small), as C does for `int * float`.
# ---------------------------------------------------------------------------
F32 = np.float32


def _f16(b: np.ndarray) -> np.ndarray:
    """[..., 2] uint8 (little-endian IEEE half) -> float32.

    Finite values and infinities convert exactly. NaNs are made quiet (bit 22
    set, payload kept), which is what both the F16C instruction and ggml's
    portable GGML_FP16_TO_FP32 (its final float multiply quiets a signalling
    NaN) produce."""
    h = np.ascontiguousarray(b).view("<u2")[..., 0]
    f = h.view(np.float16).astype(np.float32)
    nan = np.isnan(f)
    if nan.any():
        bits = f.view(np.uint32).copy()
        bits[nan] = ((h[nan].astype(np.uint32) & 0x8000) << 16) | 0x7FC00000 | \
                    ((h[nan].astype(np.uint32) & 0x03FF) << 13)
        f = bits.view(np.float32)
    return f


def _f32le(b: np.ndarray) -> np.ndarray:
    """[..., 4] uint8 -> float32 (bit copy)."""
    return np.ascontiguousarray(b).view("<f4")[..., 0].astype(np.float32)


def _nibbles_32(qs: np.ndarray) -> np.ndarray:
    """qs [nb, 16] -> [nb, 32] int: element j<16 is the low nibble of qs[j],
    element j>=16 the high nibble of qs[j-16] (legacy 32-element blocks)."""
    return np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int32)


def _qh_bits_32(qh4: np.ndarray) -> np.ndarray:
    """qh [nb, 4] bytes (a little-endian uint32) -> [nb, 32] bit j of qh."""
    qh = np.ascontiguousarray(qh4).view("<u4")[:, 0].astype(np.uint32)
    j = np.arange(32, dtype=np.uint32)
    return ((qh[:, None] >> j[None, :]) & 1).astype(np.int32)


def _deq_q4_0(x):
    d = _f16(x[:, 0:2])                           # [nb]
    q = _nibbles_32(x[:, 2:18]) - 8               # x0 = (qs & 0xF) - 8 ...
    return q.astype(F32) * d[:, None]             # y = x0*d


def _deq_q4_1(x):
    d = _f16(x[:, 0:2])
    m = _f16(x[:, 2:4])
    q = _nibbles_32(x[:, 4:20])
    return q.astype(F32) * d[:, None] + m[:, None]   # y = x0*d + m


def _deq_q5_0(x):
    d = _f16(x[:, 0:2])
    qh = _qh_bits_32(x[:, 2:6])
    q = (_nibbles_32(x[:, 6:22]) | (qh << 4)) - 16
    return q.astype(F32) * d[:, None]             # y = x0*d


def _deq_q5_1(x):
    d = _f16(x[:, 0:2])
    m = _f16(x[:, 2:4])
    qh = _qh_bits_32(x[:, 4:8])
    q = _nibbles_32(x[:, 8:24]) | (qh << 4)
    return q.astype(F32) * d[:, None] + m[:, None]   # y = x0*d + m


def _deq_q8_0(x):
    d = _f16(x[:, 0:2])
    q = x[:, 2:34].view(np.int8)
    return q.astype(F32) * d[:, None]             # y = qs[j]*d


def _deq_q2_k(x):
    # block: scales[16] @0, qs[64] @16, d @80, dmin @82
    nb = x.shape[0]
    scales = x[:, 0:16]
    qs = x[:, 16:80]
    d = _f16(x[:, 80:82])
    dmin = _f16(x[:, 82:84])
    # output o = half*128 + j*32 + l (l<32): qs byte half*32 + l, shift 2*j,
    # scale index o // 16.
    q = qs.reshape(nb, 2, 1, 32)
    shift = (2 * np.arange(4, dtype=np.uint8)).reshape(1, 1, 4, 1)
    q = ((q >> shift) & 3).reshape(nb, 16, 16)      # [nb, scale idx, 16]
    dl = d[:, None] * (scales & 0xF).astype(F32)    # dl = d * (sc & 0xF)
    ml = dmin[:, None] * (scales >> 4).astype(F32)  # ml = min * (sc >> 4)
    y = dl[:, :, None] * q.astype(F32) - ml[:, :, None]   # y = dl*q - ml
    return y.reshape(nb, QK_K)


def _q3_k_scales(sc12: np.ndarray) -> np.ndarray:
    """12 packed bytes -> 16 six-bit scales (0..63) as int32 [nb, 16].
    Scale j: low 4 bits = j<8 ? b[j]&0xF : b[j-8]>>4;
             high 2 bits = (b[8 + j%4] >> (2*(j//4))) & 3."""
    j = np.arange(16)
    low = np.where(j < 8, sc12[:, j % 8] & 0x0F, sc12[:, j % 8] >> 4)
    high = (sc12[:, 8 + j % 4] >> (2 * (j // 4)).astype(np.uint8)) & 3
    return (low.astype(np.int32) | (high.astype(np.int32) << 4))


def _deq_q3_k(x):
    # block: hmask[32] @0, qs[64] @32, scales[12] @96, d @108
    nb = x.shape[0]
    hmask = x[:, 0:32]
    qs = x[:, 32:96]
    scales = _q3_k_scales(x[:, 96:108]) - 32        # int8 scale - 32
    d_all = _f16(x[:, 108:110])
    # output o = half*128 + j*32 + l: low bits (qs[half*32 + l] >> 2j) & 3,
    # high bit = hmask[l] bit (half*4 + j) = hmask[o % 32] bit (o // 32).
    q = qs.reshape(nb, 2, 1, 32)
    shift = (2 * np.arange(4, dtype=np.uint8)).reshape(1, 1, 4, 1)
    q = ((q >> shift) & 3).reshape(nb, 8, 32)
    bit = np.arange(8, dtype=np.uint8).reshape(1, 8, 1)
    h = (hmask[:, None, :] >> bit) & 1                         # [nb, 8, 32]
    # q - (hm ? 0 : 4) == (q + 4*h) - 4, in -4..3
    qv = ((q | (h << 2)).view(np.int8) - np.int8(4)).reshape(nb, 16, 16)
    dl = d_all[:, None] * scales.astype(F32)                   # dl = d_all*(sc-32)
    return (dl[:, :, None] * qv.astype(F32)).reshape(nb, QK_K)  # y = dl*q


def _k4_scale_min(sc12: np.ndarray):
    """get_scale_min_k4 for j = 0..7: -> (sc, m) each uint8 [nb, 8].
    j<4: sc = q[j]&63, m = q[j+4]&63
    j>=4: sc = (q[j+4]&0xF) | ((q[j-4]>>6)<<4); m = (q[j+4]>>4) | ((q[j]>>6)<<4)"""
    q = sc12.astype(np.int32)
    sc_lo = q[:, 0:4] & 63
    m_lo = q[:, 4:8] & 63
    sc_hi = (q[:, 8:12] & 0x0F) | ((q[:, 0:4] >> 6) << 4)
    m_hi = (q[:, 8:12] >> 4) | ((q[:, 4:8] >> 6) << 4)
    return (np.concatenate([sc_lo, sc_hi], axis=1),
            np.concatenate([m_lo, m_hi], axis=1))


def _deq_q4_k(x):
    # block: d @0, dmin @2, scales[12] @4, qs[128] @16
    nb = x.shape[0]
    d = _f16(x[:, 0:2])
    dmin = _f16(x[:, 2:4])
    sc, m = _k4_scale_min(x[:, 4:16])
    # output o: chunk c = o//64 uses qs[c*32 + l]; first 32 low nibble with
    # sub-block 2c, next 32 high nibble with sub-block 2c+1 (sub-block o//32).
    qs = x[:, 16:144].reshape(nb, 4, 1, 32)
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=2).reshape(nb, 8, 32)
    d1 = d[:, None] * sc.astype(F32)         # d1 = d * sc
    m1 = dmin[:, None] * m.astype(F32)       # m1 = min * m
    y = d1[:, :, None] * q.astype(F32) - m1[:, :, None]   # y = d1*q - m1
    return y.reshape(nb, QK_K)


def _deq_q5_k(x):
    # block: d @0, dmin @2, scales[12] @4, qh[32] @16, qs[128] @48
    nb = x.shape[0]
    d = _f16(x[:, 0:2])
    dmin = _f16(x[:, 2:4])
    sc, m = _k4_scale_min(x[:, 4:16])
    qh = x[:, 16:48]
    qs = x[:, 48:176].reshape(nb, 4, 1, 32)
    ql = np.concatenate([qs & 0x0F, qs >> 4], axis=2).reshape(nb, 8, 32)
    bit = np.arange(8, dtype=np.uint8).reshape(1, 8, 1)
    hb = (qh[:, None, :] >> bit) & 1                      # qh[l] & (1 << sub)
    q = ql.astype(np.int32) + hb.astype(np.int32) * 16    # (ql) + (bit ? 16 : 0)
    d1 = d[:, None] * sc.astype(F32)
    m1 = dmin[:, None] * m.astype(F32)
    y = d1[:, :, None] * q.astype(F32) - m1[:, :, None]   # y = d1*q - m1
    return y.reshape(nb, QK_K)


def _deq_q6_k(x):
    # block: ql[128] @0, qh[64] @128, scales[16] (int8) @192, d @208
    nb = x.shape[0]
    ql = x[:, 0:128].reshape(nb, 2, 64)
    qh = x[:, 128:192].reshape(nb, 2, 32)
    sc = x[:, 192:208].view(np.int8)
    d = _f16(x[:, 208:210])
    # within a 128 half, group g = 0..3 (32 outputs each), l = 0..31:
    #   low bits: g0 ql[l]&0xF, g1 ql[l+32]&0xF, g2 ql[l]>>4, g3 ql[l+32]>>4
    #   high bits: (qh[l] >> 2g) & 3 ; scale index = o // 16
    lo = np.stack([ql[:, :, 0:32] & 0x0F, ql[:, :, 32:64] & 0x0F,
                   ql[:, :, 0:32] >> 4, ql[:, :, 32:64] >> 4], axis=2)   # [nb,2,4,32]
    shift = (2 * np.arange(4, dtype=np.uint8)).reshape(1, 1, 4, 1)
    hi = (qh[:, :, None, :] >> shift) & 3
    q = (lo.astype(np.int32) | (hi.astype(np.int32) << 4)) - 32
    q = q.reshape(nb, 16, 16)
    dsc = d[:, None] * sc.astype(F32)             # (d * sc[is]) first ...
    y = dsc[:, :, None] * q.astype(F32)           # ... then * q
    return y.reshape(nb, QK_K)


def _deq_q8_k(x):
    # block: d (f32) @0, qs[256] (int8) @4, bsums[16] (int16, unused) @260
    d = _f32le(x[:, 0:4])
    q = x[:, 4:260].view(np.int8)
    return d[:, None] * q.astype(F32)             # y = d * qs[j]


DEQUANTIZERS = {
    2: _deq_q4_0, 3: _deq_q4_1, 6: _deq_q5_0, 7: _deq_q5_1, 8: _deq_q8_0,
    10: _deq_q2_k, 11: _deq_q3_k, 12: _deq_q4_k, 13: _deq_q5_k, 14: _deq_q6_k,
    15: _deq_q8_k,
}
SUPPORTED_TYPES = (0, 1, 30) + tuple(DEQUANTIZERS)

# Process at most this many blocks per numpy pass, to bound temporary memory.
_CHUNK_BLOCKS = 1 << 16


def dequantize(type_id: int, raw, n_elements: int) -> np.ndarray:
    """Raw tensor bytes of ggml type `type_id` -> float32 [n_elements]."""
    if type_id not in GGML_TYPES:
        raise ValueError(f"unknown ggml type {type_id}")
    name, blck, tsize = GGML_TYPES[type_id]
    if n_elements % blck != 0:
        raise ValueError(f"{name}: {n_elements} elements is not a whole number of "
                         f"{blck}-element blocks")
    n_blocks = n_elements // blck
    data = np.frombuffer(raw, dtype=np.uint8)
    if data.size != n_blocks * tsize:
        raise ValueError(f"{name}: expected {n_blocks * tsize} bytes for {n_elements} "
                         f"elements, got {data.size}")
    if type_id == 0:                                   # F32: bit copy
        return data.view("<f4").astype(np.float32)
    if type_id == 1:                                   # F16
        return _f16(data.reshape(-1, 2))
    if type_id == 30:                                  # BF16: bits << 16
        return (data.view("<u2").astype(np.uint32) << 16).view(np.float32)
    if type_id not in DEQUANTIZERS:
        raise ValueError(f"dequantization of {name} is not implemented in the reference")
    blocks = data.reshape(n_blocks, tsize)
    fn = DEQUANTIZERS[type_id]
    out = np.empty((n_blocks, blck), dtype=np.float32)
    # inf/NaN scales legitimately give NaN (e.g. inf * 0); don't warn about it
    with np.errstate(all="ignore"):
        for s in range(0, n_blocks, _CHUNK_BLOCKS):
            out[s:s + _CHUNK_BLOCKS] = fn(blocks[s:s + _CHUNK_BLOCKS])
    return out.reshape(-1)
