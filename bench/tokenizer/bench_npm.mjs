#!/usr/bin/env node
// Tokenizer throughput of the npm packages, for comparison with omni's bench_tokenizer:
// tiktoken (WASM build of OpenAI's Rust tokenizer) and js-tiktoken (pure JavaScript), each with
// the ranks it ships.
//
//   node bench_npm.mjs [--corpus FILE] [--encoding o200k_base|cl100k_base] [--seconds S] [--json OUT]
//
// Before timing, both packages are checked against the shared test vectors
// (<shared>/data/o200k/<o200k|cl100k>_vectors.jsonl, <shared> from OMNI_SHARED_DATA or
// ../shared/data beside the repository) and against each other on the whole corpus (same ids,
// not only the same count); any difference exits 1. Then, per package, on one thread: a warm-up
// of at least one encode and 1 s, then timed encodes of the whole corpus until S seconds
// (default 5) and at least 5 encodes have passed; the median encode time gives MB/s (10^6 bytes
// of UTF-8) and tokens/s. Text is encoded as ordinary text (special-token strings not matched).

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Tiktoken as JsTiktoken } from "js-tiktoken/lite";
import { get_encoding } from "tiktoken";

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, "..", "..");

function parseArgs(argv) {
  const opts = { corpus: join(HERE, "corpus.txt"), encoding: "o200k_base", seconds: 5, json: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) fail(`${a} needs a value`);
      return argv[++i];
    };
    if (a === "--corpus") opts.corpus = value();
    else if (a === "--encoding") opts.encoding = value();
    else if (a === "--seconds") opts.seconds = Number(value());
    else if (a === "--json") opts.json = value();
    else if (a === "--help" || a === "-h") {
      console.log("usage: node bench_npm.mjs [--corpus FILE] [--encoding o200k_base|cl100k_base] [--seconds S] [--json OUT]");
      process.exit(0);
    } else fail(`unknown argument ${a}`);
  }
  if (!["o200k_base", "cl100k_base"].includes(opts.encoding)) fail(`unknown encoding ${opts.encoding}`);
  if (!(opts.seconds > 0)) fail("--seconds must be a positive number");
  return opts;
}

function fail(message) {
  console.error(`bench_npm: ${message}`);
  process.exit(1);
}

function version(pkg) {
  return JSON.parse(readFileSync(join(HERE, "node_modules", pkg, "package.json"), "utf8")).version;
}

async function makeEncoders(encoding) {
  const ranks = (await import(`js-tiktoken/ranks/${encoding}`)).default;
  let t0 = performance.now();
  const js = new JsTiktoken(ranks);
  const jsLoad = performance.now() - t0;
  t0 = performance.now();
  const wasm = get_encoding(encoding);
  const wasmLoad = performance.now() - t0;
  return [
    {
      name: "tiktoken",
      label: `tiktoken ${version("tiktoken")} (WASM)`,
      loadMs: wasmLoad,
      encode: (text) => wasm.encode_ordinary(text), // Uint32Array
      free: () => wasm.free(),
    },
    {
      name: "js-tiktoken",
      label: `js-tiktoken ${version("js-tiktoken")} (JavaScript)`,
      loadMs: jsLoad,
      encode: (text) => js.encode(text, [], []),
      free: () => {},
    },
  ];
}

function sameIds(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function checkVectors(encoders, encoding) {
  const shared = process.env.OMNI_SHARED_DATA || resolve(REPO, "..", "shared", "data");
  const file = join(shared, "o200k", `${encoding.replace("_base", "")}_vectors.jsonl`);
  if (!existsSync(file)) {
    console.log(`vectors: ${file} not found; skipped (set OMNI_SHARED_DATA)`);
    return;
  }
  const cases = readFileSync(file, "utf8").split("\n").filter((l) => l).map((l) => JSON.parse(l));
  for (const enc of encoders) {
    let bad = 0;
    for (const c of cases) {
      if (!sameIds(Array.from(enc.encode(c.text)), c.ids)) {
        bad++;
        if (bad <= 3) console.error(`  ${enc.name} differs on ${JSON.stringify(c.text).slice(0, 80)}`);
      }
    }
    if (bad) fail(`${enc.label}: ${bad} of ${cases.length} vectors in ${file} differ`);
  }
  console.log(`vectors: both packages match all ${cases.length} lines of ${file}`);
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function measure(enc, text, seconds) {
  const warmStart = performance.now();
  for (let n = 0; n < 1 || performance.now() - warmStart < 1000; n++) enc.encode(text);
  const times = [];
  let tokens = 0;
  const start = performance.now();
  while (times.length < 5 || performance.now() - start < seconds * 1000) {
    const t0 = performance.now();
    const ids = enc.encode(text);
    times.push(performance.now() - t0);
    tokens = ids.length;
  }
  return { times, tokens, medianMs: median(times) };
}

const opts = parseArgs(process.argv.slice(2));
if (!existsSync(opts.corpus)) fail(`corpus ${opts.corpus} not found (run make_corpus.py)`);
const text = readFileSync(opts.corpus, "utf8");
const bytes = Buffer.byteLength(text, "utf8");
const encoders = await makeEncoders(opts.encoding);

checkVectors(encoders, opts.encoding);
const reference = Array.from(encoders[0].encode(text));
for (const enc of encoders.slice(1)) {
  const ids = enc.encode(text);
  if (!sameIds(Array.from(ids), reference)) {
    fail(`${enc.label} and ${encoders[0].label} disagree on the corpus (${ids.length} vs ${reference.length} tokens)`);
  }
}
console.log(`corpus: ${opts.corpus}, ${bytes} bytes, ${reference.length} ${opts.encoding} tokens (same ids from both packages)`);

const results = [];
for (const enc of encoders) {
  const r = measure(enc, text, opts.seconds);
  const s = r.medianMs / 1000;
  const row = {
    name: enc.name,
    label: enc.label,
    mb_per_s: bytes / 1e6 / s,
    tokens_per_s: r.tokens / s,
    tokens: r.tokens,
    runs: r.times.length,
    median_ms: r.medianMs,
    min_ms: Math.min(...r.times),
    max_ms: Math.max(...r.times),
    load_ms: enc.loadMs,
  };
  results.push(row);
  console.log(
    `${enc.label} ${opts.encoding}: ${row.mb_per_s.toFixed(2)} MB/s, ${Math.round(row.tokens_per_s)} tokens/s, ` +
      `${row.tokens} tokens (median of ${row.runs} runs, ${row.min_ms.toFixed(0)}-${row.max_ms.toFixed(0)} ms; ` +
      `encoder built in ${row.load_ms.toFixed(0)} ms)`,
  );
  enc.free();
}

if (opts.json) {
  const out = { corpus: resolve(opts.corpus), corpus_bytes: bytes, encoding: opts.encoding, node: process.versions.node, results };
  writeFileSync(opts.json, JSON.stringify(out, null, 2) + "\n");
}
