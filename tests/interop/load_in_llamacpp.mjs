#!/usr/bin/env node
// Interop check: GGUF files written by `omni model synth` must load unchanged in other readers.
//
// For each arch (llama, qwen2, qwen3) x type (f32 f16 bf16 q8_0 q4_0 q4_k q6_k q4_k_m) of the
// tiny preset it:
//   1. writes the file with `omni model synth`;
//   2. parses it with @huggingface/gguf (a pure-JS reader) and checks the metadata and every
//      tensor's name, shape, ggml type and data offset against llama.cpp's conventions;
//   3. loads it in real llama.cpp (the prebuilt binaries of node-llama-cpp, CPU only) with tensor
//      validation on, runs a forward pass over a short prompt, checks that the logits are finite
//      and not constant, that the greedy token is their argmax, generates a few greedy tokens,
//      and compares the logits with those of the same arch's f32 file (same seed, so the same
//      weights before quantization): a wrong block layout shows up as a low cosine similarity.
// Prints one line per file and ends with "N passed, M failed"; exits 1 on any failure.
//
// Usage: node load_in_llamacpp.mjs --omni PATH --workdir DIR [--vocab VOCAB.gguf]
//          [--archs llama,qwen2] [--types f32,q8_0] [--threads N] [--keep]
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { gguf } from "@huggingface/gguf";
import { getLlama, LlamaLogLevel } from "node-llama-cpp";

const ARCHS = ["llama", "qwen2", "qwen3"];
const TYPES = ["f32", "f16", "bf16", "q8_0", "q4_0", "q4_k", "q6_k", "q4_k_m"];

function parseArgs(argv) {
  const a = { archs: ARCHS, types: TYPES, threads: 1, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = () => {
      if (i + 1 >= argv.length) usage(`${k} needs a value`);
      return argv[++i];
    };
    if (k === "--omni") a.omni = v();
    else if (k === "--workdir") a.workdir = v();
    else if (k === "--vocab") a.vocab = v();
    else if (k === "--archs") a.archs = v().split(",");
    else if (k === "--types") a.types = v().split(",");
    else if (k === "--threads") a.threads = Number(v());
    else if (k === "--keep") a.keep = true;
    else usage(`unknown option ${k}`);
  }
  if (!a.omni || !a.workdir) usage("--omni and --workdir are required");
  return a;
}

function usage(msg) {
  console.error(`load_in_llamacpp: ${msg}`);
  console.error(
    "usage: node load_in_llamacpp.mjs --omni PATH --workdir DIR [--vocab VOCAB.gguf] " +
      "[--archs a,b] [--types t,u] [--threads N] [--keep]"
  );
  process.exit(2);
}

// ---- What llama.cpp expects, restated independently of omni's code ------------------------

// The tiny preset's hyperparameters (n_vocab comes from the vocab file when --vocab is given).
const TINY = { n_embd: 256, n_layer: 2, n_head: 4, n_head_kv: 2, head_dim: 64, n_ff: 768, n_vocab: 1024 };

// ggml type ids and their [block elements, block bytes] (ggml.h / ggml.c type traits).
const GGML = {
  F32: [0, 1, 4],
  F16: [1, 1, 2],
  Q4_0: [2, 32, 18],
  Q5_0: [6, 32, 22],
  Q8_0: [8, 32, 34],
  Q4_K: [12, 256, 144],
  Q6_K: [14, 256, 210],
  BF16: [30, 1, 2],
};
const GGML_NAME = Object.fromEntries(Object.entries(GGML).map(([n, [id]]) => [id, n]));

// --type -> [general.file_type (llama_ftype), the matrices' base type]
const FTYPE = {
  f32: [0, "F32"],
  f16: [1, "F16"],
  bf16: [32, "BF16"],
  q8_0: [7, "Q8_0"],
  q4_0: [2, "Q4_0"],
  q4_k: [14, "Q4_K"],
  q6_k: [18, "Q6_K"],
  q4_k_m: [15, "Q4_K"],
};

// llama.cpp's use_more_bits() from llama-quant.cpp (C integer division).
const idiv = (a, b) => Math.trunc(a / b);
const useMoreBits = (i, n) => i < idiv(n, 8) || i >= idiv(7 * n, 8) || (i - idiv(n, 8)) % 3 === 2;

function expectedTensors(arch, type, hp) {
  const q = hp.n_head * hp.head_dim;
  const kv = hp.n_head_kv * hp.head_dim;
  const t = [["token_embd.weight", [hp.n_embd, hp.n_vocab]]];
  for (let i = 0; i < hp.n_layer; i++) {
    const b = `blk.${i}.`;
    t.push([b + "attn_norm.weight", [hp.n_embd]]);
    t.push([b + "attn_q.weight", [hp.n_embd, q]]);
    t.push([b + "attn_k.weight", [hp.n_embd, kv]]);
    t.push([b + "attn_v.weight", [hp.n_embd, kv]]);
    if (arch === "qwen2") {
      t.push([b + "attn_q.bias", [q]]);
      t.push([b + "attn_k.bias", [kv]]);
      t.push([b + "attn_v.bias", [kv]]);
    }
    if (arch === "qwen3") {
      t.push([b + "attn_q_norm.weight", [hp.head_dim]]);
      t.push([b + "attn_k_norm.weight", [hp.head_dim]]);
    }
    t.push([b + "attn_output.weight", [q, hp.n_embd]]);
    t.push([b + "ffn_norm.weight", [hp.n_embd]]);
    t.push([b + "ffn_gate.weight", [hp.n_embd, hp.n_ff]]);
    t.push([b + "ffn_up.weight", [hp.n_embd, hp.n_ff]]);
    t.push([b + "ffn_down.weight", [hp.n_ff, hp.n_embd]]);
  }
  t.push(["output_norm.weight", [hp.n_embd]]);
  t.push(["output.weight", [hp.n_embd, hp.n_vocab]]);
  return t.map(([name, shape]) => ({ name, shape, type: expectedType(name, shape) }));

  function expectedType(name, shape) {
    if (shape.length === 1) return "F32"; // norms and biases stay F32
    let t = FTYPE[type][1];
    if (type === "q4_k_m") {
      const m = name.match(/^blk\.(\d+)\./);
      const sensitive = /attn_v\.weight$|ffn_down\.weight$/.test(name);
      if (name === "output.weight" || (sensitive && m && useMoreBits(Number(m[1]), hp.n_layer))) t = "Q6_K";
    }
    // K types need rows that are a multiple of 256 (llama.cpp falls back for narrower rows).
    if (shape[0] % 256 !== 0 && t === "Q4_K") t = "Q5_0";
    if (shape[0] % 256 !== 0 && t === "Q6_K") t = "Q8_0";
    return t;
  }
}

// ---- @huggingface/gguf ----------------------------------------------------------------------

async function checkWithHfGguf(file, arch, type, hp) {
  const errs = [];
  const { metadata: md, tensorInfos, tensorDataOffset } = await gguf(file, { allowLocalFile: true });
  const want = (k, v) => {
    const got = typeof md[k] === "bigint" ? Number(md[k]) : md[k];
    if (got !== v) errs.push(`${k} = ${JSON.stringify(String(md[k]))}, want ${JSON.stringify(v)}`);
  };
  want("version", 3);
  want("general.architecture", arch);
  want("general.file_type", FTYPE[type][0]);
  want(`${arch}.block_count`, hp.n_layer);
  want(`${arch}.embedding_length`, hp.n_embd);
  want(`${arch}.feed_forward_length`, hp.n_ff);
  want(`${arch}.attention.head_count`, hp.n_head);
  want(`${arch}.attention.head_count_kv`, hp.n_head_kv);
  if (!Array.isArray(md["tokenizer.ggml.tokens"]) || md["tokenizer.ggml.tokens"].length !== hp.n_vocab)
    errs.push(`tokenizer.ggml.tokens has ${md["tokenizer.ggml.tokens"]?.length} entries, want ${hp.n_vocab}`);
  want("tensor_count", tensorInfos.length);

  const exp = expectedTensors(arch, type, hp);
  if (tensorInfos.length !== exp.length) errs.push(`${tensorInfos.length} tensors, want ${exp.length}`);
  const byName = new Map(tensorInfos.map((t) => [t.name, t]));
  for (const e of exp) {
    const t = byName.get(e.name);
    if (!t) {
      errs.push(`missing tensor ${e.name}`);
      continue;
    }
    const shape = t.shape.map(Number);
    if (shape.join(",") !== e.shape.join(",")) errs.push(`${e.name}: shape [${shape}], want [${e.shape}]`);
    const tname = GGML_NAME[t.dtype] ?? `type ${t.dtype}`;
    if (tname !== e.type) errs.push(`${e.name}: ${tname}, want ${e.type}`);
  }
  for (const t of tensorInfos) if (!exp.some((e) => e.name === t.name)) errs.push(`unexpected tensor ${t.name}`);

  // Data layout: aligned offsets, no overlap, everything inside the file.
  const align = Number(md["general.alignment"] ?? 32);
  const fileSize = fs.statSync(file).size;
  if (Number(tensorDataOffset) % align) errs.push(`tensor data starts at ${tensorDataOffset}, not ${align}-aligned`);
  const spans = [];
  for (const t of tensorInfos) {
    const g = GGML[GGML_NAME[t.dtype]];
    if (!g) continue;
    const n = t.shape.reduce((a, b) => a * Number(b), 1);
    const bytes = (n / g[1]) * g[2];
    const off = Number(t.offset);
    if (off % align) errs.push(`${t.name}: offset ${off} not ${align}-aligned`);
    spans.push([off, off + bytes, t.name]);
  }
  spans.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++)
    if (spans[i][0] < spans[i - 1][1]) errs.push(`${spans[i][2]} overlaps ${spans[i - 1][2]}`);
  const end = Number(tensorDataOffset) + (spans.length ? spans[spans.length - 1][1] : 0);
  if (end > fileSize) errs.push(`tensor data ends at ${end}, past the file's ${fileSize} bytes`);
  return { errs, nTensors: tensorInfos.length };
}

// ---- llama.cpp via node-llama-cpp -------------------------------------------------------------

const PROMPT = "Hello world, this is omni.";

async function runInLlamaCpp(llama, logs, file, hp, expectedTensorCount) {
  logs.length = 0;
  let model;
  try {
    model = await llama.loadModel({ modelPath: file, gpuLayers: 0, checkTensors: true, useMmap: true });
  } catch (e) {
    const detail = logs.filter((l) => l.level === "error" || l.level === "fatal" || l.level === "warn");
    throw new Error(`llama.cpp refused the file: ${e.message}` + (detail.length ? ` | ${detail.map((l) => l.msg.trim()).join(" | ")}` : ""));
  }
  try {
    const errs = [];
    // node-llama-cpp's own (JS) GGUF header reader, a third reader.
    const nlcTensors = model.fileInfo.tensorInfo?.length;
    if (nlcTensors !== expectedTensorCount) errs.push(`node-llama-cpp header reader saw ${nlcTensors} tensors`);

    const ctx = await model.createContext({ contextSize: 128, batchSize: 128, threads: 1, sequences: 1 });
    try {
      const seq = ctx.getSequence();
      const tokens = model.tokenize(PROMPT);
      if (tokens.length < 2) errs.push(`prompt tokenized to ${tokens.length} tokens`);
      const input = tokens.map((t, i) =>
        i === tokens.length - 1 ? [t, { generateNext: { token: true, logits: true, options: { temperature: 0 } } }] : t
      );
      const res = await seq.controlledEvaluate(input);
      const next = res[tokens.length - 1]?.next;
      if (!next || !next.logits) throw new Error("llama.cpp returned no logits");
      const logits = new Float64Array(hp.n_vocab).fill(NaN);
      for (const [tok, v] of next.logits) if (tok < hp.n_vocab) logits[tok] = v;
      let nonFinite = 0, min = Infinity, max = -Infinity, argmax = -1;
      for (let i = 0; i < logits.length; i++) {
        const v = logits[i];
        if (!Number.isFinite(v)) { nonFinite++; continue; }
        if (v < min) min = v;
        if (v > max) { max = v; argmax = i; }
      }
      if (next.logits.size !== hp.n_vocab) errs.push(`${next.logits.size} logits, want ${hp.n_vocab}`);
      if (nonFinite) errs.push(`${nonFinite} of ${hp.n_vocab} logits are not finite`);
      if (!(max > min)) errs.push(`logits are constant (${min})`);
      if (next.token !== argmax) errs.push(`greedy token ${next.token} is not the argmax ${argmax}`);
      const gen = [next.token];
      for await (const t of seq.evaluate([next.token], { temperature: 0 })) {
        if (t === undefined || t === null) break;
        gen.push(t);
        if (gen.length >= 4) break;
      }
      if (gen.length < 4) errs.push(`generated only ${gen.length} tokens`);
      return { errs, logits, min, max, nPrompt: tokens.length, gen };
    } finally {
      await ctx.dispose();
    }
  } finally {
    await model.dispose();
  }
}

function cosine(a, b) {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / Math.sqrt(aa * bb);
}

// Minimum cosine similarity of a type's logits to the f32 file's: generous bounds that still catch
// a misread block layout (which gives a similarity near 0).
const MIN_COSINE = { f32: 0.999999, f16: 0.999, bf16: 0.99, q8_0: 0.99, q6_k: 0.97, q4_k_m: 0.9, q4_k: 0.9, q4_0: 0.85 };

// ---- main -------------------------------------------------------------------------------------

async function main() {
  const args = parseArgs(process.argv.slice(2));
  fs.mkdirSync(args.workdir, { recursive: true });

  let hp = { ...TINY };
  if (args.vocab) {
    const { metadata } = await gguf(path.resolve(args.vocab), { allowLocalFile: true });
    hp.n_vocab = metadata["tokenizer.ggml.tokens"].length;
  }

  const logs = [];
  let llama = null;
  let llamaErr = null;
  try {
    llama = await getLlama({
      gpu: false,
      build: "never", // never compile llama.cpp
      usePrebuiltBinaries: true, // @node-llama-cpp/linux-x64
      skipDownload: true, // never fetch sources or binaries
      progressLogs: false,
      logLevel: LlamaLogLevel.warn,
      logger: (level, msg) => logs.push({ level, msg }),
    });
    const rel = llama.llamaCppRelease;
    console.log(`llama.cpp ${rel.repo} ${rel.release} (${llama.buildType} binary, node-llama-cpp), CPU`);
  } catch (e) {
    llamaErr = new Error(
      `${e.message} (node-llama-cpp found no usable prebuilt binary; install with ` +
        "`npm install --ignore-scripts --omit=optional --no-save` in tests/interop on linux-x64)"
    );
    console.log(`llama.cpp unavailable: ${llamaErr.message}`);
  }

  let passed = 0, failed = 0;
  for (const arch of args.archs) {
    let baseline = null; // f32 logits of this arch
    for (const type of args.types) {
      const tag = `${arch}-${type}${args.vocab ? "-vocab" : ""}`;
      const file = path.resolve(args.workdir, `${tag}.gguf`);
      const problems = [];
      const notes = [];
      try {
        const cmd = ["model", "synth", "--arch", arch, "--preset", "tiny", "--type", type, "-t", String(args.threads), "-o", file];
        if (args.vocab) cmd.splice(cmd.length - 2, 0, "--vocab", path.resolve(args.vocab));
        try {
          execFileSync(args.omni, cmd, { stdio: ["ignore", "pipe", "pipe"] });
        } catch (e) {
          throw new Error(`omni model synth failed (${e.status}): ${String(e.stderr).trim().split("\n").pop()}`);
        }

        const hf = await checkWithHfGguf(file, arch, type, hp);
        problems.push(...hf.errs.map((e) => `@huggingface/gguf: ${e}`));
        notes.push(`${hf.nTensors} tensors`);

        if (!llama) {
          problems.push(`llama.cpp unavailable: ${llamaErr.message}`);
        } else {
          try {
            const r = await runInLlamaCpp(llama, logs, file, hp, hf.nTensors);
            problems.push(...r.errs.map((e) => `llama.cpp: ${e}`));
            notes.push(`logits [${r.min.toFixed(3)}, ${r.max.toFixed(3)}] over ${r.nPrompt} prompt tokens`, `greedy ${r.gen.join(" ")}`);
            if (type === "f32") baseline = r.logits;
            if (baseline) {
              const c = cosine(baseline, r.logits);
              notes.push(`cos vs f32 ${c.toFixed(5)}`);
              if (!(c >= (MIN_COSINE[type] ?? 0.85))) problems.push(`llama.cpp: logits' cosine similarity to f32's is ${c.toFixed(5)} < ${MIN_COSINE[type]}`);
            }
            const warns = logs.filter((l) => l.level === "warn" || l.level === "error").map((l) => l.msg.trim()).filter(Boolean);
            if (warns.length) notes.push(`llama.cpp said: ${[...new Set(warns)].join(" | ")}`);
          } catch (e) {
            problems.push(e.message);
          }
        }
      } catch (e) {
        problems.push(e.message);
      }
      if (problems.length) {
        failed++;
        console.log(`FAIL ${tag}: ${problems.join("; ")}${notes.length ? ` (${notes.join(", ")})` : ""}`);
      } else {
        passed++;
        console.log(`PASS ${tag}: ${notes.join(", ")}`);
      }
      if (!args.keep) fs.rmSync(file, { force: true });
    }
  }
  if (llama) await llama.dispose();
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  console.log("0 passed, 1 failed");
  process.exit(1);
});
