// omni serve: the OpenAI-compatible HTTP server over one model, until SIGINT or SIGTERM.
#include <signal.h>

#include <cstdio>
#include <filesystem>

#include "args.h"
#include "base/log.h"
#include "commands.h"
#include "models/audio/whisper/whisper_model.h"
#include "models/text/text_model.h"
#include "server/openai_server.h"

namespace omni::cli {

namespace {

const std::vector<OptionSpec> kSpecs = {
    {{"-m", "--model"}, true, "FILE      model (GGUF file or Hugging Face directory)"},
    {{"--host"}, true, "ADDR         address to listen on (default 127.0.0.1)"},
    {{"--port"}, true, "N            port (default 8080; 0 picks a free one)"},
    {{"--api-key"},
     true,
     "KEY       accepted API key (repeatable, or comma-separated); none: no auth"},
    {{"--parallel", "-np"}, true, "N   sequences generated at once (default 4)"},
    {{"--ctx", "-c"}, true, "N        context per sequence in tokens (default 4096)"},
    {{"--batch", "-b"}, true, "N      tokens evaluated per step (default 512)"},
    {{"--kv-type"}, true, "T        key/value cache elements: f16 (default) or f32"},
    {{"--max-queue"}, true, "N        requests waiting for a slot before 429 (default 64)"},
    {{"--max-body-mb"}, true, "N      largest request body in MiB (default 32)"},
    {{"--alias"}, true, "NAME         the model id clients use (default: the file name)"},
    {{"--whisper"},
     true,
     "FILE       a Whisper model (whisper.cpp .bin or HF directory) for /v1/audio"},
    {{"--asr-max-tokens"}, true, "N  most text tokens per 30 s window of speech (default 224)"},
    {{"--asr-beam"},
     true,
     "N        beams at temperature 0, and draws above it (default 5; 1: greedy)"},
    {{"--asr-no-fallback"}, false, "  never retry a window at a higher temperature"},
    {{"--whisper-alias"},
     true,
     "NAME the Whisper model's id (default: the file name; 'whisper-1' always works)"},
    {{"-t", "--threads"}, true, "N    compute threads (default: all cores)"},
    {{"--shutdown-timeout"}, true, "S  seconds requests may finish after SIGTERM (default 10)"},
    {{"-h", "--help"}, false, "       this help"},
};

std::string default_model_id(const std::string& path) {
  std::filesystem::path p(path);
  if (p.has_filename() && (p.extension() == ".gguf" || p.extension() == ".bin"))
    return p.stem().string();
  return p.has_filename() ? p.filename().string() : p.parent_path().filename().string();
}

}  // namespace

int run_serve_command(int argc, char** argv) {
  auto args = Args::parse(argc, argv, 2, kSpecs);
  if (!args.ok()) {
    std::fprintf(stderr, "omni serve: %s\n", args.status().message().c_str());
    return 2;
  }
  if (args->has("-h") || (!args->has("-m") && !args->has("--whisper"))) {
    std::fprintf(args->has("-h") ? stdout : stderr,
                 "usage: omni serve [-m MODEL] [--whisper WHISPER_MODEL] [options]\n\n"
                 "An OpenAI-compatible API: /v1/chat/completions and /v1/completions with a text\n"
                 "model (continuous batching), /v1/audio/transcriptions and translations with a\n"
                 "Whisper model, /v1/models, /health, /metrics.\n\noptions:\n%s",
                 usage_lines(kSpecs).c_str());
    return args->has("-h") ? 0 : 2;
  }
  server::ServerOptions o;
  o.host = args->get("--host", "127.0.0.1");
  auto port = args->get_int("--port", 8080);
  auto parallel = args->get_int("--parallel", 4);
  auto ctx = args->get_int("--ctx", 4096);
  auto batch = args->get_int("--batch", 512);
  auto queue = args->get_int("--max-queue", 64);
  auto body = args->get_int("--max-body-mb", 32);
  auto threads = args->get_int("-t", int64_t(std::max(1u, std::thread::hardware_concurrency())));
  auto drain = args->get_float("--shutdown-timeout", 10.0);
  auto asr_max_tokens = args->get_int("--asr-max-tokens", 224);
  auto asr_beam = args->get_int("--asr-beam", 5);
  for (const Status* s : {&port.status(), &parallel.status(), &ctx.status(), &batch.status(),
                          &queue.status(), &body.status(), &threads.status(), &drain.status(),
                          &asr_max_tokens.status(), &asr_beam.status()}) {
    if (!s->ok()) {
      std::fprintf(stderr, "omni serve: %s\n", s->message().c_str());
      return 2;
    }
  }
  if (*port < 0 || *port > 65535 || *parallel < 1 || *ctx < 1 || *batch < 1 || *queue < 0 ||
      *body < 1 || *threads < 1 || *drain < 0) {
    std::fprintf(stderr,
                 "omni serve: --port must be 0..65535 and --parallel, --ctx, --batch, "
                 "--max-body-mb, -t at least 1\n");
    return 2;
  }
  o.port = int(*port);
  o.scheduler.n_slots = int(*parallel);
  o.scheduler.n_ctx = *ctx;
  o.scheduler.n_batch = *batch;
  auto kv_type = parse_kv_type(args->get("--kv-type", "f16"));
  if (!kv_type.ok()) {
    std::fprintf(stderr, "omni serve: %s\n", kv_type.status().message().c_str());
    return 2;
  }
  o.scheduler.kv_type = *kv_type;
  o.scheduler.max_queued = int(*queue);
  o.scheduler.n_threads = int(*threads);
  o.max_body_bytes = uint64_t(*body) << 20;
  for (const std::string& keys : args->get_all("--api-key")) {
    size_t start = 0;
    while (start <= keys.size()) {
      const size_t comma = std::min(keys.find(',', start), keys.size());
      if (comma > start) o.api_keys.push_back(keys.substr(start, comma - start));
      start = comma + 1;
    }
  }
  const std::string path = args->get("-m");
  const std::string whisper_path = args->get("--whisper");
  o.model_id = path.empty() ? "" : args->get("--alias", default_model_id(path));
  o.whisper_model_id =
      whisper_path.empty() ? "" : args->get("--whisper-alias", default_model_id(whisper_path));
  o.asr_threads = int(*threads);
  o.asr_max_tokens = int(std::clamp<int64_t>(*asr_max_tokens, 1, 224));
  o.asr_beam = int(std::clamp<int64_t>(*asr_beam, 1, 16));
  o.asr_fallback = !args->has("--asr-no-fallback");

  // Signals are taken by this thread alone (sigwait below): block them before any thread starts.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  std::unique_ptr<TextModel> model;
  if (!path.empty()) {
    auto loaded = TextModel::load(path);
    if (!loaded.ok()) {
      std::fprintf(stderr, "omni serve: %s\n", loaded.status().to_string().c_str());
      return 1;
    }
    model = std::move(*loaded);
  }
  std::unique_ptr<WhisperModel> whisper;
  if (!whisper_path.empty()) {
    auto loaded = WhisperModel::load(whisper_path);
    if (!loaded.ok()) {
      std::fprintf(stderr, "omni serve: %s\n", loaded.status().to_string().c_str());
      return 1;
    }
    whisper = std::make_unique<WhisperModel>(std::move(*loaded));
  }
  server::OpenAiServer srv(model.get(), whisper.get(), o);
  if (Status s = srv.start(); !s.ok()) {
    std::fprintf(stderr, "omni serve: %s\n", s.to_string().c_str());
    return 1;
  }
  if (model) {
    log_message(LogLevel::kInfo, "text model '%s' (%s): %d slots of %lld tokens, %d threads",
                o.model_id.c_str(), path.c_str(), o.scheduler.n_slots,
                (long long)std::min<int64_t>(o.scheduler.n_ctx, model->hparams().n_ctx_train),
                o.scheduler.n_threads);
  }
  if (whisper) {
    log_message(LogLevel::kInfo, "speech-to-text model '%s' (%s), %d threads",
                o.whisper_model_id.c_str(), whisper_path.c_str(), o.asr_threads);
  }
  log_message(LogLevel::kInfo, "serving on http://%s:%d/v1%s", o.host.c_str(), srv.port(),
              o.api_keys.empty() ? "" : " (API keys required)");
  int sig = 0;
  sigwait(&stop_signals, &sig);
  log_message(LogLevel::kInfo, "%s: shutting down (requests in progress get %.1f s to finish)",
              sig == SIGINT ? "SIGINT" : "SIGTERM", *drain);
  srv.shutdown(std::chrono::milliseconds(int64_t(*drain * 1000)));
  log_message(LogLevel::kInfo, "stopped");
  return 0;
}

}  // namespace omni::cli
