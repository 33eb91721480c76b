// Load test: 32 concurrent streaming clients x 5 requests each through the official SDK; 20% of
// the requests disconnect mid-stream. Passes when every other request completes without error and
// the server's RSS returns to within 10% of its idle level. Prints throughput and time to first
// token (p50, p99) as measured by the clients.
import OpenAI from 'openai';
import { check, parseArgs, rssKiB, startServer, summary, synthModel } from './harness.mjs';

const args = parseArgs(process.argv);
const CLIENTS = Number(args.clients ?? 32);
const PER_CLIENT = Number(args.requests ?? 5);
const MAX_TOKENS = Number(args['max-tokens'] ?? 48);
const model = args.model ?? synthModel(args.omni, `${args.workdir}/tiny-qwen2-load.gguf`);
const server = await startServer(args.omni, model, ['--parallel', args.parallel ?? '8', '--alias', 'm', '--max-queue', '64']);
const client = new OpenAI({ apiKey: 'none', baseURL: server.baseURL, maxRetries: 0 });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Warm up (first touch of the weights and caches), then take the idle RSS.
await client.chat.completions.create({ model: 'm', max_tokens: 8, messages: [{ role: 'user', content: 'warm up' }] });
await sleep(300);
const idleRss = rssKiB(server.proc.pid);

const ttft = [];
let completionTokens = 0;
let errors = 0;
let aborted = 0;
const errorSamples = [];
const t0 = performance.now();
async function one(clientIndex, requestIndex) {
  const disconnect = (clientIndex * PER_CLIENT + requestIndex) % 5 === 0;  // 20% of requests
  const start = performance.now();
  let first = true;
  let chunks = 0;
  try {
    // A disconnecting request asks for far more tokens than it reads, so the server is still
    // generating when the client goes away. (With MAX_TOKENS the server can write the whole
    // reply into the socket before a client busy with 31 others has read its 4th chunk; it
    // then rightly logs 200, not 499.)
    const stream = await client.chat.completions.create({
      model: 'm', max_tokens: disconnect ? 1024 : MAX_TOKENS, temperature: 0.8,
      seed: clientIndex * 100 + requestIndex, stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: `client ${clientIndex} request ${requestIndex}: tell me something` }],
    });
    let done = false;
    for await (const chunk of stream) {
      if (first && chunk.choices[0]?.delta?.content) {
        first = false;
        ttft.push(performance.now() - start);
      }
      if (chunk.usage) completionTokens += chunk.usage.completion_tokens;
      if (chunk.choices[0]?.finish_reason) done = true;
      // Leaving the loop is how an SDK user stops a stream: the SDK aborts the request, which
      // closes the connection. (An abort() from inside the loop can land after the last byte has
      // arrived but before the body closes, where Node 20's fetch leaves the next read pending
      // forever.)
      if (disconnect && ++chunks === 4) break;
    }
    // A disconnecting request left the loop before its finish_reason.
    if (disconnect && !done) aborted++;
    else if (!done) throw new Error('the stream ended without a finish_reason');
  } catch (e) {
    if (disconnect && (e instanceof OpenAI.APIUserAbortError || e.name === 'AbortError')) {
      aborted++;
    } else {
      errors++;
      if (errorSamples.length < 5) errorSamples.push(`${e.constructor.name}: ${e.message}`);
    }
  }
}
await Promise.all(Array.from({ length: CLIENTS }, async (_, c) => {
  for (let r = 0; r < PER_CLIENT; r++) await one(c, r);
}));
const seconds = (performance.now() - t0) / 1000;

// Settle: the aborted generations are cancelled and every connection closes.
let busy = -1;
let m = '';
for (let i = 0; i < 100 && busy !== 0; i++) {
  m = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
  busy = Number(m.match(/omni_slots_busy (\d+)/)[1]) + Number(m.match(/omni_requests_in_flight (\d+)/)[1]) - 1;
  if (busy !== 0) await sleep(20);
}
await sleep(300);
const afterRss = rssKiB(server.proc.pid);
const sorted = [...ttft].sort((a, b) => a - b);
const pct = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
const result = {
  clients: CLIENTS, requests: CLIENTS * PER_CLIENT, disconnected: aborted, errors,
  seconds: +seconds.toFixed(2), completion_tokens: completionTokens,
  tokens_per_second: +(completionTokens / seconds).toFixed(1),
  requests_per_second: +((CLIENTS * PER_CLIENT) / seconds).toFixed(2),
  ttft_ms_p50: +pct(0.5).toFixed(1), ttft_ms_p99: +pct(0.99).toFixed(1),
  rss_idle_mib: +(idleRss / 1024).toFixed(1), rss_after_mib: +(afterRss / 1024).toFixed(1),
};
console.log(JSON.stringify(result));
check(errors === 0, `0 errors for the ${CLIENTS * PER_CLIENT - aborted} requests that stayed`, errorSamples.join(' | '));
check(aborted === CLIENTS * PER_CLIENT / 5, `${aborted} requests disconnected mid-stream (20%)`);
check(busy === 0, 'every slot is free afterwards');
// Every request ends as 200 or 499. A client that leaves just as its reply ends (a stop token
// sampled right after its 4th chunk) may find the server already done: that reply is a 200, so
// the server's 200s beyond the warm-up and the requests that stayed are such replies.
const countStatus = (status) => Number(m.match(new RegExp(
    `omni_requests_total\\{endpoint="/v1/chat/completions",status="${status}"\\} (\\d+)`))?.[1] ?? 0);
const gone = countStatus(499);
const finishedFirst = countStatus(200) - 1 - (CLIENTS * PER_CLIENT - aborted);
check(gone + finishedFirst === aborted && gone >= aborted / 2,
      `the server saw ${gone} clients go away (499) and cancelled their generations` +
      ` (${finishedFirst} more had their whole reply already)`);
if (args['rss-check'] === 'off') {
  // Under AddressSanitizer freed memory sits in its quarantine and allocator caches, so RSS says
  // nothing about the server; LeakSanitizer checks for leaks at exit instead.
  console.log(`skip RSS back within 10% of idle: not meaningful under sanitizers (${result.rss_idle_mib} -> ${result.rss_after_mib} MiB)`);
} else {
  check(afterRss <= idleRss * 1.10, `RSS back within 10% of idle (${result.rss_idle_mib} -> ${result.rss_after_mib} MiB)`);
}
const exit = await server.stop('SIGTERM');
check(exit.code === 0, 'the server exits 0');
process.exit(summary());
