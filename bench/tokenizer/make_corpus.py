#!/usr/bin/env python3
"""Writes the tokenizer benchmark's corpus, bench/tokenizer/corpus.txt, from the 20 paragraphs
in bench/tokenizer/languages/: blocks of all 20 paragraphs, each block in its own order (a fixed
pseudo-random permutation), paragraphs separated by blank lines, until the corpus reaches
--bytes (default 1,500,000). The output depends only on the paragraphs, the seed and the size.

    bench/tokenizer/make_corpus.py [--out FILE] [--bytes N] [--seed S] [--check]

--check writes nothing and exits 1 if FILE differs from what would be written.
Python 3 standard library only.
"""

import argparse
import hashlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CODES = ["gu", "te", "ta", "mr", "hi", "ur", "ar", "fa", "ru", "ko",
         "vi", "zh", "ja", "tr", "it", "de", "es", "pt", "fr", "en"]


class Rng:
    """xorshift64*: a small generator whose sequence is fixed here, not by a library version."""

    def __init__(self, seed):
        self.s = (seed or 1) & 0xFFFFFFFFFFFFFFFF

    def next(self):
        s = self.s
        s ^= s >> 12
        s ^= (s << 25) & 0xFFFFFFFFFFFFFFFF
        s ^= s >> 27
        self.s = s
        return (s * 0x2545F4914F6CDD1D) & 0xFFFFFFFFFFFFFFFF

    def below(self, n):
        return self.next() % n  # bias is irrelevant for n <= 20


def build(n_bytes, seed):
    paragraphs = []
    for code in CODES:
        text = (HERE / "languages" / f"{code}.txt").read_text(encoding="utf-8")
        paragraphs.append(text[:-1] if text.endswith("\n") else text)
    rng = Rng(seed)
    parts = []
    size = 0
    while size < n_bytes:
        order = list(range(len(paragraphs)))
        for i in range(len(order) - 1, 0, -1):  # Fisher-Yates
            j = rng.below(i + 1)
            order[i], order[j] = order[j], order[i]
        for k in order:
            chunk = paragraphs[k] + "\n\n"
            parts.append(chunk)
            size += len(chunk.encode("utf-8"))
    return "".join(parts).encode("utf-8")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(HERE / "corpus.txt"))
    ap.add_argument("--bytes", type=int, default=1_500_000)
    ap.add_argument("--seed", type=int, default=20240513)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    data = build(args.bytes, args.seed)
    digest = hashlib.sha256(data).hexdigest()
    out = Path(args.out)
    if args.check:
        if not out.is_file() or out.read_bytes() != data:
            print(f"make_corpus: {out} is out of date (expected sha256 {digest})", file=sys.stderr)
            return 1
        print(f"{out}: up to date, {len(data)} bytes, sha256 {digest}", file=sys.stderr)
        return 0
    out.write_bytes(data)
    print(f"wrote {out}: {len(data)} bytes, sha256 {digest}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
