#!/usr/bin/python3
"""Cross-check omni's GGUF writer and dequantization against gguf_reader.py.

Usage:
    /usr/bin/python3 test_gguf_dequant.py --omni build/bin/omni --workdir /tmp/gguf-check
    /usr/bin/python3 test_gguf_dequant.py --selftest-vocab      (no binary needed)

For each input file made by the omni CLI
    OMNI model zoo -o DIR/zoo.gguf --seed 7
    OMNI model synth --arch ARCH --preset tiny --type TYPE --seed 3 -o DIR/ARCH-TYPE.gguf
the script runs `OMNI model dequant IN -o IN.f32.gguf` and checks:
  * GGUF structure of IN and OUT (unique names, aligned offsets, data inside
    the file, no overlaps, ne[0] a whole number of blocks);
  * OUT has the same metadata as IN (exact value bytes and types) except
    general.file_type, and the same tensor names and shapes, all F32;
  * our own numpy dequantization of every IN tensor is bit-identical
    (uint32 view) to OUT's data;
  * zoo: one tensor `zoo.<type>` per type, of that type;
  * synth: the llama.cpp keys the architecture needs are present and
    token_embd.weight has len(tokenizer.ggml.tokens) rows.
Two more inputs are written by this script (gguf_testgen.make_crafted_gguf)
and only dequantized by omni: crafted-v3.gguf and crafted-v2-align64.gguf
(every metadata value type incl. nested arrays; scales over the whole f16
range incl. subnormals and -0; every f16/bf16 bit pattern incl. NaN/inf;
1-D and 4-D shapes; a GGUF v2 file with general.alignment 64). Turn them
off with --no-crafted. --zoo-seeds N adds zoo files for seeds 1..N.
One line per file; the last line is "N passed, M failed"; exit status 1 on
any failure. A missing binary or a failing command is a failure (its stderr is
shown), never a skip.
"""

import argparse
import os
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gguf_reader as gr  # noqa: E402
import gguf_testgen  # noqa: E402

ZOO_TYPES = ["f32", "f16", "bf16", "q4_0", "q4_1", "q5_0", "q5_1", "q8_0",
             "q2_k", "q3_k", "q4_k", "q5_k", "q6_k", "q8_k"]
SYNTH_ARCHS = ["llama", "qwen2", "qwen3"]
SYNTH_TYPES = ["f32", "f16", "bf16", "q8_0", "q4_0", "q4_k", "q6_k", "q4_k_m"]
ARCH_KEYS = ["context_length", "embedding_length", "block_count", "feed_forward_length",
             "attention.head_count", "attention.head_count_kv",
             "attention.layer_norm_rms_epsilon", "rope.freq_base"]
IGNORED_META = {"general.file_type"}
CMD_TIMEOUT_S = 900


class CheckFailed(Exception):
    pass


def run_cmd(argv):
    """Run a command; raise CheckFailed with its stderr if it fails."""
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=CMD_TIMEOUT_S)
    except FileNotFoundError as e:
        raise CheckFailed(f"cannot run {' '.join(argv)}: {e}") from None
    except subprocess.TimeoutExpired:
        raise CheckFailed(f"timed out after {CMD_TIMEOUT_S}s: {' '.join(argv)}") from None
    if p.returncode != 0:
        err = p.stderr.decode("utf-8", "replace").strip()
        out = p.stdout.decode("utf-8", "replace").strip()
        raise CheckFailed(f"command failed (exit {p.returncode}): {' '.join(argv)}\n"
                          f"--- stderr ---\n{err[-4000:]}\n--- stdout ---\n{out[-2000:]}")


def fmt_f32(v):
    v = np.float32(v)
    return f"{v!r} (bits {int(np.array(v).view(np.uint32)):#010x})"


def hex_block(raw, type_id, flat_index):
    """Hex dump of the quant block that holds element `flat_index`."""
    _, blck, tsize = gr.GGML_TYPES[type_id]
    b = flat_index // blck
    return bytes(np.frombuffer(raw, dtype=np.uint8)[b * tsize:(b + 1) * tsize]).hex()


def compare_metadata(gin, gout):
    errs = []
    kin = set(gin.kv) - IGNORED_META
    kout = set(gout.kv) - IGNORED_META
    for k in sorted(kin - kout):
        errs.append(f"metadata key {k!r} missing from the dequantized file")
    for k in sorted(kout - kin):
        errs.append(f"metadata key {k!r} added in the dequantized file")
    for k in sorted(kin & kout):
        a, b = gin.kv[k], gout.kv[k]
        if a.value_type != b.value_type:
            errs.append(f"metadata {k!r}: type {gr.VALUE_TYPE_NAMES.get(a.value_type)} -> "
                        f"{gr.VALUE_TYPE_NAMES.get(b.value_type)}")
        elif a.raw != b.raw:
            va, vb = a.value, b.value
            if isinstance(va, (list, np.ndarray)):
                va, vb = f"array[{len(va)}]", f"array[{len(vb)}]"
            errs.append(f"metadata {k!r}: value differs ({str(va)[:80]} -> {str(vb)[:80]})")
    return errs


def compare_tensors(gin, gout):
    """Returns (errors, n_tensors, n_values, max_abs)."""
    errs = []
    out_by_name = {t.name: t for t in gout.tensors}
    n_values = 0
    max_abs = 0.0
    in_names = [t.name for t in gin.tensors]
    for name in sorted(set(out_by_name) - set(in_names)):
        errs.append(f"tensor {name!r} appears only in the dequantized file")
    for t in gin.tensors:
        o = out_by_name.get(t.name)
        if o is None:
            errs.append(f"tensor {t.name!r} missing from the dequantized file")
            continue
        if o.dims != t.dims:
            errs.append(f"tensor {t.name!r}: dims {t.dims} -> {o.dims}")
            continue
        if o.type_id != 0:
            errs.append(f"tensor {t.name!r}: dequantized type is {o.type_name}, not f32")
            continue
        if t.type_id not in gr.SUPPORTED_TYPES:
            errs.append(f"tensor {t.name!r}: type {t.type_name} has no reference dequantizer")
            continue
        raw = gin.tensor_bytes(t)
        ref = gr.dequantize(t.type_id, raw, t.n_elements)
        got = np.frombuffer(gout.tensor_bytes(o), dtype="<u4")
        diff = np.nonzero(ref.view(np.uint32) != got)[0]
        n_values += ref.size
        fin = ref[np.isfinite(ref)]
        if fin.size:
            max_abs = max(max_abs, float(np.abs(fin).max()))
        if diff.size:
            i = int(diff[0])
            _, blck, _ = gr.GGML_TYPES[t.type_id]
            idx = np.unravel_index(i, t.shape)
            c = got[i:i + 1].view(np.float32)[0]
            nan_note = ""
            if np.isnan(ref[i]) and np.isnan(c):
                nan_note = " (both NaN, payload/sign differ)"
            errs.append(
                f"tensor {t.name!r} ({t.type_name}, shape {t.shape}): {diff.size} of "
                f"{ref.size} values differ; first at flat index {i} (numpy index "
                f"{tuple(int(x) for x in idx)}, block {i // blck}, element {i % blck} in "
                f"block): reference {fmt_f32(ref[i])}, omni {fmt_f32(c)}{nan_note}; "
                f"block bytes {hex_block(raw, t.type_id, i)}")
    return errs, len(gin.tensors), n_values, max_abs


def type_histogram(g):
    h = {}
    for t in g.tensors:
        h[t.type_name] = h.get(t.type_name, 0) + 1
    return ",".join(f"{k}:{v}" for k, v in sorted(h.items()))


def check_arch(g, errs):
    arch = g.value("general.architecture")
    if not isinstance(arch, str):
        errs.append("general.architecture missing or not a string")
        return
    for k in ARCH_KEYS:
        if f"{arch}.{k}" not in g.kv:
            errs.append(f"metadata key {arch}.{k} missing")
    for k in ("tokenizer.ggml.model", "tokenizer.ggml.tokens"):
        if k not in g.kv:
            errs.append(f"metadata key {k} missing")
    toks = g.value("tokenizer.ggml.tokens")
    try:
        emb = g.tensor("token_embd.weight")
    except KeyError:
        errs.append("tensor token_embd.weight missing")
        return
    if toks is not None:
        rows = emb.dims[1] if len(emb.dims) >= 2 else 1
        if rows != len(toks):
            errs.append(f"token_embd.weight has {rows} rows (dims {emb.dims}) but "
                        f"tokenizer.ggml.tokens has {len(toks)} entries")


def check_zoo(g, errs):
    by_name = {t.name: t for t in g.tensors}
    for tn in ZOO_TYPES:
        t = by_name.get(f"zoo.{tn}")
        if t is None:
            errs.append(f"zoo tensor zoo.{tn} missing")
        elif t.type_name != tn:
            errs.append(f"zoo tensor zoo.{tn} has type {t.type_name}")


def check_file(omni, in_path, make, kind):
    """Generate in_path (`make` is an argv list, or a function that writes the
    file), dequantize it with omni, check everything.
    Returns a one-line summary; raises CheckFailed with all problems."""
    t0 = time.time()
    if not (os.path.isfile(omni) and os.access(omni, os.X_OK)):
        raise CheckFailed(f"omni binary not found or not executable: {omni}")
    if os.path.exists(in_path):
        os.remove(in_path)
    if callable(make):
        make(in_path)
    else:
        run_cmd(make)
    out_path = in_path[:-len(".gguf")] + ".f32.gguf"
    if os.path.exists(out_path):
        os.remove(out_path)
    run_cmd([omni, "model", "dequant", in_path, "-o", out_path])
    errs = []
    try:
        gin = gr.read_gguf(in_path)
    except ValueError as e:
        raise CheckFailed(f"reference reader rejects {in_path}: {e}") from None
    try:
        gout = gr.read_gguf(out_path)
    except ValueError as e:
        raise CheckFailed(f"reference reader rejects {out_path}: {e}") from None
    try:
        errs += [f"input: {e}" for e in gr.structural_errors(gin)]
        errs += [f"dequantized: {e}" for e in gr.structural_errors(gout)]
        if kind == "zoo":
            check_zoo(gin, errs)
        elif kind == "synth":
            check_arch(gin, errs)
        errs += compare_metadata(gin, gout)
        terrs, n_t, n_v, max_abs = compare_tensors(gin, gout)
        errs += terrs
        summary = (f"{os.path.basename(in_path)}: v{gin.version}, {len(gin.kv)} kv, "
                   f"{n_t} tensors [{type_histogram(gin)}], {n_v} values bit-compared, "
                   f"max |value| {max_abs:.6g}, {time.time() - t0:.1f}s")
    finally:
        gin.close()
        gout.close()
    if errs:
        shown = errs[:20] + ([f"... and {len(errs) - 20} more"] if len(errs) > 20 else [])
        raise CheckFailed(summary + "\n    " + "\n    ".join(shown))
    # Passing files are removed (a real-shape model and its f32 copy take gigabytes); failing ones
    # stay for inspection.
    os.remove(in_path)
    os.remove(out_path)
    return summary


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--omni", help="path to the omni binary")
    ap.add_argument("--workdir", help="directory for generated files")
    ap.add_argument("--selftest-vocab", action="store_true",
                    help="only parse the vocab GGUFs in shared/data/tokenizers")
    ap.add_argument("--only", default=None,
                    help="comma-separated subset of cases, e.g. zoo,llama-q4_k")
    ap.add_argument("--no-crafted", action="store_true",
                    help="skip the two hand-made edge-case inputs")
    ap.add_argument("--real-shape", action="store_true",
                    help="also check a real-shape model: Qwen2.5-0.5B in the q4_k_m mix "
                         "(its 896-wide rows take the Q5_0 and Q8_0 fallbacks)")
    ap.add_argument("--zoo-seeds", type=int, default=0,
                    help="also check `model zoo --seed S` for S = 1..N")
    args = ap.parse_args(argv)

    if args.selftest_vocab:
        import test_gguf_reader_vocab
        return test_gguf_reader_vocab.main([])
    if not args.omni or not args.workdir:
        ap.error("--omni and --workdir are required (or use --selftest-vocab)")

    omni = os.path.abspath(args.omni)
    os.makedirs(args.workdir, exist_ok=True)
    wd = args.workdir
    # (case name, input path, kind, how to make the input)
    cases = [("zoo", os.path.join(wd, "zoo.gguf"), "zoo",
              [omni, "model", "zoo", "-o", os.path.join(wd, "zoo.gguf"), "--seed", "7"])]
    for arch in SYNTH_ARCHS:
        for ty in SYNTH_TYPES:
            path = os.path.join(wd, f"{arch}-{ty}.gguf")
            cases.append((f"{arch}-{ty}", path, "synth",
                          [omni, "model", "synth", "--arch", arch, "--preset", "tiny",
                           "--type", ty, "--seed", "3", "-o", path]))
    if not args.no_crafted:
        for name, version, align in (("crafted-v3", 3, None), ("crafted-v2-align64", 2, 64)):
            def make(path, version=version, align=align):
                with open(path, "wb") as f:
                    f.write(gguf_testgen.make_crafted_gguf(11, version, align))
            cases.append((name, os.path.join(wd, f"{name}.gguf"), "crafted", make))
    if args.real_shape:
        path = os.path.join(wd, "qwen2.5-0.5b-q4_k_m.gguf")
        cases.append(("qwen2.5-0.5b-q4_k_m", path, "synth",
                      [omni, "model", "synth", "--preset", "qwen2.5-0.5b", "--type", "q4_k_m",
                       "--seed", "3", "-o", path]))
    for seed in range(1, args.zoo_seeds + 1):
        path = os.path.join(wd, f"zoo-seed{seed}.gguf")
        cases.append((f"zoo-seed{seed}", path, "zoo",
                      [omni, "model", "zoo", "-o", path, "--seed", str(seed)]))
    if args.only:
        want = set(args.only.split(","))
        cases = [c for c in cases if c[0] in want]

    n_pass = n_fail = 0
    for name, path, kind, make in cases:
        try:
            line = check_file(omni, path, make, kind)
            print(f"PASS {line}", flush=True)
            n_pass += 1
        except CheckFailed as e:
            print(f"FAIL {name}: {e}", flush=True)
            n_fail += 1
        except Exception as e:  # noqa: BLE001 - an unexpected error is a failure too
            print(f"FAIL {name}: unexpected {type(e).__name__}: {e}", flush=True)
            n_fail += 1
    print(f"{n_pass} passed, {n_fail} failed")
    return 1 if n_fail else 0


if __name__ == "__main__":
    sys.exit(main())
