// End-to-end: /v1/audio/transcriptions and /v1/audio/translations through the official `openai`
// Node SDK, on a random-weight Whisper model (its words are noise; the shapes are what is tested).
import { readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import OpenAI, { toFile } from 'openai';
import { check, parseArgs, startServer, summary } from './harness.mjs';

const args = parseArgs(process.argv);
const data = args.data;  // ../shared/data
const whisper = `${args.workdir}/whisper-test.bin`;
execFileSync(args.omni, ['model', 'synth', '--arch', 'whisper', '--preset', 'test', '-o', whisper], { stdio: 'ignore' });
const server = await startServer(args.omni, null, ['--whisper', whisper, '--asr-max-tokens', '6', '--asr-beam', '2', '--asr-no-fallback']);
const client = new OpenAI({ apiKey: 'none', baseURL: server.baseURL, maxRetries: 0 });
const fullWav = readFileSync(`${data}/audio/jfk.wav`);
// The first 2.5 s of jfk.wav (16 kHz mono PCM16) as its own WAV file: short uploads keep the
// test quick; the whole 11 s file goes through once, as MP3.
function wavClip(bytes, seconds) {
  const dataAt = bytes.indexOf(Buffer.from('data')) + 8;
  const pcm = bytes.subarray(dataAt, dataAt + Math.round(seconds * 16000) * 2);
  const header = Buffer.from(bytes.subarray(0, dataAt));
  header.writeUInt32LE(header.length - 8 + pcm.length, 4);
  header.writeUInt32LE(pcm.length, dataAt - 4);
  return Buffer.concat([header, pcm]);
}
const wav = wavClip(fullWav, 2.5);
const mp3 = readFileSync(`${data}/audio/jfk.mp3`);
const upload = (bytes, name) => toFile(bytes, name);

const models = await client.models.list();
check(models.data.map((m) => m.id).join() === 'whisper-test', 'models.list shows the Whisper model', JSON.stringify(models.data));

// json (default)
const json = await client.audio.transcriptions.create({ file: await upload(wav, 'jfk.wav'), model: 'whisper-1' });
check(typeof json.text === 'string' && json.text.length > 0, 'json: {text}', JSON.stringify(json).slice(0, 120));
check(json.usage?.type === 'duration' && json.usage.seconds === 3, 'json: usage in seconds', JSON.stringify(json.usage));
// text
const text = await client.audio.transcriptions.create({ file: await upload(wav, 'jfk.wav'), model: 'whisper-test', response_format: 'text' });
check(typeof text === 'string' && text.trim() === json.text.trim(), 'text: the same transcript as a string');
// verbose_json
const verbose = await client.audio.transcriptions.create({ file: await upload(wav, 'jfk.wav'), model: 'whisper-1', response_format: 'verbose_json', timestamp_granularities: ['segment'] });
const segs = verbose.segments ?? [];
check(verbose.task === 'transcribe' && verbose.language && Math.abs(verbose.duration - 2.5) < 0.01 && segs.length >= 1,
      'verbose_json: task, language, duration, segments', JSON.stringify({ ...verbose, segments: segs.length }));
check(segs.every((s, i) => s.id === i && s.start >= 0 && s.end >= s.start && s.end <= 2.5001 && Array.isArray(s.tokens) &&
      ['seek', 'temperature', 'avg_logprob', 'compression_ratio', 'no_speech_prob'].every((k) => typeof s[k] === 'number')),
      'segments carry id, seek, start <= end within the audio, tokens and scores');
check(segs.map((s) => s.text).join('') === verbose.text, 'the segments make up the text');
// srt and vtt
const srt = await client.audio.transcriptions.create({ file: await upload(wav, 'jfk.wav'), model: 'whisper-1', response_format: 'srt' });
check(/^1\n\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}\n/.test(srt) && srt.split('\n\n').filter(Boolean).length === segs.length, 'srt: numbered cues, one per segment', srt.slice(0, 80));
const vtt = await client.audio.transcriptions.create({ file: await upload(wav, 'jfk.wav'), model: 'whisper-1', response_format: 'vtt' });
check(/^WEBVTT\n\n\d\d:\d\d:\d\d\.\d{3} --> \d\d:\d\d:\d\d\.\d{3}\n/.test(vtt), 'vtt: WEBVTT and cues', vtt.slice(0, 60));
// mp3 upload, with language and prompt
const fromMp3 = await client.audio.transcriptions.create({ file: await upload(mp3, 'jfk.mp3'), model: 'whisper-1', language: 'en', prompt: 'Kennedy' });
check(typeof fromMp3.text === 'string' && fromMp3.usage.seconds === 11, 'the whole 11 s jfk.mp3 transcribes (its duration reported)');
// streaming
const stream = await client.audio.transcriptions.create({ file: await upload(wav, 'jfk.wav'), model: 'whisper-1', stream: true });
const events = [];
for await (const e of stream) events.push(e);
const deltas = events.filter((e) => e.type === 'transcript.text.delta');
const done = events.at(-1);
check(deltas.length >= 1 && done?.type === 'transcript.text.done', 'stream: transcript.text.delta events, then transcript.text.done',
      events.map((e) => e.type).join(','));
check(deltas.map((d) => d.delta).join('') === done.text && done.text === json.text, 'the deltas add up to the final text, equal to the json one');

// Errors: not audio, empty, truncated, missing file, bad format, unknown model.
async function expect400(promise, what, re) {
  try {
    await promise;
    check(false, what, 'no error');
  } catch (e) {
    check(e instanceof OpenAI.BadRequestError && e.status === 400 && (!re || re.test(e.message)), what, `${e.constructor.name} ${e.status} ${e.message}`);
  }
}
await expect400(client.audio.transcriptions.create({ file: await upload(Buffer.from('this is not audio at all'), 'notes.txt'), model: 'whisper-1' }),
  'a file that is not audio -> 400 naming the problem', /could not decode/);
await expect400(client.audio.transcriptions.create({ file: await upload(Buffer.alloc(0), 'empty.wav'), model: 'whisper-1' }), 'an empty file -> 400');
await expect400(client.audio.transcriptions.create({ file: await upload(wav.subarray(0, wav.length / 2), 'half.wav'), model: 'whisper-1' }),
  'a truncated wav -> 400', /truncat/i);
await expect400(client.audio.transcriptions.create({ file: await upload(fullWav.subarray(0, 30), 'header.wav'), model: 'whisper-1' }),
  'a wav cut inside its header -> 400');
await expect400(client.audio.transcriptions.create({ file: await upload(mp3.subarray(0, Math.floor(mp3.length * 0.6)), 'cut.mp3'), model: 'whisper-1' }),
  'a truncated mp3 -> 400');
await expect400(client.audio.transcriptions.create({ file: await upload(wav, 'jfk.wav'), model: 'whisper-1', response_format: 'docx' }),
  'an unknown response_format -> 400');
const noFile = await fetch(`${server.baseURL}/audio/transcriptions`, { method: 'POST', body: (() => { const f = new FormData(); f.append('model', 'whisper-1'); return f; })() });
check(noFile.status === 400 && (await noFile.json()).error.param === 'file', 'no file -> 400 naming param file');
const notMultipart = await fetch(`${server.baseURL}/audio/transcriptions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
check(notMultipart.status === 400, 'a JSON body -> 400 (multipart expected)');
try {
  await client.audio.transcriptions.create({ file: await upload(wav, 'jfk.wav'), model: 'gpt-4o-transcribe-x' });
  check(false, 'unknown model -> NotFoundError', 'no error');
} catch (e) {
  check(e instanceof OpenAI.NotFoundError, 'unknown model -> NotFoundError', String(e));
}
// Chat on a server without a text model is a 404 too.
try {
  await client.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'hi' }] });
  check(false, 'chat without a text model -> NotFoundError', 'no error');
} catch (e) {
  check(e instanceof OpenAI.NotFoundError, 'chat without a text model -> NotFoundError', String(e));
}

// Translations: json and verbose_json (task "translate").
try {
  const tr = await client.audio.translations.create({ file: await upload(wav, 'jfk.wav'), model: 'whisper-1', response_format: 'verbose_json' });
  check(tr.task === 'translate' && typeof tr.text === 'string', 'translations: verbose_json with task translate', JSON.stringify(tr).slice(0, 100));
} catch (e) {
  check(false, 'translations: verbose_json with task translate', `${e.constructor.name} ${e.status} ${e.message}`);
}

const exit = await server.stop('SIGTERM');
check(exit.code === 0, 'the server exits 0');
process.exit(summary());
