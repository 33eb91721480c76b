#!/usr/bin/env node
// llama.cpp's speed on this machine, measured the way llama-bench measures it, for a side-by-side
// with `omni bench` where llama-bench itself is not built. It runs llama.cpp through the prebuilt
// CPU binaries of node-llama-cpp that the interoperability tests install (tests/interop); ggml
// loads the CPU variant that fits this processor and the script prints which.
//
// For each file and thread count:
//   pp P: P random tokens decoded as one batch into an empty context;
//   tg N: N random tokens decoded one at a time into an empty context.
// Each batch computes the logits of its last token, as llama-bench's do. Each test runs once to
// warm up, then r times; tokens/s as mean and sample standard deviation.
// Peak RSS is the whole process's (Node.js included), read from /proc/self/status.
//
// Usage: node bench/llamacpp_bench.mjs -m FILE[,FILE...] [-t 2[,1]] [-p 512] [-n 128] [-r 3]
//          [--json]
// --json prints one object per test with llama-bench's field names (model_filename, n_prompt,
// n_gen, n_threads, avg_ts, stddev_ts), as `omni bench --json` does.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const nlcEntry = path.join(here, "..", "tests", "interop", "node_modules", "node-llama-cpp", "dist", "index.js");

function usage(msg) {
  console.error(`llamacpp_bench: ${msg}`);
  console.error("usage: node bench/llamacpp_bench.mjs -m FILE[,FILE...] [-t 2[,1]] [-p 512] [-n 128] [-r 3] [--json]");
  process.exit(2);
}

function parseArgs(argv) {
  const a = { models: [], threads: [2], p: 512, n: 128, r: 3, json: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = () => {
      if (i + 1 >= argv.length) usage(`${k} needs a value`);
      return argv[++i];
    };
    const count = (s, min) => {
      const x = Number(s);
      if (!Number.isInteger(x) || x < min) usage(`${k} takes whole numbers >= ${min}, not '${s}'`);
      return x;
    };
    if (k === "-m") a.models.push(...v().split(","));
    else if (k === "-t") a.threads = v().split(",").map((s) => count(s, 1));
    else if (k === "-p") a.p = count(v(), 0);
    else if (k === "-n") a.n = count(v(), 0);
    else if (k === "-r") a.r = count(v(), 1);
    else if (k === "--json") a.json = true;
    else usage(`unknown option ${k}`);
  }
  if (a.models.length === 0) usage("-m FILE is required");
  for (const m of a.models) if (!fs.existsSync(m)) usage(`no such file: ${m}`);
  if (a.p === 0 && a.n === 0) usage("-p and -n are both 0: nothing to measure");
  return a;
}

function peakRssMiB() {
  const m = fs.readFileSync("/proc/self/status", "utf8").match(/VmHWM:\s+(\d+) kB/);
  return m ? Number(m[1]) / 1024 : NaN;
}

function meanStd(xs) {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const v = xs.length > 1 ? xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1) : 0;
  return [mean, Math.sqrt(v)];
}

// Seconds taken by f().
async function timed(f) {
  const t0 = process.hrtime.bigint();
  await f();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(nlcEntry)) {
    console.error(`llamacpp_bench: node-llama-cpp is not installed at ${path.dirname(path.dirname(nlcEntry))}`);
    console.error("run ./setup.sh --no-run (or: cd tests/interop && npm install) first");
    process.exit(1);
  }
  const { getLlama, LlamaLogLevel } = await import(nlcEntry);
  const backends = new Set();
  const llama = await getLlama({
    gpu: false,
    build: "never",
    logLevel: LlamaLogLevel.debug,
    logger: (level, msg) => {
      const m = msg.match(/libggml-cpu-[\w-]+\.so/);
      if (m) backends.add(m[0]);
      else if (level === "error" || level === "fatal") console.error(`llama.cpp: ${msg.trim()}`);
    },
  });
  const rel = llama.llamaCppRelease;
  const info = `llama.cpp ${rel.repo} ${rel.release} (node-llama-cpp prebuilt, CPU)`;
  // Token ids below 1000, which every vocabulary has; which ones does not change the work.
  const random = (n) => Array.from({ length: n }, () => Math.floor(Math.random() * 1000));
  const results = [];
  for (const file of args.models) {
    const model = await llama.loadModel({ modelPath: file, gpuLayers: 0, useMmap: true });
    for (const threads of args.threads) {
      const ctx = await model.createContext({
        contextSize: Math.max(args.p, args.n) + 16,
        batchSize: Math.max(args.p, 1),
        threads,
        sequences: 1,
      });
      const seq = ctx.getSequence();
      // As llama-bench's batches, each evaluation computes the logits of its last token (a greedy
      // pick of the next token, in native code, makes llama.cpp compute them); without that,
      // llama.cpp would skip the output matrix altogether.
      const evaluate = (tokens) =>
        seq.controlledEvaluate(tokens.map((tok, i) => (i === tokens.length - 1 ? [tok, { generateNext: { token: true } }] : tok)));
      const runs = [
        ["pp", args.p, async () => evaluate(random(args.p))],
        [
          "tg",
          args.n,
          async () => {
            for (const tok of random(args.n)) await evaluate([tok]);
          },
        ],
      ];
      for (const [kind, count, run] of runs) {
        if (count === 0) continue;
        await seq.clearHistory();
        await run();  // warm-up
        const rates = [];
        for (let i = 0; i < args.r; i++) {
          await seq.clearHistory();
          rates.push(count / (await timed(run)));
        }
        const [avg, std] = meanStd(rates);
        const rss = peakRssMiB();
        results.push({
          model_filename: file,
          n_prompt: kind === "pp" ? count : 0,
          n_gen: kind === "tg" ? count : 0,
          n_threads: threads,
          avg_ts: avg,
          stddev_ts: std,
          samples_ts: rates,
          peak_rss_mib: rss,
          backend: [...backends].join(","),
        });
        if (!args.json) {
          console.log(
            `${path.basename(file).padEnd(24)} ${String(threads).padStart(3)} ${(kind + count).padStart(7)} ` +
              `${avg.toFixed(2).padStart(9)} ± ${std.toFixed(2).padEnd(7)} peak RSS ${rss.toFixed(0)} MiB`
          );
        }
      }
      await ctx.dispose();
    }
    await model.dispose();
  }
  await llama.dispose();
  if (args.json) console.log(JSON.stringify(results, null, 2));
  else console.log(`${info}; CPU backend: ${[...backends].join(", ") || "not reported"}`);
}

main().catch((e) => {
  console.error(`llamacpp_bench: ${e.message}`);
  process.exit(1);
});
