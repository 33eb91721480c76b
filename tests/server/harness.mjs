// Shared by the server tests: start `omni serve` on a free port, read its log, stop it.
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';

export function parseArgs(argv) {
  const args = {};
  for (let i = 2; i < argv.length; i += 2) args[argv[i].replace(/^--/, '')] = argv[i + 1];
  if (!args.omni || !args.workdir) {
    console.error('usage: node SCRIPT --omni PATH/TO/omni --workdir DIR');
    process.exit(2);
  }
  mkdirSync(args.workdir, { recursive: true });
  return args;
}

// A random-weight model of the tiny preset with a chat template.
export function synthModel(omni, path, arch = 'qwen2') {
  execFileSync(omni, ['model', 'synth', '--arch', arch, '--preset', 'tiny', '--type', 'q8_0', '-o', path],
               { stdio: 'ignore' });
  return path;
}

// Starts the server; resolves once it listens, with {proc, port, baseURL, log(), stop()}.
export function startServer(omni, model, extra = []) {
  return new Promise((resolve, reject) => {
    const proc = spawn(omni, ['serve', ...(model ? ['-m', model] : []), '--port', '0', ...extra],
                       { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    let started = false;
    proc.stderr.on('data', (d) => {
      log += d.toString();
      const m = log.match(/on http:\/\/127\.0\.0\.1:(\d+)\/v1/);
      if (m && !started) {
        started = true;
        const port = Number(m[1]);
        const exited = new Promise((res) => proc.on('exit', (code, signal) => res({ code, signal })));
        resolve({
          proc, port, baseURL: `http://127.0.0.1:${port}/v1`, log: () => log, exited,
          stop: async (signal = 'SIGTERM') => { proc.kill(signal); return exited; },
        });
      }
    });
    proc.on('exit', (code) => { if (!started) reject(new Error(`omni serve exited with ${code}:\n${log}`)); });
  });
}

export function rssKiB(pid) {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
  return Number(m[1]);
}

let failures = 0;
let checks = 0;
export function check(cond, what, detail = '') {
  checks++;
  if (cond) {
    console.log(`ok   ${what}`);
  } else {
    failures++;
    console.log(`FAIL ${what}${detail ? ': ' + detail : ''}`);
  }
}
export function summary() {
  console.log(`${checks - failures}/${checks} checks passed`);
  return failures === 0 ? 0 : 1;
}

// Reads an SSE response body into its `data:` payloads, checking the framing on the way.
export async function readSse(response) {
  const text = await response.text();
  const events = text.split('\n\n');
  const framingOk = events.at(-1) === '' && events.slice(0, -1).every((e) => e.startsWith('data: ') && !e.includes('\n'));
  return { framingOk, data: events.slice(0, -1).map((e) => e.slice(6)), text };
}
