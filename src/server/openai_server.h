// The OpenAI-compatible HTTP API over a text model and/or a Whisper model:
//   GET  /health, /metrics, /v1/models, /v1/models/{id}
//   POST /v1/chat/completions, /v1/completions          (text model; JSON or SSE streams)
//   POST /v1/audio/transcriptions, /v1/audio/translations  (Whisper model; multipart uploads)
// Requests are parsed into native types by I/O threads; generation runs on the scheduler's one
// engine thread (continuous batching); events come back through per-request channels and are
// formatted here. Errors use OpenAI's shape. One JSON log line per request.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "engine/scheduler.h"
#include "engine/transcription_queue.h"
#include "server/api_error.h"
#include "server/http_server.h"
#include "server/metrics.h"

namespace omni::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::vector<std::string> api_keys;  // empty: no authentication
  std::string model_id;               // the text model's name for clients (default: file stem)
  std::string whisper_model_id;       // the Whisper model's name ("whisper-1" is also accepted)
  int asr_threads = 1;                // Whisper compute threads
  int asr_max_tokens = 224;           // text tokens per 30 s window
  int asr_beam = 5;                   // beams at temperature 0 and draws above it (1: greedy)
  bool asr_fallback = true;           // retry a failed window at higher temperatures
  int max_queued_transcriptions = 16;
  SchedulerOptions scheduler;
  uint64_t max_body_bytes = 32ull << 20;
  int max_connections = 512;
};

class OpenAiServer {
 public:
  // Either model may be null (not served), not both.
  OpenAiServer(const TextModel* model, const WhisperModel* whisper, ServerOptions options);
  ~OpenAiServer();

  Status start();
  int port() const { return http_.port(); }
  // Graceful shutdown: stop accepting, let requests in progress finish for up to `drain`, cancel
  // what is left (streams get an error event), and wait for every connection to close.
  void shutdown(std::chrono::milliseconds drain);

  // Implementation, shared by the endpoint files.
  struct RequestContext;
  const TextModel* model() const { return model_; }  // null: no text model
  const ServerOptions& options() const { return options_; }
  Scheduler& scheduler() { return *scheduler_; }
  TranscriptionQueue* transcriptions() { return transcriptions_.get(); }  // null: no Whisper
  Metrics& metrics() { return metrics_; }
  bool draining() const { return draining_.load(); }
  const std::string& system_fingerprint() const { return fingerprint_; }

 private:
  void handle(const HttpRequest& req, HttpExchange& ex);
  void route(RequestContext& ctx, const HttpRequest& req, HttpExchange& ex);

  const TextModel* model_;
  const WhisperModel* whisper_;
  ServerOptions options_;
  std::string fingerprint_;
  int64_t created_ = 0;
  Metrics metrics_;
  std::unique_ptr<Scheduler> scheduler_;
  std::unique_ptr<TranscriptionQueue> transcriptions_;
  HttpServer http_;
  std::atomic<bool> draining_{false};
  std::atomic<int> in_flight_{0};
  std::atomic<uint64_t> next_id_{1};
};

// What a request did, for its log line and the metrics.
struct OpenAiServer::RequestContext {
  std::string id;  // also sent as x-request-id
  std::string endpoint;
  std::chrono::steady_clock::time_point start;
  int status = 200;
  std::string model;
  int64_t prompt_tokens = 0, completion_tokens = 0, cached_tokens = 0;
  double ttft_ms = -1;
  std::string finish_reason;
};

// Endpoints (openai_completions.cpp).
void handle_chat_completions(OpenAiServer& server, OpenAiServer::RequestContext& ctx,
                             const HttpRequest& req, HttpExchange& ex);
void handle_text_completions(OpenAiServer& server, OpenAiServer::RequestContext& ctx,
                             const HttpRequest& req, HttpExchange& ex);
// Endpoints (openai_audio.cpp).
void handle_audio_transcription(OpenAiServer& server, OpenAiServer::RequestContext& ctx,
                                const HttpRequest& req, HttpExchange& ex, bool translate);
// Sends an error response in OpenAI's shape and records its status.
void send_error(OpenAiServer::RequestContext& ctx, HttpExchange& ex, const ApiError& error);

}  // namespace omni::server
