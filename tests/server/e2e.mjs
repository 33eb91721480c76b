// End-to-end: the official `openai` Node SDK (and raw fetch for the wire format) against
// `omni serve` on a random-weight model. Prints one line per check; exits 1 on any failure.
import OpenAI from 'openai';
import { check, parseArgs, readSse, startServer, summary, synthModel } from './harness.mjs';

const args = parseArgs(process.argv);
const model = synthModel(args.omni, `${args.workdir}/tiny-qwen2.gguf`);
const KEY = 'sk-omni-test';
const server = await startServer(args.omni, model, ['--api-key', KEY, '--parallel', '4', '--alias', 'tiny']);
const client = new OpenAI({ apiKey: KEY, baseURL: server.baseURL, maxRetries: 0 });
const user = (content) => [{ role: 'user', content }];

async function expectError(promise, Klass, status, what, extra = () => true) {
  try {
    await promise;
    check(false, what, 'no error was raised');
  } catch (e) {
    check(e instanceof Klass && e.status === status && extra(e), what,
          `${e.constructor.name} ${e.status} ${e.message}`);
  }
}

// Models.
const models = await client.models.list();
check(models.data.length === 1 && models.data[0].id === 'tiny' && models.data[0].object === 'model',
      'models.list names the served model', JSON.stringify(models.data));
const one = await client.models.retrieve('tiny');
check(one.id === 'tiny' && one.owned_by === 'omni', 'models.retrieve');
await expectError(client.models.retrieve('gpt-9'), OpenAI.NotFoundError, 404, 'unknown model id -> NotFoundError');

// Chat, all roles, both content forms.
const chat = await client.chat.completions.create({
  model: 'tiny', max_tokens: 12, temperature: 0,
  messages: [
    { role: 'system', content: 'You are terse.' },
    { role: 'developer', content: [{ type: 'text', text: 'Answer in English.' }] },
    { role: 'user', content: 'Hello' },
    { role: 'assistant', content: 'Hi.' },
    { role: 'user', content: [{ type: 'text', text: 'How are ' }, { type: 'text', text: 'you?' }] },
  ],
});
check(chat.object === 'chat.completion' && chat.id.startsWith('chatcmpl-') && chat.choices.length === 1,
      'chat.completions.create returns a chat.completion');
check(typeof chat.choices[0].message.content === 'string' && chat.choices[0].message.role === 'assistant',
      'the message is the assistant\'s text');
check(['stop', 'length'].includes(chat.choices[0].finish_reason), 'finish_reason', chat.choices[0].finish_reason);
const u = chat.usage;
check(u.prompt_tokens > 20 && u.completion_tokens >= 1 && u.completion_tokens <= 12 &&
      u.total_tokens === u.prompt_tokens + u.completion_tokens &&
      u.prompt_tokens_details.cached_tokens >= 0, 'usage adds up', JSON.stringify(u));
const withResponse = await client.chat.completions.create({ model: 'tiny', max_tokens: 2, messages: user('id?') }).withResponse();
check(/^req_[0-9a-f]{12}$/.test(withResponse.request_id ?? ''), 'the SDK sees x-request-id', String(withResponse.request_id));

// Prefix reuse: the same conversation again reuses the cached prompt.
const again = await client.chat.completions.create({ model: 'tiny', max_tokens: 4, temperature: 0, messages: user('Tell me a story about a cat.') });
const again2 = await client.chat.completions.create({ model: 'tiny', max_tokens: 4, temperature: 0, messages: user('Tell me a story about a cat.') });
check(again2.usage.prompt_tokens_details.cached_tokens === again2.usage.prompt_tokens - 1,
      'a repeated prompt reports its cached tokens', JSON.stringify(again2.usage.prompt_tokens_details));
check(again.choices[0].message.content === again2.choices[0].message.content, 'greedy replies repeat');

// Streaming through the SDK with include_usage.
const stream = await client.chat.completions.create({
  model: 'tiny', max_tokens: 16, temperature: 0, stream: true, stream_options: { include_usage: true },
  messages: user('Tell me a story about a cat.'),
});
const chunks = [];
for await (const c of stream) chunks.push(c);
const streamedText = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
check(chunks[0].choices[0].delta.role === 'assistant' && chunks[0].choices[0].delta.content === '',
      'first chunk carries the role');
const finishChunk = chunks.at(-2);
check(finishChunk.choices[0].finish_reason !== null && Object.keys(finishChunk.choices[0].delta).length === 0,
      'the finish chunk has an empty delta and the finish_reason');
const usageChunk = chunks.at(-1);
check(usageChunk.choices.length === 0 && usageChunk.usage.completion_tokens >= 1, 'last chunk: empty choices + usage');
check(chunks.slice(0, -1).every((c) => c.usage === null), 'every other chunk has usage: null');
check(new Set(chunks.map((c) => c.id)).size === 1 && new Set(chunks.map((c) => c.created)).size === 1,
      'same id and created on every chunk');
const nonStream = await client.chat.completions.create({ model: 'tiny', max_tokens: 16, temperature: 0, messages: user('Tell me a story about a cat.') });
check(streamedText === nonStream.choices[0].message.content, 'streamed text equals the non-streamed text',
      `${JSON.stringify(streamedText)} vs ${JSON.stringify(nonStream.choices[0].message.content)}`);

// The wire format, byte for byte, with fetch.
const raw = await fetch(`${server.baseURL}/chat/completions`, {
  method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
  body: JSON.stringify({ model: 'tiny', max_tokens: 5, temperature: 0, stream: true, stream_options: { include_usage: true }, messages: user('hi') }),
});
check(raw.headers.get('content-type').startsWith('text/event-stream') && raw.headers.get('x-request-id')?.startsWith('req_'),
      'SSE content type and x-request-id');
const sse = await readSse(raw);
check(sse.framingOk, 'every event is one "data: " line followed by a blank line', sse.text.slice(0, 200));
check(sse.data.at(-1) === '[DONE]', 'the stream ends with data: [DONE]');
const parsed = sse.data.slice(0, -1).map((d) => JSON.parse(d));
check(parsed[0].choices[0].delta.role === 'assistant' && parsed.at(-1).choices.length === 0 && parsed.at(-1).usage &&
      parsed.at(-2).choices[0].finish_reason, 'role chunk, deltas, finish chunk, usage chunk, [DONE]');

// Stop sequences.
const long = await client.chat.completions.create({ model: 'tiny', max_tokens: 40, temperature: 0, messages: user('Count to ten.') });
const full = long.choices[0].message.content;
if (full.length > 12) {
  const stopAt = full.slice(Math.floor(full.length / 2), Math.floor(full.length / 2) + 3);
  const cut = await client.chat.completions.create({ model: 'tiny', max_tokens: 40, temperature: 0, stop: [stopAt, 'never-here'], messages: user('Count to ten.') });
  check(cut.choices[0].message.content === full.slice(0, full.indexOf(stopAt)) && cut.choices[0].finish_reason === 'stop',
        'stop ends the text before the stop sequence', `${JSON.stringify(stopAt)} in ${JSON.stringify(full)}`);
} else {
  check(false, 'stop sequence test needs a longer reply', JSON.stringify(full));
}

// Seeds: the same seed gives the same sampled reply; another seed another.
const sampled = (seed) => client.chat.completions.create({ model: 'tiny', max_tokens: 24, temperature: 1.0, seed, messages: user('Surprise me.') })
  .then((r) => r.choices[0].message.content);
const [a1, a2, b1] = await Promise.all([sampled(42), sampled(42), sampled(43)]);
check(a1 === a2, 'same seed, same reply (even when batched together)', `${JSON.stringify(a1)} vs ${JSON.stringify(a2)}`);
check(a1 !== b1, 'another seed, another reply');
check(chat.system_fingerprint?.startsWith('fp_omni'), 'system_fingerprint');

// n choices.
const two = await client.chat.completions.create({ model: 'tiny', max_tokens: 6, temperature: 1, seed: 7, n: 3, messages: user('Pick one.') });
check(two.choices.length === 3 && two.choices.map((c) => c.index).join() === '0,1,2', 'n=3 gives three choices');

// Logprobs.
const lp = await client.chat.completions.create({ model: 'tiny', max_tokens: 8, temperature: 0, logprobs: true, top_logprobs: 3, messages: user('Hello') });
const content = lp.choices[0].logprobs.content;
check(content.length === lp.usage.completion_tokens || content.length === lp.usage.completion_tokens - 1,
      'one logprob entry per generated token', `${content.length} vs ${lp.usage.completion_tokens}`);
check(content.every((t) => t.logprob <= 0 && t.top_logprobs.length === 3 && Array.isArray(t.bytes) &&
      t.top_logprobs[0].logprob >= t.logprob - 1e-6), 'entries have logprob <= 0, 3 alternatives, bytes; greedy picks the top');

// Penalties, logit_bias, user: accepted. A huge bias on one token makes greedy decoding pick it.
const biased = await client.chat.completions.create({ model: 'tiny', max_tokens: 3, temperature: 0, logit_bias: { '300': 100 },
  presence_penalty: 0.5, frequency_penalty: 0.5, user: 'u-1', logprobs: true, messages: user('Hello') });
check(biased.choices[0].logprobs.content.length >= 1, 'penalties and logit_bias are accepted');

// Legacy completions.
const comp = await client.completions.create({ model: 'tiny', prompt: 'Once upon a time', max_tokens: 8, temperature: 0 });
check(comp.object === 'text_completion' && typeof comp.choices[0].text === 'string' && comp.usage.completion_tokens >= 1,
      'completions.create (legacy)');
const compStream = await client.completions.create({ model: 'tiny', prompt: 'Once upon a time', max_tokens: 8, temperature: 0, stream: true });
let compText = '';
for await (const c of compStream) compText += c.choices[0]?.text ?? '';
check(compText === comp.choices[0].text, 'legacy streaming equals non-streaming');

// Errors, mapped to the SDK's exception classes.
const badKey = new OpenAI({ apiKey: 'sk-wrong', baseURL: server.baseURL, maxRetries: 0 });
await expectError(badKey.chat.completions.create({ model: 'tiny', messages: user('x') }), OpenAI.AuthenticationError, 401, 'wrong key -> AuthenticationError');
const noKey = await fetch(`${server.baseURL}/models`);
check(noKey.status === 401, 'missing key -> 401');
await expectError(client.chat.completions.create({ model: 'gpt-4o', messages: user('x') }), OpenAI.NotFoundError, 404, 'unknown model -> NotFoundError');
await expectError(client.chat.completions.create({ model: 'tiny', temperature: 5, messages: user('x') }), OpenAI.BadRequestError, 400,
  'temperature 5 -> BadRequestError naming the param', (e) => e.param === 'temperature');
await expectError(client.chat.completions.create({ model: 'tiny', messages: [{ role: 'wizard', content: 'x' }] }), OpenAI.BadRequestError, 400,
  'bad role -> 400 naming messages[0].role', (e) => e.param === 'messages[0].role');
await expectError(client.chat.completions.create({ model: 'tiny', messages: [] }), OpenAI.BadRequestError, 400, 'no messages -> 400');
await expectError(client.chat.completions.create({ model: 'tiny', max_tokens: 100000, messages: user('x') }), OpenAI.BadRequestError, 400,
  'context overflow -> 400 context_length_exceeded', (e) => e.code === 'context_length_exceeded');
await expectError(client.chat.completions.create({ model: 'tiny', messages: user('word '.repeat(3000)) }), OpenAI.BadRequestError, 400,
  'a prompt longer than the context -> context_length_exceeded', (e) => e.code === 'context_length_exceeded');
const malformed = await fetch(`${server.baseURL}/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${KEY}` }, body: '{"model": "tiny", "messages": [' });
const malformedBody = await malformed.json();
check(malformed.status === 400 && malformedBody.error.type === 'invalid_request_error' && /JSON/.test(malformedBody.error.message),
      'malformed JSON -> 400 in OpenAI\'s error shape', JSON.stringify(malformedBody));
const unknownUrl = await fetch(`${server.baseURL}/nothing`, { headers: { authorization: `Bearer ${KEY}` } });
check(unknownUrl.status === 404 && (await unknownUrl.json()).error, 'unknown URL -> 404 error object');
const health = await fetch(`http://127.0.0.1:${server.port}/health`);
check(health.status === 200, '/health');
const metrics = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
check(/omni_requests_total\{endpoint="\/v1\/chat\/completions",status="200"\} \d+/.test(metrics) &&
      /omni_time_to_first_token_seconds_bucket\{le="\+Inf"\} [1-9]/.test(metrics) &&
      /omni_inter_token_latency_seconds_count [1-9]/.test(metrics) && /omni_queue_depth 0/.test(metrics) &&
      /omni_completion_tokens_total [1-9]/.test(metrics), '/metrics: requests by status, tokens, queue depth, TTFT and ITL histograms');
check(/"event":"request","id":"req_[0-9a-f]+","method":"POST","path":"\/v1\/chat\/completions","model":"tiny","status":200,"prompt_tokens":\d+,"cached_tokens":\d+,"completion_tokens":\d+,"ttft_ms":[\d.]+,"total_ms":[\d.]+/.test(server.log()),
      'one structured log line per request');
const exit1 = await server.stop('SIGTERM');
check(exit1.code === 0, 'SIGTERM on an idle server exits 0', JSON.stringify(exit1));

// A tight server: one slot, one queued request, 1 MiB bodies.
const tight = await startServer(args.omni, model, ['--parallel', '1', '--max-queue', '1', '--max-body-mb', '1', '--alias', 'tiny', '--ctx', '2048']);
const tc = new OpenAI({ apiKey: 'none', baseURL: tight.baseURL, maxRetries: 0 });
const big = await fetch(`${tight.baseURL}/chat/completions`, { method: 'POST', body: 'x'.repeat(2 << 20) });
check(big.status === 413 && (await big.json()).error, 'an oversized body -> 413');
// A disconnecting client frees its slot at once: abort a long stream, then the slot is free again.
const ac = new AbortController();
const longStream = await tc.chat.completions.create({ model: 'tiny', max_tokens: 2000, temperature: 1, stream: true, messages: user('go on') }, { signal: ac.signal });
let seen = 0;
try { for await (const _ of longStream) { if (++seen === 3) ac.abort(); } } catch { /* aborted */ }
const t0 = Date.now();
let busy = 1;
while (busy && Date.now() - t0 < 2000) {
  const m = await (await fetch(`http://127.0.0.1:${tight.port}/metrics`)).text();
  busy = Number(m.match(/omni_slots_busy (\d+)/)[1]);
  if (busy) await new Promise((r) => setTimeout(r, 10));
}
check(busy === 0, `an aborted stream frees its slot (in ${Date.now() - t0} ms)`);
// Queue full -> 429 with retry-after, as RateLimitError: with one slot and one queue place, 8
// requests sent at once cannot all be taken, whatever their timing.
const burst = await Promise.allSettled(Array.from({ length: 8 }, (_, i) =>
  tc.chat.completions.create({ model: 'tiny', max_tokens: 200, temperature: 1, seed: i, messages: user(`burst ${i}`) })));
const refused = burst.filter((r) => r.status === 'rejected');
check(refused.length >= 1 && refused.every((r) => r.reason instanceof OpenAI.RateLimitError && r.reason.status === 429 &&
      r.reason.headers.get('retry-after')), `a full queue -> 429 RateLimitError with retry-after (${refused.length} of 8 refused)`,
      refused.map((r) => String(r.reason)).join(' | '));
check(burst.filter((r) => r.status === 'fulfilled').length >= 2, 'the requests that were taken complete');

// SIGTERM during 8 active streams: each ends cleanly ([DONE] or an error event), exit 0.
const eight = await startServer(args.omni, model, ['--parallel', '8', '--alias', 'tiny', '--shutdown-timeout', '10']);
const ends = [];
const started = [];
for (let i = 0; i < 8; i++) {
  started.push(new Promise((resolveStarted) => {
    ends.push((async () => {
      const r = await fetch(`${eight.baseURL}/chat/completions`, { method: 'POST',
        body: JSON.stringify({ model: 'tiny', max_tokens: 300, temperature: 1, seed: i, stream: true, messages: user(`stream ${i}`) }) });
      const reader = r.body.getReader();
      let text = '';
      let first = true;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
        if (first) { first = false; resolveStarted(); }
      }
      return text;
    })());
  }));
}
await Promise.all(started);
const exit8 = eight.stop('SIGTERM');
const bodies = await Promise.all(ends);
const status8 = await exit8;
check(bodies.every((b) => b.endsWith('data: [DONE]\n\n') || /data: \{"error"/.test(b)), 'all 8 streams end with [DONE] or an error event',
      bodies.map((b) => b.slice(-40)).join(' | '));
check(bodies.filter((b) => b.endsWith('data: [DONE]\n\n')).length === 8, 'the 8 streams finished within the drain time');
check(status8.code === 0, 'the server exits 0 after SIGTERM', JSON.stringify(status8));
await tight.stop('SIGINT').then((s) => check(s.code === 0, 'SIGINT exits 0 too'));

process.exit(summary());
