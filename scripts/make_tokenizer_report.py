#!/usr/bin/env python3
"""Writes docs/tokenizers.md: how many tokens the same paragraph takes in 20 languages under
cl100k_base (GPT-4) and o200k_base (GPT-4o), counted by `omni tokenize`.

    scripts/make_tokenizer_report.py [--omni build/bin/omni] [--out docs/tokenizers.md]
                                     [--bench bench/tokenizer/results.json] [--no-verify] [--check]

The paragraphs are bench/tokenizer/languages/<code>.txt (one paragraph a file; the file's final
newline is not part of the text). Each is passed to `omni tokenize --encoding NAME --json -` on
standard input. Unless --no-verify is given, every id list is compared with js-tiktoken and
tiktoken (bench/tokenizer/npm_tokenize.mjs; run `npm ci` in bench/tokenizer first), and any
difference stops the script before anything is written. --bench adds the throughput table that
bench/tokenizer/run.sh --save wrote (used by default when that file exists). --check writes
nothing and exits 1 if the file at --out differs from what would be written.

Python 3 standard library only.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LANG_DIR = REPO / "bench" / "tokenizer" / "languages"
NPM_DIR = REPO / "bench" / "tokenizer"
ENCODINGS = ("cl100k_base", "o200k_base")

# The 20 languages of the "Language tokenization" table on OpenAI's GPT-4o announcement,
# in that table's order, with the published token counts (cl100k_base -> o200k_base) and
# the published "N.Nx fewer tokens" factor.
SOURCE_URL = "https://openai.com/index/hello-gpt-4o/"
SOURCE_TITLE = "OpenAI, \"Hello GPT-4o\", 13 May 2024, section \"Language tokenization\""
LANGUAGES = [
    # code, name, published cl100k, published o200k, published factor
    ("gu", "Gujarati", 145, 33, "4.4"),
    ("te", "Telugu", 159, 45, "3.5"),
    ("ta", "Tamil", 116, 35, "3.3"),
    ("mr", "Marathi", 96, 33, "2.9"),
    ("hi", "Hindi", 90, 31, "2.9"),
    ("ur", "Urdu", 82, 33, "2.5"),
    ("ar", "Arabic", 53, 26, "2.0"),
    ("fa", "Persian", 61, 32, "1.9"),
    ("ru", "Russian", 39, 23, "1.7"),
    ("ko", "Korean", 45, 27, "1.7"),
    ("vi", "Vietnamese", 46, 30, "1.5"),
    ("zh", "Chinese", 34, 24, "1.4"),
    ("ja", "Japanese", 37, 26, "1.4"),
    ("tr", "Turkish", 39, 30, "1.3"),
    ("it", "Italian", 34, 28, "1.2"),
    ("de", "German", 34, 29, "1.2"),
    ("es", "Spanish", 29, 26, "1.1"),
    ("pt", "Portuguese", 30, 27, "1.1"),
    ("fr", "French", 31, 28, "1.1"),
    ("en", "English", 27, 24, "1.1"),
]


class ReportError(Exception):
    pass


def rel(path):
    try:
        return str(Path(path).resolve().relative_to(REPO))
    except ValueError:
        return str(path)


def read_paragraph(code):
    path = LANG_DIR / f"{code}.txt"
    if not path.is_file():
        raise ReportError(f"missing {rel(path)}")
    text = path.read_bytes().decode("utf-8")
    if text.endswith("\n"):
        text = text[:-1]
    if not text.strip() or "\n" in text:
        raise ReportError(f"{rel(path)} must hold one non-empty paragraph on one line")
    return text


def parse_ids(stdout, what):
    try:
        ids = json.loads(stdout)
    except json.JSONDecodeError as e:
        raise ReportError(f"{what}: output is not JSON ({e}): {stdout[:200]!r}")
    if not isinstance(ids, list) or not all(isinstance(i, int) and i >= 0 for i in ids):
        raise ReportError(f"{what}: expected a JSON array of token ids, got {stdout[:200]!r}")
    return ids


def omni_tokenize(omni, encoding, text):
    cmd = [omni, "tokenize", "--encoding", encoding, "--json", "-"]
    try:
        r = subprocess.run(cmd, input=text.encode("utf-8"), capture_output=True, timeout=120)
    except OSError as e:
        raise ReportError(f"cannot run {omni}: {e}")
    what = " ".join(cmd)
    if r.returncode != 0:
        raise ReportError(f"{what} exited {r.returncode}: {r.stderr.decode(errors='replace').strip()}")
    return parse_ids(r.stdout.decode("utf-8"), what)


def check_omni(omni):
    """omni must exist and its tokenize command must answer a one-word probe with ids."""
    if not (os.path.isfile(omni) and os.access(omni, os.X_OK)):
        raise ReportError(f"{omni} is not an executable file (build omni first, or pass --omni PATH)")
    ids = omni_tokenize(omni, "o200k_base", "Hello")
    if not ids:
        raise ReportError(f"`{omni} tokenize` returned no ids for 'Hello'")


def check_npm():
    node = shutil.which("node")
    if node is None:
        raise ReportError("node is not installed; it is needed to cross-check (or pass --no-verify)")
    for pkg in ("js-tiktoken", "tiktoken"):
        if not (NPM_DIR / "node_modules" / pkg).is_dir():
            raise ReportError(f"bench/tokenizer/node_modules/{pkg} is missing: run `npm ci` in "
                              "bench/tokenizer (or pass --no-verify)")
    return node


def npm_ids(requests):
    """Ids from js-tiktoken and tiktoken for each (encoding, text), via npm_tokenize.mjs batch."""
    node = check_npm()
    payload = "".join(json.dumps({"encoding": e, "text": t}, ensure_ascii=False) + "\n" for e, t in requests)
    r = subprocess.run([node, str(NPM_DIR / "npm_tokenize.mjs"), "batch"], input=payload.encode("utf-8"),
                       capture_output=True, timeout=600)
    if r.returncode != 0:
        raise ReportError(f"npm_tokenize.mjs batch exited {r.returncode}: {r.stderr.decode(errors='replace')}")
    rows = [json.loads(line) for line in r.stdout.decode("utf-8").splitlines() if line]
    if len(rows) != len(requests):
        raise ReportError(f"npm_tokenize.mjs answered {len(rows)} of {len(requests)} requests")
    return rows


def npm_versions():
    out = {}
    for name in ("js-tiktoken", "tiktoken"):
        p = NPM_DIR / "node_modules" / name / "package.json"
        out[name] = json.loads(p.read_text())["version"] if p.is_file() else "?"
    return out


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))


def spearman(xs, ys):
    """Spearman rank correlation, ties given their mean rank."""
    def ranks(v):
        order = sorted(range(len(v)), key=lambda i: v[i])
        r = [0.0] * len(v)
        i = 0
        while i < len(order):
            j = i
            while j + 1 < len(order) and v[order[j + 1]] == v[order[i]]:
                j += 1
            for k in range(i, j + 1):
                r[order[k]] = (i + j) / 2 + 1
            i = j + 1
        return r
    rx, ry = ranks(xs), ranks(ys)
    n = len(xs)
    mx, my = sum(rx) / n, sum(ry) / n
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    vx = sum((a - mx) ** 2 for a in rx)
    vy = sum((b - my) ** 2 for b in ry)
    return cov / (vx * vy) ** 0.5


def names(rows):
    names_ = [r["name"] for r in rows]
    return ", ".join(names_[:-1]) + " and " + names_[-1] if len(names_) > 1 else names_[0]


def bench_section(bench):
    trials = bench.get("trials", 1)
    corpus = bench["corpus"] if not os.path.isabs(bench["corpus"]) else rel(bench["corpus"])
    lines = ["## Throughput", ""]
    lines.append(f"Encoding `{corpus}` ({bench['corpus_bytes'] / 1e6:.2f} MB, {bench['tokens']} "
                 f"{bench['encoding']} tokens), one thread, measured by `bench/tokenizer/run.sh` "
                 f"(omni: `build/bin/bench_tokenizer`; the npm packages: `bench/tokenizer/bench_npm.mjs`). "
                 f"Each tool warms up, then encodes the whole corpus repeatedly for a few seconds and "
                 f"reports its median pass; "
                 + (f"the run alternated the tools over {trials} trials, and the table gives each tool's "
                    f"median over the trials (the ratios are of those medians). " if trials > 1 else "the table is from one trial. ")
                 + "MB is 10^6 bytes of UTF-8.")
    lines.append("")
    lines.append("The corpus is the 20 paragraphs above repeated in shuffled order "
                 "(`bench/tokenizer/make_corpus.py`), so it holds few distinct words: a tokenizer that "
                 "caches the encoding of whole pre-tokenized pieces would gain more on it than on varied "
                 "text. The figures are for this corpus and this machine.")
    lines.append("")
    lines.append(f"Machine: `{bench['cpu']}` ({bench['cores']} cores, virtual), Node.js {bench['node']}.")
    lines.append("")
    head = "| tokenizer | MB/s | tokens/s | omni's speed relative to it |"
    rule = "|---|---:|---:|---:|"
    if trials > 1:
        head += " MB/s in each trial |"
        rule += "---|"
    lines += [head, rule]
    omni = next(r for r in bench["results"] if r["name"] == "omni")
    for r in bench["results"]:
        ratio = "1.00x" if r is omni else f"{omni['mb_per_s'] / r['mb_per_s']:.2f}x"
        row = f"| {r['label']} | {r['mb_per_s']:.2f} | {r['tokens_per_s']:,.0f} | {ratio} |"
        if trials > 1:
            row += " " + ", ".join(f"{x:.2f}" for x in r.get("trials_mb_per_s", [])) + " |"
        lines.append(row)
    lines.append("")
    loads = bench.get("other_load")
    if loads:
        fmt = lambda x: "?" if x is None else f"{x:.2f}"
        lines.append("CPU time used by other processes while each trial ran, in cores (during omni's "
                     "step / during the npm step): "
                     + "; ".join(f"{fmt(l['omni'])} / {fmt(l['npm'])}" for l in loads) + ".")
        lines.append("")
    lines.append("All three produced the same token count on the corpus in every trial. Rerun with "
                 "`bench/tokenizer/run.sh --trials 3 --save`, then regenerate this file.")
    lines.append("")
    return lines


def render(rows, verified, versions, bench, omni_label):
    en = next(r for r in rows if r["code"] == "en")
    ours = [r["ratio"] for r in rows]
    theirs = [r["pub_cl"] / r["pub_o"] for r in rows]
    rho = spearman(ours, theirs)
    by_ratio = sorted(rows, key=lambda r: r["ratio"], reverse=True)
    top = by_ratio[0]
    near = [r for r in rows if abs(r["ratio"] - r["pub_cl"] / r["pub_o"]) <= 0.3]
    worst = max(rows, key=lambda r: abs(r["ratio"] - r["pub_cl"] / r["pub_o"]))
    latin = [r for r in rows if r["code"] in ("tr", "it", "de", "es", "pt", "fr")]
    indic = [r for r in rows if r["code"] in ("gu", "te", "ta", "mr", "hi")]
    cl_rel = {r["code"]: r["cl"] / en["cl"] for r in rows}
    o_rel = {r["code"]: r["o"] / en["o"] for r in rows}
    worst_cl = max(rows, key=lambda r: cl_rel[r["code"]])
    worst_o = max(rows, key=lambda r: o_rel[r["code"]])

    L = []
    L.append("# Tokenizers: GPT-4o's o200k_base against GPT-4's cl100k_base")
    L.append("")
    L.append("<!-- Generated by scripts/make_tokenizer_report.py; edit the script, not this file. -->")
    L.append("")
    L.append("omni.cpp tokenizes text for OpenAI's two current encodings from their rank files "
             "(`../shared/data/o200k/`): `o200k_base` (GPT-4o) and `cl100k_base` (GPT-4, GPT-3.5). "
             "This page counts the tokens that the same short paragraph takes in the 20 languages "
             "that OpenAI chose for its GPT-4o tokenizer table, under each encoding.")
    L.append("")
    L.append("## Token counts per language")
    L.append("")
    L.append("The text is one everyday paragraph (a walk to the market in light rain, a chat with "
             "the baker and a neighbor, soup for the family: five sentences) that **we wrote for "
             "this project and translated into each language ourselves**; it is in "
             "`bench/tokenizer/languages/<code>.txt`. It is not OpenAI's text. Counts are from "
             f"`{omni_label} tokenize --encoding NAME --json -`, the paragraph given verbatim on "
             "standard input, without its file's final newline.")
    L.append("")
    L.append("- **ratio** = cl100k_base tokens / o200k_base tokens: how many times fewer tokens "
             "GPT-4o's encoding needs.")
    L.append("- **OpenAI's ratio** is the published \"N.Nx fewer tokens\" for that language, with the "
             "published counts (cl100k_base → o200k_base) in brackets. They are for OpenAI's own "
             "one-sentence greeting (\"Hello, my name is GPT-4o …\") in each language, not for our "
             f"paragraph. Source: {SOURCE_TITLE}, <{SOURCE_URL}>.")
    L.append("- **o200k vs English** = this language's o200k_base tokens / English's o200k_base "
             "tokens for the same paragraph (cl100k_base's figure in brackets).")
    L.append("")
    L.append("| language | UTF-8 bytes | cl100k_base | o200k_base | ratio | OpenAI's ratio | o200k vs English |")
    L.append("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        L.append(f"| {r['name']} | {r['bytes']} | {r['cl']} | {r['o']} | {r['ratio']:.2f}x | "
                 f"{r['pub']}x ({r['pub_cl']} → {r['pub_o']}) | "
                 f"{o_rel[r['code']]:.2f} ({cl_rel[r['code']]:.2f}) |")
    total_cl = sum(r["cl"] for r in rows)
    total_o = sum(r["o"] for r in rows)
    L.append(f"| **all 20** | {sum(r['bytes'] for r in rows)} | {total_cl} | {total_o} | "
             f"{total_cl / total_o:.2f}x | | |")
    L.append("")
    L.append("### What the table shows")
    L.append("")
    fewer = [r for r in rows if r["o"] < r["cl"]]
    same = [r for r in rows if r["o"] == r["cl"]]
    more = [r for r in rows if r["o"] > r["cl"]]
    if len(fewer) == len(rows):
        overall = "o200k_base needs fewer tokens than cl100k_base in all 20 languages"
    else:
        overall = f"o200k_base needs fewer tokens than cl100k_base in {len(fewer)} of the 20 languages"
        if same:
            overall += f" and as many in {names(same)}"
        if more:
            overall += f" and more in {names(more)}"
    L.append(
        f"{overall}, and the gain follows the script. The largest are for {names(by_ratio[:3])} "
        f"({by_ratio[2]['ratio']:.1f}x to {by_ratio[0]['ratio']:.1f}x): cl100k_base has few tokens "
        f"for these scripts and splits many characters into single UTF-8 bytes, so {top['name']} takes "
        f"{top['cl'] / top['chars']:.1f} tokens per character under cl100k_base and "
        f"{top['o'] / top['chars']:.2f} under o200k_base ({cl_rel[top['code']]:.1f} and "
        f"{o_rel[top['code']]:.1f} times English's count). "
        f"The five Indic languages together go from {sum(r['cl'] for r in indic)} to "
        f"{sum(r['o'] for r in indic)} tokens. The Latin-script European languages and Turkish gain "
        f"{min(r['ratio'] for r in latin):.2f}x to {max(r['ratio'] for r in latin):.2f}x, English "
        f"{en['ratio']:.2f}x. Our ratios rank the 20 languages much as OpenAI's do (Spearman "
        f"rank correlation {rho:.2f}), and {len(near)} of 20 are within 0.3 of the published factor; "
        f"the largest difference is {worst['name']} ({worst['ratio']:.2f}x here, {worst['pub']}x "
        f"published). Exact agreement is not expected: OpenAI's figures are for one greeting "
        f"sentence per language that contains the string \"GPT-4o\", ours for five sentences of "
        f"everyday prose. The spread between languages narrows too: the most expensive language "
        f"relative to English is {worst_cl['name']} at {cl_rel[worst_cl['code']]:.1f} times "
        f"English's tokens under cl100k_base, and {worst_o['name']} at "
        f"{o_rel[worst_o['code']]:.1f} times under o200k_base.")
    L.append("")
    L.append("A check of the published figures themselves: encoding the greeting sentences as they "
             "appear on OpenAI's page with cl100k_base and o200k_base reproduces 18 of the 20 "
             "published count pairs exactly (Italian and Persian differ by one or two tokens in the "
             "copy of the page text we used), so the published table is a cl100k_base → o200k_base "
             "comparison like this one.")
    L.append("")
    L.append("### Cross-check")
    L.append("")
    if verified:
        L.append(f"Every id list in the table (20 languages × 2 encodings) was compared with "
                 f"js-tiktoken {versions['js-tiktoken']} (pure JavaScript) and tiktoken "
                 f"{versions['tiktoken']} (WASM build of OpenAI's Rust tokenizer), each with the "
                 f"rank files that the package ships: all {len(rows) * 2} lists are identical, id "
                 f"for id, not only in length.")
    else:
        L.append("This run was **not** cross-checked against the npm tokenizers (`--no-verify`).")
    L.append("")
    if bench:
        L.extend(bench_section(bench))
    L.append("## Regenerating")
    L.append("")
    L.append("```sh")
    L.append("(cd bench/tokenizer && npm ci --no-audit --no-fund)   # js-tiktoken and tiktoken, for the cross-check")
    L.append("bench/tokenizer/run.sh --trials 3 --save               # throughput table (bench_tokenizer built)")
    L.append("scripts/make_tokenizer_report.py --omni build/bin/omni --out docs/tokenizers.md")
    L.append("```")
    L.append("")
    return "\n".join(L)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--omni", default=str(REPO / "build" / "bin" / "omni"), help="omni binary (default build/bin/omni)")
    ap.add_argument("--out", default=str(REPO / "docs" / "tokenizers.md"), help="markdown file to write")
    ap.add_argument("--bench", default=None,
                    help="results JSON from bench/tokenizer/run.sh --save (default: bench/tokenizer/results.json if present)")
    ap.add_argument("--no-verify", action="store_true", help="skip the cross-check against js-tiktoken and tiktoken")
    ap.add_argument("--check", action="store_true", help="write nothing; exit 1 if --out is not up to date")
    args = ap.parse_args()

    try:
        if not args.no_verify:
            check_npm()
        check_omni(args.omni)
        rows = []
        requests = []
        for code, name, pub_cl, pub_o, pub in LANGUAGES:
            text = read_paragraph(code)
            row = {"code": code, "name": name, "pub_cl": pub_cl, "pub_o": pub_o, "pub": pub,
                   "bytes": len(text.encode("utf-8")), "chars": len(text), "text": text, "ids": {}}
            for enc in ENCODINGS:
                row["ids"][enc] = omni_tokenize(args.omni, enc, text)
                requests.append((enc, text))
            row["cl"] = len(row["ids"]["cl100k_base"])
            row["o"] = len(row["ids"]["o200k_base"])
            if row["o"] == 0:
                raise ReportError(f"{name}: omni returned no tokens")
            row["ratio"] = row["cl"] / row["o"]
            rows.append(row)
            print(f"{name:>10}: cl100k_base {row['cl']:4d}  o200k_base {row['o']:4d}  ratio {row['ratio']:.2f}",
                  file=sys.stderr)

        versions = npm_versions()
        verified = False
        if not args.no_verify:
            answers = npm_ids(requests)
            bad = 0
            k = 0
            for row in rows:
                for enc in ENCODINGS:
                    ours = row["ids"][enc]
                    for lib, theirs in answers[k].items():
                        if ours != theirs:
                            bad += 1
                            i = first_difference(ours, theirs)
                            print(f"MISMATCH {row['name']} {enc}: omni {len(ours)} tokens, {lib} {len(theirs)}; "
                                  f"first difference at token {i}: omni {ours[i:i + 5]} vs {lib} {theirs[i:i + 5]}",
                                  file=sys.stderr)
                    k += 1
            if bad:
                raise ReportError(f"{bad} id lists differ from the npm tokenizers; nothing written")
            verified = True
            print(f"cross-check: all {k} id lists identical to js-tiktoken {versions['js-tiktoken']} "
                  f"and tiktoken {versions['tiktoken']}", file=sys.stderr)

        bench_path = args.bench or (NPM_DIR / "results.json")
        bench = None
        if args.bench or Path(bench_path).is_file():
            try:
                bench = json.loads(Path(bench_path).read_text())
            except (OSError, json.JSONDecodeError) as e:
                raise ReportError(f"cannot read benchmark results {bench_path}: {e}")

        omni_label = rel(args.omni)
        text = render(rows, verified, versions, bench, omni_label)
    except ReportError as e:
        print(f"make_tokenizer_report: {e}", file=sys.stderr)
        return 1

    out = Path(args.out)
    if args.check:
        current = out.read_text(encoding="utf-8") if out.is_file() else ""
        if current != text:
            print(f"make_tokenizer_report: {rel(out)} is out of date", file=sys.stderr)
            return 1
        print(f"{rel(out)} is up to date", file=sys.stderr)
        return 0
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"wrote {rel(out)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
