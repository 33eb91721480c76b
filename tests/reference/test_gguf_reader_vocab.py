#!/usr/bin/python3
"""Parse the real vocab-only GGUF files in shared/data/tokenizers with
gguf_reader.py and check their token counts (from shared/data/MANIFEST.md).

Usage: /usr/bin/python3 test_gguf_reader_vocab.py [--dir DIR]
Ends with "N passed, M failed"; exit status 1 on any failure.
"""

import argparse
import glob
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gguf_reader as gr  # noqa: E402

DEFAULT_DIR = os.path.normpath(os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "data", "tokenizers"))

# file name -> expected len(tokenizer.ggml.tokens), as stated in MANIFEST.md
EXPECTED = {
    "ggml-vocab-gpt-2.gguf": 50257,
    "ggml-vocab-llama-spm.gguf": 32000,
    "ggml-vocab-phi-3.gguf": 32064,
    "ggml-vocab-deepseek-llm.gguf": 102400,
    "ggml-vocab-deepseek-coder.gguf": 32256,
    "ggml-vocab-falcon.gguf": 65024,
    "ggml-vocab-bert-bge.gguf": 30522,
    "vocab-qwen25.gguf": 151936,
}


def check_one(path, expected):
    g = gr.read_gguf(path)
    try:
        errs = list(gr.structural_errors(g))
        toks = g.value("tokenizer.ggml.tokens")
        if toks is None:
            errs.append("tokenizer.ggml.tokens missing")
            n = 0
        else:
            n = len(toks)
            if g.kv["tokenizer.ggml.tokens"].elem_type != gr.GGUF_STRING:
                errs.append("tokenizer.ggml.tokens is not an array of strings")
            if expected is not None and n != expected:
                errs.append(f"{n} tokens, expected {expected}")
        for key in ("tokenizer.ggml.scores", "tokenizer.ggml.token_type"):
            v = g.value(key)
            if v is not None and len(v) != n:
                errs.append(f"{key} has {len(v)} entries, tokens {n}")
        if not isinstance(g.value("tokenizer.ggml.model"), str):
            errs.append("tokenizer.ggml.model missing")
        if not isinstance(g.value("general.architecture"), str):
            errs.append("general.architecture missing")
        merges = g.value("tokenizer.ggml.merges")
        summary = (f"v{g.version}, {len(g.kv)} kv, {len(g.tensors)} tensors, {n} tokens, "
                   f"model {g.value('tokenizer.ggml.model')!r}, "
                   f"pre {g.value('tokenizer.ggml.pre')!r}, "
                   f"{len(merges) if merges is not None else 0} merges")
    finally:
        g.close()
    return summary, errs


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default=DEFAULT_DIR)
    args = ap.parse_args(argv)
    found = {os.path.basename(p): p for p in glob.glob(os.path.join(args.dir, "*.gguf"))}
    n_pass = n_fail = 0
    for name in sorted(set(found) | set(EXPECTED)):
        if name not in found:
            print(f"FAIL {name}: file not found in {args.dir}")
            n_fail += 1
            continue
        try:
            summary, errs = check_one(found[name], EXPECTED.get(name))
        except ValueError as e:
            print(f"FAIL {name}: {e}")
            n_fail += 1
            continue
        if errs:
            print(f"FAIL {name}: {summary}; " + "; ".join(errs))
            n_fail += 1
        else:
            print(f"PASS {name}: {summary}")
            n_pass += 1
    print(f"{n_pass} passed, {n_fail} failed")
    return 1 if n_fail else 0


if __name__ == "__main__":
    sys.exit(main())
