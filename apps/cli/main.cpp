// omni: the command-line front end. Each subcommand lives in its own file; this one dispatches.
#include <cstdio>
#include <cstring>
#include <string>

#include "base/log.h"
#include "commands.h"
#include "kernels/cpu_features.h"
#include "kernels/kernels.h"

namespace {

constexpr const char* kUsage =
    "omni — a self-hosted omni assistant engine\n"
    "\n"
    "usage: omni COMMAND [options]\n"
    "\n"
    "commands:\n"
    "  run           generate text with a llama, qwen2 or qwen3 model (GGUF)\n"
    "  serve         an OpenAI-compatible API server (chat completions, streaming, batching)\n"
    "  model synth   write a random-weight model with real shapes (GGUF)\n"
    "  model info    describe a GGUF file or safetensors model\n"
    "  model dequant rewrite a GGUF file with every tensor as f32\n"
    "  model zoo     write one tensor of every block type (for format tests)\n"
    "  tokenize      text to token ids and back (GGUF vocabularies, tiktoken encodings)\n"
    "  bench         prompt and generation speed (tokens/s), llama-bench style\n"
    "  audio         decode audio, show it, write its Whisper log-mel spectrogram\n"
    "  transcribe    speech to text with a Whisper model (whisper.cpp ggml file)\n"
    "  system        show the CPU features and the kernels this build selects\n"
    "\n"
    "Run 'omni model' for the options of each model command. Set OMNI_LOG=debug for more detail.\n";

int print_system() {
  const omni::CpuFeatures& f = omni::cpu_features();
  std::printf("cpu:      %s\n", f.brand.empty() ? "(unknown)" : f.brand.c_str());
  std::printf("features: %s\n", omni::cpu_features_string(f).c_str());
  std::string compiled;
  for (omni::Isa isa : omni::compiled_isas()) {
    compiled += std::string(compiled.empty() ? "" : ", ") + omni::isa_name(isa) +
                (omni::isa_supported(isa) ? "" : " (not on this cpu)");
  }
  std::printf("kernels:  compiled %s; selected %s\n", compiled.c_str(),
              omni::isa_name(omni::select_kernels().isa));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (const char* level = std::getenv("OMNI_LOG")) {
    if (!std::strcmp(level, "debug")) omni::set_log_level(omni::LogLevel::kDebug);
    if (!std::strcmp(level, "warn")) omni::set_log_level(omni::LogLevel::kWarn);
    if (!std::strcmp(level, "silent")) omni::set_log_level(omni::LogLevel::kSilent);
  }
  if (argc < 2 || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "--help") ||
      !std::strcmp(argv[1], "help")) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string command = argv[1];
  if (command == "model") return omni::cli::run_model_command(argc, argv);
  if (command == "system") return print_system();
  if (command == "tokenize") return omni::cli::run_tokenize_command(argc, argv);
  if (command == "run") return omni::cli::run_run_command(argc, argv);
  if (command == "audio") return omni::cli::run_audio_command(argc, argv);
  if (command == "transcribe") return omni::cli::run_transcribe_command(argc, argv);
  if (command == "serve") return omni::cli::run_serve_command(argc, argv);
  if (command == "bench") return omni::cli::run_bench_command(argc, argv);
  if (command == "--version" || command == "version") {
    std::printf("omni 0.1.0\n");
    return 0;
  }
  std::fprintf(stderr, "omni: unknown command '%s'\n\n%s", command.c_str(), kUsage);
  return 2;
}
