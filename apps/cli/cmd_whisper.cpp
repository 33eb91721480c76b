// omni model synth --arch whisper, and omni audio encode: Whisper from the command line.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>

#include "args.h"
#include "audio/audio.h"
#include "audio/mel.h"
#include "base/mapped_file.h"
#include "commands.h"
#include "models/audio/whisper/whisper_arch.h"
#include "models/audio/whisper/whisper_decoder.h"
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
  if (Status s = synth_whisper_model(o, args->get("--format", "ggml")); !s.ok()) return fail(s);
  std::printf("wrote %s\n", o.out_path.c_str());
  return 0;
}

namespace {

// The model, FILE's first window of 2 * n_audio_ctx mel frames, and its encoder output.
struct Encoded {
  std::unique_ptr<WhisperModel> model;
  LogMel window;
  std::vector<float> output;
  double encode_s = 0;
};

StatusOr<Encoded> encode_file(const std::string& model_path, const std::string& path,
                              ThreadPool& pool) {
  Encoded e;
  OMNI_ASSIGN_OR_RETURN(WhisperModel model, WhisperModel::load(model_path));
  e.model = std::make_unique<WhisperModel>(std::move(model));
  OMNI_ASSIGN_OR_RETURN(MappedFile file, MappedFile::open(path));
  OMNI_ASSIGN_OR_RETURN(Audio audio,
                        load_audio(file.data(), file.size(), path, kWhisperSampleRate));
  MelOptions mel_options;
  mel_options.pool = &pool;
  OMNI_ASSIGN_OR_RETURN(LogMel mel,
                        whisper_log_mel(audio.samples, e.model->mel_filters(), mel_options));
  e.window = mel_window(mel, 0, 2 * int64_t(e.model->hparams().n_audio_ctx));
  const auto t0 = std::chrono::steady_clock::now();
  OMNI_ASSIGN_OR_RETURN(e.output, whisper_encode(*e.model, e.window, pool));
  e.encode_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return e;
}

StatusOr<int> thread_count(const Args& args) {
  OMNI_ASSIGN_OR_RETURN(
      int64_t n, args.get_int("-t", int64_t(std::max(1u, std::thread::hardware_concurrency()))));
  if (n < 1 || n > 256) return InvalidArgument("-t must be 1..256");
  return int(n);
}

StatusOr<std::vector<int32_t>> parse_tokens(const std::string& text) {
  std::vector<int32_t> ids;
  size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == ',')) ++pos;
    if (pos >= text.size()) break;
    size_t used = 0;
    int value = 0;
    try {
      value = std::stoi(text.substr(pos), &used);
    } catch (...) {
      return InvalidArgument("--tokens: '%s' is not a list of token ids", text.c_str());
    }
    ids.push_back(value);
    pos += used;
  }
  return ids;
}

}  // namespace

// omni audio encode -m MODEL.bin FILE -o ENC.npy [--mel-out MEL.npy] [-t N]: the encoder output
// [n_audio_ctx, n_audio_state] of FILE's first window (2 * n_audio_ctx mel frames).
// omni audio decode ... --tokens "IDS" -o LOGITS.npy [--enc-out ENC.npy]: the decoder's logits
// [n_tokens, n_vocab] for IDS after that encoder output.
int run_whisper_encode_command(int argc, char** argv) {
  const bool decode = !std::strcmp(argv[2], "decode");
  const std::vector<OptionSpec> specs = {
      {{"-m", "--model"}, true, ""}, {{"-o", "--output"}, true, ""},
      {{"--mel-out"}, true, ""},     {{"--enc-out"}, true, ""},
      {{"--tokens"}, true, ""},      {{"-t", "--threads"}, true, ""},
  };
  auto args = Args::parse(argc, argv, 3, specs);
  if (!args.ok()) return fail(args.status());
  if (!args->has("-m") || !args->has("-o") || args->positional().size() != 1 ||
      decode != args->has("--tokens")) {
    std::fputs(
        "usage: omni audio encode -m MODEL.bin FILE -o ENC.npy [--mel-out MEL.npy] [-t N]\n"
        "       omni audio decode -m MODEL.bin FILE --tokens \"ID ID ...\" -o LOGITS.npy\n"
        "                         [--enc-out ENC.npy] [--mel-out MEL.npy] [-t N]\n",
        stderr);
    return 2;
  }
  auto threads = thread_count(*args);
  if (!threads.ok()) return fail(threads.status());
  ThreadPool pool(*threads);
  auto e = encode_file(args->get("-m"), args->positional()[0], pool);
  if (!e.ok()) return fail(e.status());
  const WhisperHparams& h = e->model->hparams();
  if (args->has("--mel-out")) {
    Status s = write_npy(args->get("--mel-out"), e->window.data.data(), e->window.n_mels,
                         e->window.n_frames);
    if (!s.ok()) return fail(s);
  }
  const std::string enc_path = decode ? args->get("--enc-out") : args->get("-o");
  if (!enc_path.empty()) {
    Status s = write_npy(enc_path, e->output.data(), h.n_audio_ctx, h.n_audio_state);
    if (!s.ok()) return fail(s);
  }
  std::fprintf(stderr, "encoder: %d x %d in %.3f s (%d threads)\n", h.n_audio_ctx, h.n_audio_state,
               e->encode_s, *threads);
  if (!decode) return 0;
  auto tokens = parse_tokens(args->get("--tokens"));
  if (!tokens.ok()) return fail(tokens.status());
  WhisperDecoderState state(*e->model);
  if (Status s = whisper_decoder_set_audio(*e->model, e->output, state, pool); !s.ok()) {
    return fail(s);
  }
  auto logits = whisper_decode(*e->model, state, *tokens, pool);
  if (!logits.ok()) return fail(logits.status());
  Status s = write_npy(args->get("-o"), logits->data(), int64_t(tokens->size()), h.n_vocab);
  if (!s.ok()) return fail(s);
  return 0;
}

}  // namespace omni::cli
