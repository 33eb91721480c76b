#!/usr/bin/env node
// Token ids from the npm tokenizers, for cross-checking omni's tokenizer.
//
//   npm_tokenize.mjs tokenize --encoding NAME [--json] [--lib js-tiktoken|tiktoken] [TEXT | -]
//       Prints the ids as one JSON array on one line, like `omni tokenize`, so this file
//       can stand in for omni (`--omni bench/tokenizer/npm_tokenize.mjs`) while developing.
//       Text comes from the argument, or verbatim from standard input with `-`.
//   npm_tokenize.mjs batch
//       Reads JSON lines {"encoding": NAME, "text": STRING} on standard input and writes,
//       for each, a JSON line {"js-tiktoken": [ids], "tiktoken": [ids]}.
//
// Text is always encoded as ordinary text: special-token strings are not matched.
// Needs `npm ci` in this folder first.

import { readFileSync } from "node:fs";
import { Tiktoken as JsTiktoken } from "js-tiktoken/lite";
import { get_encoding } from "tiktoken";

const ENCODINGS = ["o200k_base", "cl100k_base"];

async function jsRanks(name) {
  // The ranks that js-tiktoken ships, one module per encoding.
  const mod = await import(`js-tiktoken/ranks/${name}`);
  return mod.default;
}

// One encoder per (library, encoding), created on first use.
const cache = new Map();
async function encoder(lib, name) {
  if (!ENCODINGS.includes(name)) {
    throw new Error(`unknown encoding '${name}' (expected ${ENCODINGS.join(" or ")})`);
  }
  const key = `${lib}:${name}`;
  if (!cache.has(key)) {
    if (lib === "js-tiktoken") {
      const enc = new JsTiktoken(await jsRanks(name));
      cache.set(key, (text) => enc.encode(text, [], []));
    } else if (lib === "tiktoken") {
      const enc = get_encoding(name);
      cache.set(key, (text) => Array.from(enc.encode_ordinary(text)));
    } else {
      throw new Error(`unknown library '${lib}' (expected js-tiktoken or tiktoken)`);
    }
  }
  return cache.get(key);
}

function usage(message) {
  if (message) process.stderr.write(`npm_tokenize: ${message}\n`);
  (message ? process.stderr : process.stdout).write(
    "usage: npm_tokenize.mjs tokenize --encoding NAME [--json] [--lib js-tiktoken|tiktoken] [TEXT | -]\n" +
      "       npm_tokenize.mjs batch < requests.jsonl\n",
  );
  process.exit(message ? 2 : 0);
}

async function tokenize(args) {
  let name = null;
  let lib = "js-tiktoken";
  let text = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--encoding") name = args[++i];
    else if (a === "--lib") lib = args[++i];
    else if (a === "--json") continue;
    else if (a === "--help" || a === "-h") usage();
    else if (a === "-") text = readFileSync(0, "utf8");
    else if (a.startsWith("--")) usage(`unknown option ${a}`);
    else if (text === null) text = a;
    else usage("more than one text argument");
  }
  if (!name) usage("--encoding is required");
  if (text === null) usage("no text (give TEXT, or - to read standard input)");
  const ids = (await encoder(lib, name))(text);
  process.stdout.write(JSON.stringify(ids) + "\n");
}

async function batch() {
  const lines = readFileSync(0, "utf8").split("\n").filter((l) => l.length > 0);
  const out = [];
  for (const line of lines) {
    const { encoding, text } = JSON.parse(line);
    const row = {};
    for (const lib of ["js-tiktoken", "tiktoken"]) row[lib] = (await encoder(lib, encoding))(text);
    out.push(JSON.stringify(row));
  }
  process.stdout.write(out.join("\n") + (out.length ? "\n" : ""));
}

const [command, ...rest] = process.argv.slice(2);
try {
  if (command === "tokenize") await tokenize(rest);
  else if (command === "batch") await batch();
  else usage(command ? `unknown command '${command}'` : "no command");
} catch (e) {
  process.stderr.write(`npm_tokenize: ${e.message}\n`);
  process.exit(1);
}
