#include "server/openai_server.h"

#include <nlohmann/json.hpp>
#include <thread>

#include "base/log.h"
#include "kernels/kernels.h"

namespace omni::server {

using json = nlohmann::ordered_json;

namespace {

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

void send_error(OpenAiServer::RequestContext& ctx, HttpExchange& ex, const ApiError& error) {
  ctx.status = error.http_status;
  std::map<std::string, std::string> headers = {{"x-request-id", ctx.id}};
  if (error.http_status == 429) headers["retry-after"] = "1";
  if (error.http_status == 401) headers["www-authenticate"] = "Bearer";
  ex.respond(error.http_status, "application/json", error_body(error), headers);
}

OpenAiServer::OpenAiServer(const TextModel* model, const WhisperModel* whisper,
                           ServerOptions options)
    : model_(model),
      whisper_(whisper),
      options_(std::move(options)),
      http_(
          [&] {
            HttpServerOptions h;
            h.host = options_.host;
            h.port = options_.port;
            h.max_body_bytes = options_.max_body_bytes;
            h.max_connections = options_.max_connections;
            h.on_rejected = [this](const HttpRequest&, HttpExchange& ex, int status,
                                   const std::string& message) {
              RequestContext ctx;
              ctx.id = "req_rejected";
              ApiError e;
              e.http_status = status;
              e.type = status == 413 ? "invalid_request_error" : "server_error";
              if (status == 413) e.code = "request_too_large";
              e.message = message;
              send_error(ctx, ex, e);
              metrics_.count_request("rejected", status);
            };
            return h;
          }(),
          [this](const HttpRequest& req, HttpExchange& ex) { handle(req, ex); }) {
  fingerprint_ = std::string("fp_omni_") + isa_name(select_kernels().isa);
  created_ = unix_now();
}

OpenAiServer::~OpenAiServer() {
  shutdown(std::chrono::milliseconds(0));
}

Status OpenAiServer::start() {
  if (model_) {
    scheduler_ = std::make_unique<Scheduler>(*model_, options_.scheduler);
    metrics_.add_gauge("omni_queue_depth", "Requests waiting for a slot.",
                       [this] { return double(scheduler_->stats().queued); });
    metrics_.add_gauge("omni_slots_busy", "Slots generating.",
                       [this] { return double(scheduler_->stats().active); });
    metrics_.add_gauge("omni_slots_total", "Sequences that can generate at once.",
                       [this] { return double(scheduler_->stats().n_slots); });
    metrics_.add_gauge("omni_engine_steps_total", "Batched forward passes (a counter).",
                       [this] { return double(scheduler_->stats().steps); });
  }
  if (whisper_) {
    transcriptions_ = std::make_unique<TranscriptionQueue>(*whisper_, options_.asr_threads,
                                                           options_.max_queued_transcriptions);
    metrics_.add_gauge("omni_transcriptions_queued", "Transcriptions waiting.",
                       [this] { return double(transcriptions_->queued()); });
    metrics_.add_gauge("omni_transcriptions_running", "Transcriptions running (0 or 1).",
                       [this] { return transcriptions_->busy() ? 1.0 : 0.0; });
  }
  metrics_.add_gauge("omni_requests_in_flight", "Requests being handled.",
                     [this] { return double(in_flight_.load()); });
  metrics_.add_gauge("omni_open_connections", "Open HTTP connections.",
                     [this] { return double(http_.open_connections()); });
  return http_.start();
}

void OpenAiServer::shutdown(std::chrono::milliseconds drain) {
  if (draining_.exchange(true)) return;
  http_.stop_accepting();
  const auto deadline = std::chrono::steady_clock::now() + drain;
  while (in_flight_.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (in_flight_.load() > 0) {
    log_message(LogLevel::kWarn, "shutdown: cancelling %d requests still in progress",
                in_flight_.load());
  }
  if (scheduler_) scheduler_->stop_accepting_and_cancel_all();
  if (transcriptions_) transcriptions_->stop_accepting_and_cancel_all();
  http_.join();
  scheduler_.reset();
  transcriptions_.reset();
}

void OpenAiServer::handle(const HttpRequest& req, HttpExchange& ex) {
  in_flight_.fetch_add(1);
  RequestContext ctx;
  char id[32];
  std::snprintf(id, sizeof id, "req_%012llx", (unsigned long long)next_id_.fetch_add(1));
  ctx.id = id;
  ctx.start = std::chrono::steady_clock::now();
  ctx.endpoint = req.path;
  route(ctx, req, ex);
  const double total_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - ctx.start)
          .count();
  metrics_.count_request(ctx.endpoint, ctx.status);
  if (ctx.endpoint == "/v1/chat/completions" || ctx.endpoint == "/v1/completions" ||
      ctx.endpoint.rfind("/v1/audio/", 0) == 0) {
    metrics_.request_duration.observe(total_ms / 1000.0);
    metrics_.add_tokens(ctx.prompt_tokens, ctx.completion_tokens, ctx.cached_tokens);
  }
  if (ctx.endpoint != "/health" && ctx.endpoint != "/metrics") {
    json line;
    line["event"] = "request";
    line["id"] = ctx.id;
    line["method"] = req.method;
    line["path"] = req.path;
    line["model"] = ctx.model;
    line["status"] = ctx.status;
    line["prompt_tokens"] = ctx.prompt_tokens;
    line["cached_tokens"] = ctx.cached_tokens;
    line["completion_tokens"] = ctx.completion_tokens;
    if (ctx.ttft_ms >= 0) line["ttft_ms"] = std::round(ctx.ttft_ms * 10) / 10;
    line["total_ms"] = std::round(total_ms * 10) / 10;
    if (!ctx.finish_reason.empty()) line["finish_reason"] = ctx.finish_reason;
    log_message(LogLevel::kInfo, "%s", dump(line).c_str());
  }
  in_flight_.fetch_sub(1);
}

void OpenAiServer::route(RequestContext& ctx, const HttpRequest& req, HttpExchange& ex) {
  const std::string& path = req.path;
  auto json_ok = [&](const json& body) {
    ex.respond(200, "application/json", dump(body), {{"x-request-id", ctx.id}});
  };
  if (req.method == "OPTIONS") {  // CORS preflight from a browser page
    ctx.status = 204;
    ex.respond(204, "text/plain", "",
               {{"access-control-allow-origin", "*"},
                {"access-control-allow-methods", "GET, POST, OPTIONS"},
                {"access-control-allow-headers", "*"}});
    return;
  }
  if (path == "/health") {
    const bool ok = !draining();
    ctx.status = ok ? 200 : 503;
    ex.respond(ctx.status, "application/json",
               ok ? R"({"status":"ok"})" : R"({"status":"shutting down"})");
    return;
  }
  if (path == "/metrics") {
    ex.respond(200, "text/plain; version=0.0.4; charset=utf-8", metrics_.render());
    return;
  }
  if (path.rfind("/v1/", 0) != 0) {
    ApiError e;
    e.http_status = 404;
    e.message = "Unknown request URL: " + req.method + " " + path;
    e.code = "unknown_url";
    send_error(ctx, ex, e);
    return;
  }
  // Everything under /v1 needs a key when keys are set.
  if (!options_.api_keys.empty()) {
    const std::string auth = req.header("authorization");
    const std::string key = auth.rfind("Bearer ", 0) == 0 ? auth.substr(7) : "";
    if (std::find(options_.api_keys.begin(), options_.api_keys.end(), key) ==
        options_.api_keys.end()) {
      ApiError e;
      e.http_status = 401;
      e.code = "invalid_api_key";
      e.message = key.empty() ? "You didn't provide an API key. Send it in the Authorization "
                                "header as 'Bearer YOUR_KEY'."
                              : "Incorrect API key provided.";
      send_error(ctx, ex, e);
      return;
    }
  }
  if (draining()) {
    ApiError e;
    e.http_status = 503;
    e.type = "server_error";
    e.message = "the server is shutting down";
    send_error(ctx, ex, e);
    return;
  }
  auto model_json = [&](const std::string& id) {
    json m;
    m["id"] = id;
    m["object"] = "model";
    m["created"] = created_;
    m["owned_by"] = "omni";
    return m;
  };
  std::vector<std::string> ids;
  if (model_) ids.push_back(options_.model_id);
  if (whisper_) ids.push_back(options_.whisper_model_id);
  const bool get = req.method == "GET", post = req.method == "POST";
  if (path == "/v1/models" && get) {
    json list;
    list["object"] = "list";
    list["data"] = json::array();
    for (const auto& id : ids) list["data"].push_back(model_json(id));
    json_ok(list);
  } else if (path.rfind("/v1/models/", 0) == 0 && get) {
    const std::string id = path.substr(11);
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) {
      ApiError e;
      e.http_status = 404;
      e.code = "model_not_found";
      e.param = "model";
      e.message = "The model '" + id + "' does not exist";
      send_error(ctx, ex, e);
    } else {
      json_ok(model_json(id));
    }
  } else if (path == "/v1/chat/completions" && post) {
    handle_chat_completions(*this, ctx, req, ex);
  } else if (path == "/v1/completions" && post) {
    handle_text_completions(*this, ctx, req, ex);
  } else if (path == "/v1/audio/transcriptions" && post) {
    handle_audio_transcription(*this, ctx, req, ex, /*translate=*/false);
  } else if (path == "/v1/audio/translations" && post) {
    handle_audio_transcription(*this, ctx, req, ex, /*translate=*/true);
  } else {
    const bool known = path == "/v1/models" || path == "/v1/chat/completions" ||
                       path == "/v1/completions" || path.rfind("/v1/models/", 0) == 0 ||
                       path == "/v1/audio/transcriptions" || path == "/v1/audio/translations";
    ApiError e;
    e.http_status = known ? 405 : 404;
    e.message =
        (known ? "Method not allowed: " : "Unknown request URL: ") + req.method + " " + path;
    send_error(ctx, ex, e);
  }
}

}  // namespace omni::server
