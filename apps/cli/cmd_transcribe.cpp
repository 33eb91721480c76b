// omni transcribe: speech to text with a Whisper model, as plain text, SubRip, WebVTT or
// OpenAI's json / verbose_json shapes.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "args.h"
#include "audio/audio.h"
#include "base/mapped_file.h"
#include "commands.h"
#include "engine/transcribe.h"
#include "models/audio/whisper/whisper_model.h"
#include "server/transcript_json.h"

namespace omni::cli {
namespace {

int fail(const Status& s) {
  std::fprintf(stderr, "omni: error: %s\n", s.to_string().c_str());
  return 1;
}

std::string clock_time(double seconds) {
  const long long s = (long long)(seconds);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
  return buf;
}

StatusOr<std::string> render(const Transcript& t, const std::string& format) {
  if (format == "txt" || format == "text") {
    const size_t b = t.text.find_first_not_of(" \n");
    const size_t e = t.text.find_last_not_of(" \n");
    return (b == std::string::npos ? std::string() : t.text.substr(b, e - b + 1)) + "\n";
  }
  if (format == "srt") return to_srt(t);
  if (format == "vtt") return to_vtt(t);
  if (format == "json") return server::transcript_json(t) + "\n";
  if (format == "verbose_json") return server::transcript_verbose_json(t) + "\n";
  return InvalidArgument("--format %s: use txt, srt, vtt, json or verbose_json", format.c_str());
}

const std::vector<OptionSpec>& transcribe_specs() {
  static const std::vector<OptionSpec> specs = {
      {{"-m", "--model"}, true, "MODEL  whisper.cpp ggml file or Hugging Face directory"},
      {{"--language", "-l"}, true, "XX  ISO-639-1 code of the speech; default: detect it"},
      {{"--translate"}, false, "translate into English"},
      {{"--prompt"}, true, "TEXT  initial prompt (spelling, style, earlier text)"},
      {{"--beam"}, true, "N  beams at temperature 0 (default 5; 1 = greedy)"},
      {{"--best-of"}, true, "N  draws at temperatures > 0 (default 5)"},
      {{"--temperature"}, true, "T  first temperature (default 0)"},
      {{"--no-fallback"}, false, "no retries at higher temperatures"},
      {{"--no-timestamps"}, false, "decode without timestamp tokens (one segment per window)"},
      {{"--seed"}, true, "N  sampler seed (default 0)"},
      {{"-n", "--max-tokens"}, true, "N  tokens per window (default 224)"},
      {{"--format", "-f"}, true, "txt|srt|vtt|json|verbose_json  (default txt)"},
      {{"-t", "--threads"}, true, "N  threads (default: all cores)"},
      {{"-o", "--output"}, true, "FILE  write there instead of stdout"},
      {{"-q", "--quiet"}, false, "no progress line"},
  };
  return specs;
}

StatusOr<TranscribeOptions> options_from(const Args& a) {
  TranscribeOptions o;
  o.language = a.get("--language");
  if (o.language == "auto") o.language.clear();
  o.translate = a.has("--translate");
  o.prompt = a.get("--prompt");
  OMNI_ASSIGN_OR_RETURN(int64_t beam, a.get_int("--beam", 5));
  OMNI_ASSIGN_OR_RETURN(int64_t best_of, a.get_int("--best-of", 5));
  OMNI_ASSIGN_OR_RETURN(double temperature, a.get_float("--temperature", 0.0));
  OMNI_ASSIGN_OR_RETURN(int64_t seed, a.get_int("--seed", 0));
  OMNI_ASSIGN_OR_RETURN(int64_t max_tokens, a.get_int("-n", 224));
  if (beam < 1 || beam > 16) return InvalidArgument("--beam must be 1..16");
  if (best_of < 1 || best_of > 16) return InvalidArgument("--best-of must be 1..16");
  if (max_tokens < 1 || max_tokens > 448) return InvalidArgument("--max-tokens must be 1..448");
  o.beam_size = int(beam);
  o.best_of = int(best_of);
  o.temperature = float(temperature);
  o.seed = uint64_t(seed);
  o.max_tokens_per_window = int(max_tokens);
  if (a.has("--no-fallback")) o.temperature_increment = 0.0f;
  o.timestamps = !a.has("--no-timestamps");
  return o;
}

}  // namespace

// omni transcribe -m MODEL FILE [options]: see transcribe_specs().
int run_transcribe_command(int argc, char** argv) {
  const std::vector<OptionSpec>& specs = transcribe_specs();
  auto args = Args::parse(argc, argv, 2, specs);
  if (!args.ok()) return fail(args.status());
  if (!args->has("-m") || args->positional().size() != 1) {
    std::fprintf(stderr, "usage: omni transcribe -m MODEL FILE [options]\n%s",
                 usage_lines(specs).c_str());
    return 2;
  }
  auto options = options_from(*args);
  if (!options.ok()) return fail(options.status());
  const std::string format = args->get("--format", "txt");
  if (auto probe = render(Transcript{}, format); !probe.ok()) return fail(probe.status());
  auto threads = args->get_int("-t", int64_t(std::max(1u, std::thread::hardware_concurrency())));
  if (!threads.ok()) return fail(threads.status());
  if (*threads < 1 || *threads > 256) return fail(InvalidArgument("-t must be 1..256"));

  auto model = WhisperModel::load(args->get("-m"));
  if (!model.ok()) return fail(model.status());
  const std::string path = args->positional()[0];
  auto file = MappedFile::open(path);
  if (!file.ok()) return fail(file.status());
  auto audio = load_audio(file->data(), file->size(), path, kWhisperSampleRate);
  if (!audio.ok()) return fail(audio.status());

  ThreadPool pool{int(*threads)};
  const double duration = double(audio->samples.size()) / kWhisperSampleRate;
  const double window_s = 2.0 * model->hparams().n_audio_ctx * kWhisperHop / kWhisperSampleRate;
  const bool show_progress = !args->has("-q") && duration > window_s;
  const bool tty = isatty(2);
  TranscribeCallbacks callbacks;
  if (show_progress) {
    callbacks.on_progress = [&](double p) {
      std::fprintf(stderr, "%stranscribe: %s / %s (%d%%)%s", tty ? "\r" : "",
                   clock_time(p * duration).c_str(), clock_time(duration).c_str(),
                   int(p * 100.0 + 0.5), tty ? "" : "\n");
      std::fflush(stderr);
    };
  }
  const auto t0 = std::chrono::steady_clock::now();
  auto transcript = transcribe(*model, audio->samples, *options, pool, callbacks);
  if (show_progress && tty) std::fputc('\n', stderr);
  if (!transcript.ok()) return fail(transcript.status());
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto text = render(*transcript, format);
  if (!text.ok()) return fail(text.status());
  if (args->has("-o")) {
    const std::string out = args->get("-o");
    if (Status s = write_file_atomic(out, text->data(), text->size()); !s.ok()) return fail(s);
  } else {
    std::fwrite(text->data(), 1, text->size(), stdout);
  }
  if (!args->has("-q")) {
    std::fprintf(stderr,
                 "transcribe: %.1f s of audio in %.2f s (real-time factor %.3f), language %s, "
                 "%zu segments, %d threads\n",
                 duration, elapsed, elapsed / std::max(duration, 1e-9),
                 transcript->language.c_str(), transcript->segments.size(), int(*threads));
  }
  return 0;
}

}  // namespace omni::cli
