#!/usr/bin/env bash
# Tokenizer throughput: omni's bench_tokenizer against the npm tokenizers, on the same corpus in
# the same run, one thread each.
#
#   bench/tokenizer/run.sh [--seconds S] [--trials N] [--encoding o200k_base|cl100k_base]
#                          [--corpus FILE] [--save]
#
# 1. installs the pinned npm packages (npm ci, from package-lock.json) if they are missing;
# 2. runs build/bin/bench_tokenizer (or $OMNI_BENCH_TOKENIZER) on the corpus, then
#    bench_npm.mjs (tiktoken, js-tiktoken) on the same corpus; N trials (default 1), alternating,
#    each tokenizer timed for S seconds (default 5) a trial;
# 3. prints a table with each tokenizer's median over the trials, omni's speed relative to each
#    package and the CPU, and checks that all three produced the same number of tokens.
# --save also writes bench/tokenizer/results.json, which scripts/make_tokenizer_report.py puts
# into docs/tokenizers.md. Exits non-zero if a step fails, bench_tokenizer is missing, or the
# token counts differ.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"

DURATION=5
TRIALS=1
ENCODING=o200k_base
CORPUS="$HERE/corpus.txt"
SAVE=0
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) DURATION="${2:?--seconds needs a value}"; shift 2 ;;
    --trials) TRIALS="${2:?--trials needs a value}"; shift 2 ;;
    --encoding) ENCODING="${2:?--encoding needs a value}"; shift 2 ;;
    --corpus) CORPUS="${2:?--corpus needs a value}"; shift 2 ;;
    --save) SAVE=1; shift ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$TRIALS" in ''|*[!0-9]*|0) echo "run.sh: --trials must be a positive integer" >&2; exit 2 ;; esac
BENCH="${OMNI_BENCH_TOKENIZER:-$REPO/build/bin/bench_tokenizer}"

die() { echo "run.sh: $*" >&2; exit 1; }

# The C++ benchmark must exist before anything else is spent on the run.
if [ ! -x "$BENCH" ]; then
  echo "run.sh: $BENCH not found (or not executable)." >&2
  echo "run.sh: build it first, e.g. cmake --build build --target bench_tokenizer" >&2
  exit 2
fi
command -v node >/dev/null || die "node is not installed"
command -v python3 >/dev/null || die "python3 is not installed"

# Pinned npm packages, exactly as package-lock.json says.
if ! (cd "$HERE" && npm ls --depth=0 >/dev/null 2>&1); then
  echo "== npm ci (tiktoken, js-tiktoken)"
  (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed"
fi

if [ ! -f "$CORPUS" ]; then
  if [ "$CORPUS" = "$HERE/corpus.txt" ]; then
    python3 "$HERE/make_corpus.py" || die "make_corpus.py failed"
  else
    die "corpus $CORPUS not found"
  fi
elif [ "$CORPUS" = "$HERE/corpus.txt" ] && ! python3 "$HERE/make_corpus.py" --check 2>/dev/null; then
  echo "run.sh: warning: corpus.txt differs from what make_corpus.py writes from languages/" >&2
fi

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# Busy and total CPU time of the whole machine so far (jiffies), to tell afterwards whether
# something else ran during a measurement.
cpu_jiffies() {
  if [ -r /proc/stat ]; then
    awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9; exit}' /proc/stat
  else
    echo "0 0"
  fi
}

for t in $(seq 1 "$TRIALS"); do
  echo "== trial $t/$TRIALS: omni ($BENCH)"
  cpu_jiffies >"$TMP/cpu.omni.$t"
  if ! "$BENCH" --encoding "$ENCODING" --corpus "$CORPUS" --seconds "$DURATION" >"$TMP/omni.$t.txt" 2>&1; then
    cat "$TMP/omni.$t.txt" >&2
    die "bench_tokenizer failed"
  fi
  cpu_jiffies >>"$TMP/cpu.omni.$t"
  cat "$TMP/omni.$t.txt"
  grep -Eq "^omni $ENCODING: [0-9]" "$TMP/omni.$t.txt" ||
    die "bench_tokenizer printed no line 'omni $ENCODING: X MB/s, Y tokens/s, N tokens'"

  echo "== trial $t/$TRIALS: npm (bench_npm.mjs)"
  cpu_jiffies >"$TMP/cpu.npm.$t"
  node "$HERE/bench_npm.mjs" --corpus "$CORPUS" --encoding "$ENCODING" --seconds "$DURATION" \
    --json "$TMP/npm.$t.json" || die "bench_npm.mjs failed"
  cpu_jiffies >>"$TMP/cpu.npm.$t"
done

echo "== comparison"
python3 - "$TMP" "$TRIALS" "$ENCODING" "$CORPUS" "$SAVE" "$HERE/results.json" "$REPO" "$BENCH" <<'PY'
import hashlib, json, os, re, statistics, sys
tmp, trials, encoding, corpus, save, results_path, repo, bench = sys.argv[1:9]
trials = int(trials)

num = r"([0-9][0-9,]*(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)"
pat = re.compile(rf"^omni {re.escape(encoding)}: {num} MB/s, {num} tokens/s, {num} tokens\b", re.M)
f = lambda s: float(s.replace(",", ""))

per = {}  # name -> {"label", "mb": [...], "tps": [...], "tokens": set()}
def add(name, label, mb, tps, tokens):
    e = per.setdefault(name, {"label": label, "mb": [], "tps": [], "tokens": set()})
    e["mb"].append(mb)
    e["tps"].append(tps)
    e["tokens"].add(tokens)

cores = os.cpu_count()

def other_load(path):
    """Cores kept busy by other processes during a step: machine busy time minus our one thread."""
    try:
        (b0, t0), (b1, t1) = [tuple(map(int, l.split())) for l in open(path).read().split("\n")[:2]]
    except (OSError, ValueError):
        return None
    if t1 <= t0:
        return None
    return max(0.0, (b1 - b0) / (t1 - t0) * cores - 1.0)

loads = []
node = "?"
for t in range(1, trials + 1):
    loads.append({"omni": other_load(f"{tmp}/cpu.omni.{t}"), "npm": other_load(f"{tmp}/cpu.npm.{t}")})
    m = pat.search(open(f"{tmp}/omni.{t}.txt", encoding="utf-8", errors="replace").read())
    if not m:
        sys.exit(f"run.sh: bench_tokenizer printed no line 'omni {encoding}: X MB/s, Y tokens/s, N tokens'")
    add("omni", "omni (bench_tokenizer, C++)", f(m.group(1)), f(m.group(2)), int(f(m.group(3))))
    npm = json.load(open(f"{tmp}/npm.{t}.json"))
    node = npm["node"]
    for r in npm["results"]:
        add(r["name"], r["label"], r["mb_per_s"], r["tokens_per_s"], r["tokens"])

cpu = "unknown CPU"
try:
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
except OSError:
    pass
data = open(corpus, "rb").read()
sha = hashlib.sha256(data).hexdigest()

rows = []
for name, e in per.items():
    rows.append({"name": name, "label": e["label"], "mb_per_s": statistics.median(e["mb"]),
                 "tokens_per_s": statistics.median(e["tps"]), "tokens": max(e["tokens"]),
                 "token_counts": sorted(e["tokens"]), "trials_mb_per_s": e["mb"]})
omni = rows[0]

print(f"CPU: {cpu} ({cores} cores); Node.js {node}; one thread each; {trials} trial(s) of {encoding}")
print(f"corpus: {corpus}, {len(data)} bytes ({len(data) / 1e6:.2f} MB), sha256 {sha[:16]}")
print()
print("| tokenizer | MB/s | tokens/s | tokens | omni / this |" + (" MB/s per trial |" if trials > 1 else ""))
print("|---|---:|---:|---:|---:|" + ("---|" if trials > 1 else ""))
for r in rows:
    ratio = "1.00x" if r is omni else f"{omni['mb_per_s'] / r['mb_per_s']:.2f}x"
    extra = (" " + ", ".join(f"{x:.2f}" for x in r["trials_mb_per_s"]) + " |") if trials > 1 else ""
    print(f"| {r['label']} | {r['mb_per_s']:.2f} | {r['tokens_per_s']:,.0f} | {r['tokens']} | {ratio} |{extra}")
print()

counts = set()
for r in rows:
    counts.update(r["token_counts"])
if len(counts) != 1:
    print("run.sh: TOKEN COUNTS DIFFER: " + ", ".join(f"{r['label']} {r['token_counts']}" for r in rows),
          file=sys.stderr)
    sys.exit(1)
print(f"token counts agree: {omni['tokens']} from all three")

fmt = lambda x: "?" if x is None else f"{x:.2f}"
print("other processes' load during each trial, in cores (omni step / npm step): " +
      "; ".join(f"{fmt(l['omni'])} / {fmt(l['npm'])}" for l in loads))
if any(v is not None and v > 0.25 for l in loads for v in l.values()):
    print("run.sh: warning: something else was using the CPU during the measurement; "
          "the figures are less reliable (rerun on an idle machine)", file=sys.stderr)

if save == "1":
    rel = os.path.relpath(os.path.abspath(corpus), repo)
    out = {"corpus": rel, "corpus_bytes": len(data), "corpus_sha256": sha, "encoding": encoding,
           "tokens": omni["tokens"], "cpu": cpu, "cores": cores, "node": node, "trials": trials,
           "other_load": loads,
           "bench_tokenizer": os.path.relpath(os.path.abspath(bench), repo), "results": rows}
    with open(results_path, "w") as fh:
        json.dump(out, fh, indent=2)
        fh.write("\n")
    print(f"saved {os.path.relpath(results_path, repo)}")
PY
