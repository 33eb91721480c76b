// omni audio info|mel|convert: look at audio the way the engine sees it (debugging, tests).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "args.h"
#include "audio/audio.h"
#include "audio/mel.h"
#include "base/mapped_file.h"
#include "base/thread_pool.h"
#include "commands.h"
#include "formats/whisper_ggml.h"

namespace omni::cli {
namespace {

constexpr const char* kUsage =
    "usage: omni audio info FILE [--raw-rate HZ]\n"
    "       omni audio mel FILE -o OUT.npy|OUT.f32 [--n-mels 80|128] [--filters MODEL.bin]\n"
    "                  [--no-pad] [-t THREADS] [--raw-rate HZ]\n"
    "       omni audio convert FILE -o OUT.wav [--rate HZ] [--raw-rate HZ]\n"
    "       omni audio encode -m WHISPER.bin FILE -o ENC.npy [--mel-out MEL.npy] [-t THREADS]\n"
    "       omni audio decode -m WHISPER.bin FILE --tokens \"ID ...\" -o LOGITS.npy\n"
    "  info     format, sample rate, channels, duration and level of an audio file\n"
    "  mel      the Whisper log-mel spectrogram of FILE at 16 kHz, [n_mels, n_frames] float32;\n"
    "           padded with 30 s of silence unless --no-pad; the filterbank is the Slaney one\n"
    "           computed here, or the one stored in a whisper.cpp ggml file (--filters)\n"
    "  convert  decode, resample (default 16000 Hz) and write mono WAV PCM16\n"
    "  encode   the Whisper encoder's output for FILE's first 30 s window, [n_ctx, n_state]\n"
    "  decode   the Whisper decoder's logits for token ids after that, [n_tokens, n_vocab]\n"
    "  --raw-rate HZ   FILE is headerless mono PCM16 at HZ\n";

int fail(const Status& s) {
  std::fprintf(stderr, "omni: error: %s\n", s.to_string().c_str());
  return 1;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

StatusOr<Audio> read_audio(const Args& args, const std::string& path) {
  OMNI_ASSIGN_OR_RETURN(MappedFile file, MappedFile::open(path));
  if (args.has("--raw-rate")) {
    OMNI_ASSIGN_OR_RETURN(int64_t rate, args.get_int("--raw-rate", 0));
    auto audio = decode_pcm16(file.data(), file.size(), int(rate));
    if (!audio.ok()) return audio.status().with_context(path);
    return audio;
  }
  return decode_audio(file.data(), file.size(), path);
}

StatusOr<MelFilterbank> filters_for(const Args& args) {
  OMNI_ASSIGN_OR_RETURN(int64_t n_mels, args.get_int("--n-mels", 80));
  if (!args.has("--filters")) {
    if (n_mels < 1 || n_mels > 512) return InvalidArgument("--n-mels must be 1..512");
    return slaney_mel_filterbank(int(n_mels));
  }
  OMNI_ASSIGN_OR_RETURN(WhisperGgmlFile model, WhisperGgmlFile::open(args.get("--filters")));
  MelFilterbank f;
  f.n_mels = model.mel_n_mels();
  f.n_bins = model.mel_n_bins();
  f.weights = model.mel_filters();
  return f;
}

// NumPy's .npy format, version 1.0: a little-endian float32 C-order array.
std::string npy_header(int64_t rows, int64_t cols) {
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::to_string(rows) +
                     ", " + std::to_string(cols) + "), }";
  const size_t unpadded = 10 + dict.size() + 1;  // magic, version, length, dict, newline
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict += '\n';
  std::string header = "\x93NUMPY";
  header += '\x01';
  header += '\x00';
  header += char(dict.size() & 0xff);
  header += char(dict.size() >> 8);
  return header + dict;
}

int run_info(const Args& args, const std::string& path) {
  const auto t0 = std::chrono::steady_clock::now();
  auto audio = read_audio(args, path);
  if (!audio.ok()) return fail(audio.status());
  const double decode_s = seconds_since(t0);
  double peak = 0, sum_sq = 0;
  for (float x : audio->samples) {
    peak = std::max(peak, double(std::fabs(x)));
    sum_sq += double(x) * x;
  }
  std::printf("file:        %s\n", path.c_str());
  std::printf("format:      %s\n", audio->format.c_str());
  std::printf("sample rate: %d Hz\n", audio->sample_rate);
  std::printf("channels:    %d (decoded to mono)\n", audio->source_channels);
  std::printf("samples:     %zu\n", audio->samples.size());
  std::printf("duration:    %.3f s\n", audio->duration_s());
  std::printf("peak:        %.6f\n", peak);
  std::printf("rms:         %.6f\n", std::sqrt(sum_sq / double(audio->samples.size())));
  std::printf("decode time: %.2f ms\n", decode_s * 1e3);
  return 0;
}

int run_mel(const Args& args, const std::string& path) {
  const std::string out = args.get("-o");
  const bool npy = out.size() > 4 && out.compare(out.size() - 4, 4, ".npy") == 0;
  const bool f32 = out.size() > 4 && out.compare(out.size() - 4, 4, ".f32") == 0;
  if (!npy && !f32) return fail(InvalidArgument("-o must name a .npy or .f32 file"));
  auto filters = filters_for(args);
  if (!filters.ok()) return fail(filters.status());
  auto threads = args.get_int("-t", 1);
  if (!threads.ok()) return fail(threads.status());
  if (*threads < 1 || *threads > 256) return fail(InvalidArgument("-t must be 1..256"));

  auto audio = read_audio(args, path);
  if (!audio.ok()) return fail(audio.status());
  const auto t_resample = std::chrono::steady_clock::now();
  auto samples = resample(audio->samples, audio->sample_rate, kWhisperSampleRate);
  if (!samples.ok()) return fail(samples.status());
  const double resample_s = seconds_since(t_resample);

  ThreadPool pool(static_cast<int>(*threads));
  MelOptions options;
  options.pad_samples = args.has("--no-pad") ? 0 : kWhisperChunkSamples;
  options.pool = &pool;
  const auto t_mel = std::chrono::steady_clock::now();
  auto mel = whisper_log_mel(*samples, *filters, options);
  if (!mel.ok()) return fail(mel.status().with_context(path));
  const double mel_s = seconds_since(t_mel);

  std::string bytes = npy ? npy_header(mel->n_mels, mel->n_frames) : std::string();
  bytes.append(reinterpret_cast<const char*>(mel->data.data()), mel->data.size() * sizeof(float));
  if (Status s = write_file_atomic(out, bytes.data(), bytes.size()); !s.ok()) return fail(s);
  std::fprintf(stderr,
               "mel: %d x %lld frames of %s (%.2f s audio) -> %s; resample %.1f ms, mel %.1f ms "
               "(%d threads)\n",
               mel->n_mels, (long long)mel->n_frames, path.c_str(), audio->duration_s(),
               out.c_str(), resample_s * 1e3, mel_s * 1e3, int(*threads));
  return 0;
}

int run_convert(const Args& args, const std::string& path) {
  auto rate = args.get_int("--rate", kWhisperSampleRate);
  if (!rate.ok()) return fail(rate.status());
  auto audio = read_audio(args, path);
  if (!audio.ok()) return fail(audio.status());
  auto samples = resample(audio->samples, audio->sample_rate, int(*rate));
  if (!samples.ok()) return fail(samples.status());
  const auto wav = encode_wav_pcm16(*samples, int(*rate));
  if (Status s = write_file_atomic(args.get("-o"), wav.data(), wav.size()); !s.ok()) return fail(s);
  return 0;
}

}  // namespace

int run_audio_command(int argc, char** argv) {
  const std::vector<OptionSpec> specs = {
      {{"-o", "--output"}, true, ""}, {{"--n-mels"}, true, ""},        {{"--filters"}, true, ""},
      {{"--no-pad"}, false, ""},      {{"-t", "--threads"}, true, ""}, {{"--rate"}, true, ""},
      {{"--raw-rate"}, true, ""},     {{"-h", "--help"}, false, ""},
  };
  if (argc < 3 || !std::strcmp(argv[2], "-h") || !std::strcmp(argv[2], "--help")) {
    std::fputs(kUsage, argc < 3 ? stderr : stdout);
    return argc < 3 ? 2 : 0;
  }
  const std::string sub = argv[2];
  if (sub == "encode" || sub == "decode") return run_whisper_encode_command(argc, argv);
  auto args = Args::parse(argc, argv, 3, specs);
  if (!args.ok()) return fail(args.status());
  const bool needs_output = sub == "mel" || sub == "convert";
  if (args->has("-h")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (args->positional().size() != 1 || (needs_output && !args->has("-o"))) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  const std::string& path = args->positional()[0];
  if (sub == "info") return run_info(*args, path);
  if (sub == "mel") return run_mel(*args, path);
  if (sub == "convert") return run_convert(*args, path);
  std::fprintf(stderr, "omni audio: unknown command '%s'\n\n%s", sub.c_str(), kUsage);
  return 2;
}

}  // namespace omni::cli
