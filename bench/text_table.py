#!/usr/bin/env python3
"""The text-generation speed table of docs/performance.md, in one command.

For each of the eight files (Qwen2.5-0.5B and Llama-3.2-1B shapes, Q4_0 / Q4_K_M / Q8_0 / F16,
made by `omni model synth` where missing), runs `omni bench -t T -p 512 -n 128 -r R --json` and
sets the result against llama.cpp's best build (the baseline the performance issue measured on a
Xeon with AVX-512 and AMX) and against this machine's memory read bandwidth, measured with
bench_matmul right before and right after each file (a shared machine's bandwidth drifts by
tens of percent within minutes; each file is set against the higher of its two). Prints a markdown table and, per file, whether it meets
the three bars: prefill >= 1.3x llama.cpp, decode reading weights at >= 90% of the bandwidth,
peak RSS <= (file + KV cache) x 1.15.

With --llamacpp it also measures llama.cpp on this machine, on the same files, right after omni
(bench/llamacpp_bench.mjs: node-llama-cpp's prebuilt CPU binaries, llama-bench's method), and
prints a second table of the two side by side.

    bench/text_table.py --models DIR [--omni build/bin/omni] [--bench-matmul build/bin/bench_matmul]
                        [--threads 2] [--reps 3] [--only qwen-q4_0,llama-f16] [--llamacpp]
                        [--json OUT]
"""
import argparse
import json
import os
import re
import subprocess
import sys

# llama.cpp 3f545becc, Clang 14 native build (AMX, AVX-512 VNNI), llama-bench -r 3, 2 threads.
BASELINE = {  # name: (preset, type, pp512, tg128)
    "qwen-q4_0": ("qwen2.5-0.5b", "q4_0", 946.6, 68.8),
    "qwen-q4_k_m": ("qwen2.5-0.5b", "q4_k_m", 271.1, 33.6),
    "qwen-q8_0": ("qwen2.5-0.5b", "q8_0", 927.5, 46.7),
    "qwen-f16": ("qwen2.5-0.5b", "f16", 266.8, 19.1),
    "llama-q4_0": ("llama-3.2-1b", "q4_0", 259.8, 27.8),
    "llama-q4_k_m": ("llama-3.2-1b", "q4_k_m", 281.6, 20.8),
    "llama-q8_0": ("llama-3.2-1b", "q8_0", 286.3, 20.1),
    "llama-f16": ("llama-3.2-1b", "f16", 117.3, 10.6),
}
PROMPT, GEN = 512, 128
MIB = 1024.0 * 1024.0


def run(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"failed ({out.returncode}): {' '.join(cmd)}\n{out.stderr[-2000:]}")
    return out.stdout


def bandwidth_gbs(bench_matmul, threads):
    out = run([bench_matmul, f"--benchmark_filter=Limits/MemoryRead/{threads}/",
               "--benchmark_format=json"])
    return json.loads(out)["benchmarks"][0]["GB"]


def kv_bytes(omni, path, n_ctx):
    """f16 keys and values of n_ctx positions (the bench's cache), from the file's hyperparameters."""
    info = run([omni, "model", "info", path])
    hp = {k: float(v) for k, v in re.findall(r"^\s+(\S+)\s+([0-9.e+-]+)\s*$", info, re.M)}
    head_dim = hp.get("attention.key_length", hp["embedding_length"] / hp["attention.head_count"])
    return int(hp["block_count"] * 2 * n_ctx * hp["attention.head_count_kv"] * head_dim * 2)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", required=True, help="directory of the eight files (made if missing)")
    ap.add_argument("--omni", default="build/bin/omni")
    ap.add_argument("--bench-matmul", default="build/bin/bench_matmul")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--only", default="", help="comma-separated names, e.g. qwen-q4_0,llama-f16")
    ap.add_argument("--llamacpp", action="store_true",
                    help="also run llama.cpp (node-llama-cpp's CPU build) on each file, after omni")
    ap.add_argument("--json", help="also write the rows here")
    args = ap.parse_args()

    names = [n for n in BASELINE if not args.only or n in args.only.split(",")]
    os.makedirs(args.models, exist_ok=True)
    for name in names:
        path = os.path.join(args.models, name + ".gguf")
        if not os.path.exists(path):
            preset, qtype, _, _ = BASELINE[name]
            print(f"making {path} ({preset}, {qtype})", file=sys.stderr)
            run([args.omni, "model", "synth", "--preset", preset, "--type", qtype, "-o", path])

    bw = [bandwidth_gbs(args.bench_matmul, args.threads)]  # before each file, and after the last
    rows = []
    for name in names:
        path = os.path.join(args.models, name + ".gguf")
        print(f"bench {name} ...", file=sys.stderr)
        tests = json.loads(run([args.omni, "bench", "-m", path, "-t", str(args.threads),
                                "-p", str(PROMPT), "-n", str(GEN), "-r", str(args.reps), "--json"]))
        pp = next(t for t in tests if t["n_prompt"] == PROMPT)
        tg = next(t for t in tests if t["n_gen"] == GEN)
        size = tests[0]["model_size"]
        kv = kv_bytes(args.omni, path, PROMPT)
        rows.append({"name": name, "kernels": tests[0]["kernels"], "size": size, "kv": kv,
                     "pp": pp["avg_ts"], "pp_sd": pp["stddev_ts"], "tg": tg["avg_ts"],
                     "tg_sd": tg["stddev_ts"], "rss": max(t["peak_rss_bytes"] for t in tests)})
        if args.llamacpp:
            script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "llamacpp_bench.mjs")
            lc = json.loads(run(["node", script, "-m", path, "-t", str(args.threads), "-p",
                                 str(PROMPT), "-n", str(GEN), "-r", str(args.reps), "--json"]))
            lc_pp = next(t for t in lc if t["n_prompt"] == PROMPT)
            lc_tg = next(t for t in lc if t["n_gen"] == GEN)
            rows[-1].update(lc_pp=lc_pp["avg_ts"], lc_pp_sd=lc_pp["stddev_ts"], lc_tg=lc_tg["avg_ts"],
                            lc_tg_sd=lc_tg["stddev_ts"], lc_backend=lc_tg["backend"])
        bw.append(bandwidth_gbs(args.bench_matmul, args.threads))
        rows[-1]["bandwidth_gbs"] = max(bw[-2], bw[-1])

    print(f"\nMemory read bandwidth ({args.threads} threads, bench_matmul Limits/MemoryRead), "
          f"between the files: {' / '.join(f'{b:.1f}' for b in bw)} GB/s; each file's decode % "
          "is of the higher of the two around it.")
    print(f"kernels: {rows[0]['kernels'] if rows else '-'}\n")
    print("| file | pp512 | tg128 | decode GB/s | peak RSS (bound) | llama.cpp pp / tg | "
          "pp ratio | bars: pp >= 1.3x, decode >= 90%, RSS |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        _, _, base_pp, base_tg = BASELINE[r["name"]]
        gbs = r["size"] * r["tg"] / 1e9
        bound = (r["size"] + r["kv"]) * 1.15
        r.update(decode_gbs=gbs, decode_frac=gbs / r["bandwidth_gbs"], rss_bound=bound, pp_ratio=r["pp"] / base_pp,
                 tg_ratio=r["tg"] / base_tg)
        bars = ["yes" if ok else "no" for ok in
                (r["pp_ratio"] >= 1.3, r["decode_frac"] >= 0.9, r["rss"] <= bound)]
        print(f"| {r['name']} ({r['size'] / MIB:.0f} MiB) | {r['pp']:.1f} ± {r['pp_sd']:.1f} | "
              f"{r['tg']:.1f} ± {r['tg_sd']:.1f} | {gbs:.1f} ({100 * r['decode_frac']:.0f}%) | "
              f"{r['rss'] / MIB:.1f} MiB ({bound / MIB:.1f}) | {base_pp} / {base_tg} | "
              f"{r['pp_ratio']:.2f} | {', '.join(bars)} |")
    if args.llamacpp:
        print(f"\nThe same files in llama.cpp on this machine ({rows[0]['lc_backend'] if rows else '-'}, "
              "node-llama-cpp's prebuilt binaries), measured right after omni:\n")
        print("| file | omni pp512 | llama.cpp pp512 | pp ratio | omni tg128 | llama.cpp tg128 | "
              "tg ratio |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for r in rows:
            print(f"| {r['name']} | {r['pp']:.1f} ± {r['pp_sd']:.1f} | {r['lc_pp']:.1f} ± "
                  f"{r['lc_pp_sd']:.1f} | {r['pp'] / r['lc_pp']:.2f} | {r['tg']:.1f} ± {r['tg_sd']:.1f} | "
                  f"{r['lc_tg']:.1f} ± {r['lc_tg_sd']:.1f} | {r['tg'] / r['lc_tg']:.2f} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"bandwidth_gbs": bw, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
