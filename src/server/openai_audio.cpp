// POST /v1/audio/transcriptions and /v1/audio/translations: a multipart upload (file, model,
// language, prompt, response_format, temperature, stream) becomes a job on the transcription
// queue; its segments come back as one response (json, text, srt, vtt, verbose_json) or as SSE
// events (transcript.text.delta ... transcript.text.done).
#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <variant>

#include "audio/audio.h"
#include "server/multipart.h"
#include "server/openai_server.h"
#include "server/transcript_json.h"

namespace omni::server {

using json = nlohmann::ordered_json;

namespace {

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

struct AudioRequest {
  const FormPart* file = nullptr;
  std::string model, language, prompt, response_format = "json";
  float temperature = 0.0f;
  bool stream = false;
};

std::variant<AudioRequest, ApiError> parse_audio_request(const std::vector<FormPart>& parts,
                                                         bool translate) {
  AudioRequest r;
  for (const FormPart& p : parts) {
    const std::string value(p.data);
    if (p.name == "file") {
      if (!p.is_file())
        return invalid_param("file", "'file' must be an uploaded file (a part with a filename)");
      r.file = &p;
    } else if (p.name == "model") {
      r.model = value;
    } else if (p.name == "language" && !translate) {
      r.language = value;
    } else if (p.name == "prompt") {
      r.prompt = value;
    } else if (p.name == "response_format") {
      r.response_format = value;
    } else if (p.name == "temperature") {
      char* end = nullptr;
      const double t = std::strtod(value.c_str(), &end);
      if (value.empty() || *end || !std::isfinite(t) || t < 0 || t > 1)
        return invalid_param("temperature", "'temperature' must be a number from 0 to 1");
      r.temperature = float(t);
    } else if (p.name == "stream") {
      if (value != "true" && value != "false")
        return invalid_param("stream", "'stream' must be true or false");
      r.stream = value == "true";
    } else if (p.name == "timestamp_granularities[]" || p.name == "timestamp_granularities") {
      if (value == "word")
        return invalid_param("timestamp_granularities",
                             "word timestamps are not supported; use 'segment'");
      if (value != "segment")
        return invalid_param("timestamp_granularities", "unknown granularity '" + value + "'");
    }
    // Other fields (include[], chunking_strategy, ...) are accepted and ignored.
  }
  if (!r.file) return invalid_param("file", "you must provide a file (the audio to transcribe)");
  if (r.model.empty()) return invalid_param("model", "you must provide a model parameter");
  static const char* const kFormats[] = {"json", "text", "srt", "vtt", "verbose_json"};
  if (std::find(std::begin(kFormats), std::end(kFormats), r.response_format) ==
      std::end(kFormats)) {
    return invalid_param("response_format", "'" + r.response_format +
                                                "' is not one of json, text, srt, vtt, "
                                                "verbose_json");
  }
  if (r.stream && r.response_format != "json" && r.response_format != "text")
    return invalid_param("stream", "streaming is available with response_format json or text");
  if (!r.language.empty() && (r.language.size() < 2 || r.language.size() > 3 ||
                              !std::all_of(r.language.begin(), r.language.end(),
                                           [](char c) { return c >= 'a' && c <= 'z'; })))
    return invalid_param("language", "'language' must be an ISO-639-1 code such as 'en'");
  return r;
}

}  // namespace

void handle_audio_transcription(OpenAiServer& server, OpenAiServer::RequestContext& ctx,
                                const HttpRequest& req, HttpExchange& ex, bool translate) {
  TranscriptionQueue* queue = server.transcriptions();
  auto parts = parse_multipart(req.header("content-type"), req.body);
  if (!parts.ok()) return send_error(ctx, ex, invalid_param("", parts.status().message()));
  auto parsed = parse_audio_request(*parts, translate);
  if (auto* e = std::get_if<ApiError>(&parsed)) return send_error(ctx, ex, *e);
  AudioRequest& r = std::get<AudioRequest>(parsed);
  ctx.model = r.model;
  const ServerOptions& o = server.options();
  if (!queue || (r.model != o.whisper_model_id && r.model != "whisper-1")) {
    ApiError e;
    e.http_status = 404;
    e.code = "model_not_found";
    e.param = "model";
    e.message = queue
                    ? "The model '" + r.model + "' does not exist; this server transcribes with '" +
                          o.whisper_model_id + "' (or 'whisper-1')"
                    : "The model '" + r.model +
                          "' does not exist; this server has no speech-to-text model (start "
                          "omni serve with --whisper MODEL)";
    return send_error(ctx, ex, e);
  }
  // Decoding the upload is parsing: it happens here, on the I/O thread.
  const std::string label = r.file->filename;
  auto audio = load_audio(reinterpret_cast<const uint8_t*>(r.file->data.data()),
                          r.file->data.size(), label, kWhisperSampleRate);
  if (!audio.ok()) {
    return send_error(
        ctx, ex,
        invalid_param("file", "could not decode the audio file: " + audio.status().message() +
                                  " (supported: wav, mp3, flac, ogg, opus)"));
  }
  TranscribeOptions options;
  options.language = r.language;
  options.translate = translate;
  options.prompt = r.prompt;
  options.temperature = r.temperature;
  options.max_tokens_per_window = o.asr_max_tokens;
  options.beam_size = options.best_of = o.asr_beam;
  if (!o.asr_fallback) options.temperature_increment = 0.0f;
  auto submitted = queue->submit(std::move(audio->samples), options);
  if (!submitted.ok()) return send_error(ctx, ex, api_error_from_status(submitted.status()));
  std::shared_ptr<TranscriptionJob> job = std::move(*submitted);

  bool streaming = false;
  if (r.stream) {
    if (!ex.begin_stream(200, "text/event-stream", {{"x-request-id", ctx.id}})) {
      job->cancel();
      ctx.status = 499;
      return;
    }
    streaming = true;
  }
  std::vector<TranscriptionEvent> events;
  for (;;) {
    events.clear();
    if (!job->wait(&events, std::chrono::milliseconds(50))) {
      if (ex.peer_closed()) {
        job->cancel();
        ctx.status = 499;
        return;
      }
      continue;
    }
    for (TranscriptionEvent& e : events) {
      if (e.kind == TranscriptionEvent::Kind::kSegment) {
        if (ctx.ttft_ms < 0) {
          ctx.ttft_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                                  ctx.start)
                            .count();
        }
        ctx.completion_tokens += int64_t(e.segment.tokens.size());
        if (streaming &&
            !ex.write("data: " +
                      dump(json{{"type", "transcript.text.delta"}, {"delta", e.segment.text}}) +
                      "\n\n")) {
          job->cancel();
          ctx.status = 499;
          return;
        }
        continue;
      }
      if (e.kind == TranscriptionEvent::Kind::kError) {
        ApiError err = api_error_from_status(e.error);
        if (e.error.code() == StatusCode::kUnsupported) err.http_status = 400;
        if (!streaming) return send_error(ctx, ex, err);
        ctx.status = 500;
        ex.write("data: " + error_body(err) + "\n\n");
        ex.end_stream();
        return;
      }
      // Done.
      const Transcript& t = e.transcript;
      ctx.finish_reason = "stop";
      if (streaming) {
        json done{{"type", "transcript.text.done"},
                  {"text", t.text},
                  {"usage", {{"type", "duration"}, {"seconds", int64_t(std::ceil(t.duration))}}}};
        ex.write("data: " + dump(done) + "\n\n");
        ex.end_stream();
        return;
      }
      const std::map<std::string, std::string> headers = {{"x-request-id", ctx.id}};
      if (r.response_format == "json") {
        ex.respond(200, "application/json", transcript_json(t), headers);
      } else if (r.response_format == "verbose_json") {
        Transcript v = t;
        v.task = translate ? "translate" : "transcribe";
        ex.respond(200, "application/json", transcript_verbose_json(v), headers);
      } else if (r.response_format == "text") {
        ex.respond(200, "text/plain; charset=utf-8", t.text + "\n", headers);
      } else if (r.response_format == "srt") {
        ex.respond(200, "text/plain; charset=utf-8", to_srt(t), headers);
      } else {
        ex.respond(200, "text/vtt; charset=utf-8", to_vtt(t), headers);
      }
      return;
    }
  }
}

}  // namespace omni::server
