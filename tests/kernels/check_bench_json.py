"""Checks the output of `omni bench --json` (read from stdin): a JSON array with one object per
test, carrying llama-bench's field names with sensible values. Usage:
  omni bench -m M.gguf -t 1,2 -p 16 -n 4 -d 0,8 -r 2 --json | python3 check_bench_json.py 2 4 16 4 0,8
(expected thread counts, then tests per thread count, prompt length, generated tokens, depths)."""
import json
import sys


def main():
    n_thread_counts, tests_per_thread, n_prompt, n_gen = (int(a) for a in sys.argv[1:5])
    depths = sorted(int(d) for d in sys.argv[5].split(","))
    rows = json.load(sys.stdin)
    assert isinstance(rows, list), "not a JSON array"
    assert len(rows) == n_thread_counts * tests_per_thread, f"{len(rows)} objects"
    for row in rows:
        for key in ("n_prompt", "n_gen", "n_depth", "n_threads", "avg_ts", "stddev_ts",
                    "model_size", "model_type", "model_n_params", "type_k", "type_v",
                    "peak_rss_bytes"):
            assert key in row, f"missing {key}: {row}"
        assert row["avg_ts"] > 0, row
        assert row["stddev_ts"] >= 0, row
        assert row["model_size"] > 0 and row["model_n_params"] > 0, row
        assert row["peak_rss_bytes"] >= row["model_size"] // 2, row  # weights are paged in
        assert (row["n_prompt"], row["n_gen"]) in ((n_prompt, 0), (0, n_gen)), row
        assert row["type_k"] == row["type_v"] == "f16", row  # the default cache
    threads = sorted({r["n_threads"] for r in rows})
    assert len(threads) == n_thread_counts, threads
    assert sorted({r["n_depth"] for r in rows}) == depths, rows
    print("bench-json-ok")


if __name__ == "__main__":
    main()
