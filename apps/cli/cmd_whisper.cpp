// omni model synth --arch whisper, and omni audio encode: Whisper from the command line.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "args.h"
#include "audio/audio.h"
#include "audio/mel.h"
#include "base/mapped_file.h"
#include "commands.h"
#include "models/audio/whisper/whisper_arch.h"
#include "models/audio/whisper/whisper_encoder.h"
#include "models/audio/whisper/whisper_model.h"
#include "models/synth/synth_whisper.h"

namespace omni::cli {
namespace {

int fail(const Status& s) {
  std::fprintf(stderr, "omni: error: %s\n", s.to_string().c_str());
  return 1;
}

std::string npy_header(int64_t rows, int64_t cols) {
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::to_string(rows) +
                     ", " + std::to_string(cols) + "), }";
  const size_t unpadded = 10 + dict.size() + 1;
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict += '\n';
  std::string header = "\x93NUMPY";
  header += '\x01';
  header += '\x00';
  header += char(dict.size() & 0xff);
  header += char(dict.size() >> 8);
  return header + dict;
}

Status write_npy(const std::string& path, const float* data, int64_t rows, int64_t cols) {
  std::string bytes = npy_header(rows, cols);
  bytes.append(reinterpret_cast<const char*>(data), size_t(rows * cols) * sizeof(float));
  return write_file_atomic(path, bytes.data(), bytes.size());
}

}  // namespace

int run_whisper_synth_command(int argc, char** argv) {
  const std::vector<OptionSpec> specs = {
      {{"--arch"}, true, ""},   {{"--preset"}, true, ""},       {{"--type"}, true, ""},
      {{"--format"}, true, ""}, {{"--seed"}, true, ""},         {{"--scale"}, true, ""},
      {{"--vocab"}, true, ""},  {{"-o", "--output"}, true, ""},
  };
  auto args = Args::parse(argc, argv, 3, specs);
  if (!args.ok()) return fail(args.status());
  if (!args->has("-o")) return fail(InvalidArgument("-o OUT.bin is required"));
  if (args->get("--format", "ggml") != "ggml") {
    return fail(
        Unsupported("--format %s: whisper synth writes ggml", args->get("--format").c_str()));
  }
  SynthOptions o;
  o.arch = "whisper";
  o.preset = args->get("--preset", "tiny");
  o.type = args->get("--type", "f16");
  o.vocab_path = args->get("--vocab");
  o.out_path = args->get("-o");
  auto seed = args->get_int("--seed", 1);
  auto scale = args->get_float("--scale", 0.02);
  if (!seed.ok()) return fail(seed.status());
  if (!scale.ok()) return fail(scale.status());
  o.seed = uint64_t(*seed);
  o.scale = float(*scale);
  if (Status s = synth_whisper_model(o); !s.ok()) return fail(s);
  std::printf("wrote %s\n", o.out_path.c_str());
  return 0;
}

// omni audio encode -m MODEL.bin FILE -o ENC.npy [--mel-out MEL.npy] [-t N]: the encoder output
// [n_audio_ctx, n_audio_state] of FILE's first window (2 * n_audio_ctx mel frames).
int run_whisper_encode_command(int argc, char** argv) {
  const std::vector<OptionSpec> specs = {
      {{"-m", "--model"}, true, ""},
      {{"-o", "--output"}, true, ""},
      {{"--mel-out"}, true, ""},
      {{"-t", "--threads"}, true, ""},
  };
  auto args = Args::parse(argc, argv, 3, specs);
  if (!args.ok()) return fail(args.status());
  if (!args->has("-m") || !args->has("-o") || args->positional().size() != 1) {
    std::fputs("usage: omni audio encode -m MODEL.bin FILE -o ENC.npy [--mel-out MEL.npy] [-t N]\n",
               stderr);
    return 2;
  }
  auto threads = args->get_int("-t", int64_t(std::max(1u, std::thread::hardware_concurrency())));
  if (!threads.ok()) return fail(threads.status());
  if (*threads < 1 || *threads > 256) return fail(InvalidArgument("-t must be 1..256"));
  auto model = WhisperModel::load_ggml(args->get("-m"));
  if (!model.ok()) return fail(model.status());
  const std::string path = args->positional()[0];
  auto file = MappedFile::open(path);
  if (!file.ok()) return fail(file.status());
  auto audio = load_audio(file->data(), file->size(), path, kWhisperSampleRate);
  if (!audio.ok()) return fail(audio.status());
  ThreadPool pool(static_cast<int>(*threads));
  MelOptions mel_options;
  mel_options.pool = &pool;
  auto mel = whisper_log_mel(audio->samples, model->mel_filters(), mel_options);
  if (!mel.ok()) return fail(mel.status());
  const int64_t n_ctx = model->hparams().n_audio_ctx;
  const LogMel window = mel_window(*mel, 0, 2 * n_ctx);
  if (args->has("--mel-out")) {
    Status s =
        write_npy(args->get("--mel-out"), window.data.data(), window.n_mels, window.n_frames);
    if (!s.ok()) return fail(s);
  }
  const auto t0 = std::chrono::steady_clock::now();
  auto enc = whisper_encode(*model, window, pool);
  if (!enc.ok()) return fail(enc.status());
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  Status s = write_npy(args->get("-o"), enc->data(), n_ctx, model->hparams().n_audio_state);
  if (!s.ok()) return fail(s);
  std::fprintf(stderr, "encoder: %lld x %d in %.3f s (%d threads)\n", (long long)n_ctx,
               model->hparams().n_audio_state, secs, int(*threads));
  return 0;
}

}  // namespace omni::cli
