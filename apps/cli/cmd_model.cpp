// omni model synth | info | dequant | zoo
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "args.h"
#include "base/aligned_buffer.h"
#include "base/log.h"
#include "commands.h"
#include "formats/gguf.h"
#include "kernels/kernels.h"
#include "models/export_hf.h"
#include "models/synth/synth.h"

namespace omni::cli {
namespace {

constexpr const char* kModelUsage =
    "usage:\n"
    "  omni model synth --arch llama|qwen2|qwen3 --preset "
    "tiny|qwen2.5-0.5b|llama-3.2-1b|qwen3-0.6b\n"
    "                   --type f32|f16|bf16|q8_0|q4_0|q4_k|q6_k|q4_k_m [--seed N] [--scale X]\n"
    "                   [--vocab VOCAB.gguf] [-t THREADS] -o OUT.gguf\n"
    "  omni model synth --arch whisper --preset test|tiny|base|small|medium|large-v3|"
    "large-v3-turbo\n"
    "                   [--type f16|f32|q8_0|q5_0|q5_1|q4_0|q4_1 (quantized: ggml only)]\n"
    "                   [--format ggml|safetensors] [--seed N] [--scale X]\n"
    "                   [--vocab WHISPER.bin] -o OUT.bin|OUT_DIR\n"
    "  omni model info FILE.gguf | MODEL_DIR | FILE.safetensors\n"
    "  omni model dequant IN.gguf -o OUT.gguf\n"
    "  omni model zoo [--seed N] -o OUT.gguf\n"
    "  omni model export-hf IN.gguf -o OUT_DIR   (f32/f16/bf16 llama-family GGUF to a Hugging Face "
    "checkpoint)\n";

int fail(const Status& s) {
  std::fprintf(stderr, "omni: error: %s\n", s.to_string().c_str());
  return 1;
}

int default_threads() {
  return int(std::max(1u, std::thread::hardware_concurrency()));
}

int cmd_synth(int argc, char** argv) {
  for (int i = 3; i + 1 < argc; ++i) {
    if (!std::strcmp(argv[i], "--arch") && !std::strcmp(argv[i + 1], "whisper")) {
      return run_whisper_synth_command(argc, argv);
    }
  }
  const std::vector<OptionSpec> specs = {
      {{"--arch"}, true, "NAME  llama, qwen2 or qwen3 (default: the preset's)"},
      {{"--preset"}, true, "NAME  tiny, qwen2.5-0.5b, llama-3.2-1b, qwen3-0.6b (default tiny)"},
      {{"--type"}, true, "TYPE  f32 f16 bf16 q8_0 q4_0 q4_k q6_k q4_k_m (default f32)"},
      {{"--seed"}, true, "N     random seed (default 1)"},
      {{"--scale"}, true, "X     standard deviation of matrix weights (default 0.02)"},
      {{"--vocab"}, true, "FILE  copy the tokenizer of this vocab GGUF"},
      {{"-t", "--threads"}, true, "N     threads (default: all cores)"},
      {{"-o", "--output"}, true, "FILE  output GGUF"},
  };
  auto args = Args::parse(argc, argv, 3, specs);
  if (!args.ok()) return fail(args.status());
  if (!args->positional().empty())
    return fail(InvalidArgument("unexpected argument '%s'", args->positional()[0].c_str()));
  SynthOptions o;
  o.arch = args->get("--arch");
  o.preset = args->get("--preset", "tiny");
  o.type = args->get("--type", "f32");
  o.vocab_path = args->get("--vocab");
  o.out_path = args->get("-o");
  auto seed = args->get_int("--seed", 1);
  auto scale = args->get_float("--scale", 0.02);
  auto threads = args->get_int("-t", default_threads());
  if (!seed.ok()) return fail(seed.status());
  if (!scale.ok()) return fail(scale.status());
  if (!threads.ok()) return fail(threads.status());
  if (*threads < 1 || *threads > 1024)
    return fail(InvalidArgument("-t must be between 1 and 1024"));
  o.seed = uint64_t(*seed);
  o.scale = float(*scale);
  ThreadPool pool{int(*threads)};
  Status s = synth_text_model(o, pool);
  if (!s.ok()) return fail(s);
  std::printf("wrote %s\n", o.out_path.c_str());
  return 0;
}

int cmd_dequant(int argc, char** argv) {
  const std::vector<OptionSpec> specs = {
      {{"-o", "--output"}, true, "FILE  output GGUF (all tensors f32)"}};
  auto args = Args::parse(argc, argv, 3, specs);
  if (!args.ok()) return fail(args.status());
  if (args->positional().size() != 1 || args->get("-o").empty()) {
    return fail(InvalidArgument("usage: omni model dequant IN.gguf -o OUT.gguf"));
  }
  auto in = GgufFile::open(args->positional()[0]);
  if (!in.ok()) return fail(in.status());
  const KernelTable& k = select_kernels();
  GgufWriter w;
  for (const auto& [key, value] : in->metadata()) {
    w.set(key, value);
  }
  w.set_alignment(in->alignment());
  w.set("general.file_type", GgufValue::u32(0));
  for (const GgufTensorInfo& t : in->tensors()) {
    const DequantizeRowFn dq = k.dequantize[uint32_t(t.view.type)];
    if (!dq) {
      return fail(Unsupported("%s: tensor '%s' has type %s, which this build cannot dequantize",
                              in->label().c_str(), t.name.c_str(), dtype_name(t.view.type)));
    }
    std::vector<int64_t> ne(t.view.ne.begin(), t.view.ne.begin() + t.view.n_dims);
    const TensorView view = t.view;
    Status s = w.add_tensor(t.name, DType::F32, ne, [view, dq](uint8_t* out, size_t) {
      // GGUF tensors are contiguous: row r starts r * nb[1] bytes in.
      const uint8_t* src = static_cast<const uint8_t*>(view.data);
      float* y = reinterpret_cast<float*>(out);
      for (int64_t r = 0; r < view.n_rows(); ++r)
        dq(src + size_t(r) * view.nb[1], y + r * view.ne[0], view.ne[0]);
      return Status::Ok();
    });
    if (!s.ok()) return fail(s);
  }
  Status s = w.write(args->get("-o"), "dequant: tensors");
  if (!s.ok()) return fail(s);
  std::printf("wrote %s (%zu tensors as f32, kernels %s)\n", args->get("-o").c_str(), w.n_tensors(),
              isa_name(k.isa));
  return 0;
}

int cmd_zoo(int argc, char** argv) {
  const std::vector<OptionSpec> specs = {{{"-o", "--output"}, true, "FILE  output GGUF"},
                                         {{"--seed"}, true, "N     random seed (default 1)"}};
  auto args = Args::parse(argc, argv, 3, specs);
  if (!args.ok()) return fail(args.status());
  auto seed = args->get_int("--seed", 1);
  if (!seed.ok()) return fail(seed.status());
  if (args->get("-o").empty())
    return fail(InvalidArgument("usage: omni model zoo [--seed N] -o OUT.gguf"));
  Status s = write_tensor_zoo(args->get("-o"), uint64_t(*seed));
  if (!s.ok()) return fail(s);
  std::printf("wrote %s\n", args->get("-o").c_str());
  return 0;
}

}  // namespace

int run_model_command(int argc, char** argv) {
  if (argc < 3) {
    std::fputs(kModelUsage, stderr);
    return 2;
  }
  const std::string sub = argv[2];
  if (sub == "synth") return cmd_synth(argc, argv);
  if (sub == "dequant") return cmd_dequant(argc, argv);
  if (sub == "zoo") return cmd_zoo(argc, argv);
  if (sub == "export-hf") {
    if (argc != 6 || std::string(argv[4]) != "-o") {
      std::fputs("usage: omni model export-hf IN.gguf -o OUT_DIR\n", stderr);
      return 2;
    }
    Status s = export_hf(argv[3], argv[5]);
    if (!s.ok()) return fail(s);
    std::printf(
        "wrote %s (model.safetensors, config.json, tokenizer.json, tokenizer_config.json)\n",
        argv[5]);
    return 0;
  }
  if (sub == "info") {
    if (argc != 4) {
      std::fputs("usage: omni model info FILE.gguf | MODEL_DIR | FILE.safetensors\n", stderr);
      return 2;
    }
    return print_model_info(argv[3]);
  }
  std::fprintf(stderr, "omni: unknown model command '%s'\n%s", sub.c_str(), kModelUsage);
  return 2;
}

}  // namespace omni::cli
