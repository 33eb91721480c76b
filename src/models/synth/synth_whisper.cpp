// `omni model synth --arch whisper`: random weights in Whisper's real shapes, written as a
// whisper.cpp ggml file (tensor names, order and types as whisper.cpp's converter writes them).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "audio/mel.h"
#include "base/mapped_file.h"
#include "formats/safetensors.h"
#include "formats/whisper_ggml.h"
#include "models/audio/whisper/whisper_arch.h"
#include "models/audio/whisper/whisper_hf.h"
#include "models/synth/synth_whisper.h"
#include "tensor/quantize.h"

namespace omni {
namespace {

// The values of one tensor, drawn from a stream keyed by its name (so a tensor does not change
// when others are added). Norm weights sit around 1, other vectors and matrices around 0.
std::vector<float> values(const WhisperTensorSpec& spec, const WhisperHparams& h, uint64_t seed,
                          float scale) {
  int64_t count = 1;
  for (int64_t n : spec.ne) count *= n;
  std::vector<float> v(static_cast<size_t>(count));
  if (spec.name == "encoder.positional_embedding") {
    // Whisper's own: sinusoids, sin in the first half of each row, cos in the second.
    const int64_t n = h.n_audio_state, half = n / 2;
    const double step = std::log(10000.0) / double(half - 1);
    for (int64_t t = 0; t < h.n_audio_ctx; ++t) {
      for (int64_t i = 0; i < half; ++i) {
        const double angle = double(t) * std::exp(-step * double(i));
        v[size_t(t * n + i)] = float(std::sin(angle));
        v[size_t(t * n + half + i)] = float(std::cos(angle));
      }
    }
    return v;
  }
  SynthRng rng(hash_name(seed, spec.name));
  const bool norm_weight = spec.name.find("ln") != std::string::npos && spec.name.size() > 7 &&
                           spec.name.compare(spec.name.size() - 7, 7, ".weight") == 0;
  const float s = spec.is_matrix ? scale : 0.1f;
  for (float& x : v) x = (norm_weight ? 1.0f : 0.0f) + s * rng.normal();
  return v;
}

}  // namespace

Status synth_whisper_hf(const SynthOptions& o, const WhisperHparams& h, DType matrix_type) {
  std::filesystem::create_directories(o.out_path);
  std::vector<std::vector<uint8_t>> storage;
  std::vector<SafetensorsTensorData> tensors;
  for (const WhisperTensorSpec& spec : whisper_tensor_specs(h)) {
    const DType type = spec.is_matrix ? matrix_type : DType::F32;
    const std::vector<float> v = values(spec, h, o.seed, o.scale);
    storage.emplace_back(row_bytes(type, int64_t(v.size())));
    OMNI_RETURN_IF_ERROR(quantize_row(type, v.data(), storage.back().data(), int64_t(v.size())));
    std::vector<int64_t> ne = spec.ne;
    if (ne.size() == 2 && ne[0] == 1) ne.erase(ne.begin());  // conv biases: [n]
    std::vector<int64_t> shape(ne.rbegin(), ne.rend());      // outermost first
    tensors.push_back({whisper_hf_name(spec.name), type, shape, storage.back().data()});
  }
  const std::string dir = o.out_path + "/";
  OMNI_RETURN_IF_ERROR(write_safetensors(dir + "model.safetensors", tensors, {{"format", "pt"}}));
  const std::string config = whisper_config_json(h);
  return write_file_atomic(dir + "config.json", config.data(), config.size());
}

Status synth_whisper_model(const SynthOptions& o, const std::string& format) {
  OMNI_ASSIGN_OR_RETURN(WhisperHparams h, whisper_preset(o.preset));
  DType matrix_type;
  if (o.type == "f32") {
    matrix_type = DType::F32;
    h.ftype = 0;
  } else if (o.type == "f16") {
    matrix_type = DType::F16;
    h.ftype = 1;
  } else {
    // Quantized files as whisper.cpp's quantize tool writes them: the linear and embedding
    // matrices in the block type, the convolutions in f16, ftype = ggml ftype + 1000 * version 2.
    static const struct {
      const char* name;
      DType type;
      int32_t ggml_ftype;
    } kQuantized[] = {{"q4_0", DType::Q4_0, 2},
                      {"q4_1", DType::Q4_1, 3},
                      {"q8_0", DType::Q8_0, 7},
                      {"q5_0", DType::Q5_0, 8},
                      {"q5_1", DType::Q5_1, 9}};
    const auto* q = std::find_if(std::begin(kQuantized), std::end(kQuantized),
                                 [&](const auto& k) { return o.type == k.name; });
    if (q == std::end(kQuantized)) {
      return InvalidArgument(
          "--type %s: whisper synth writes f32, f16, q4_0, q4_1, q5_0, q5_1 or q8_0",
          o.type.c_str());
    }
    if (format != "ggml") return InvalidArgument("quantized whisper models are ggml files");
    matrix_type = q->type;
    h.ftype = q->ggml_ftype + 2000;
  }
  if (format == "safetensors") return synth_whisper_hf(o, h, matrix_type);
  if (format != "ggml") {
    return InvalidArgument("--format %s: whisper synth writes ggml or safetensors", format.c_str());
  }
  WhisperGgmlWriter w;
  w.hparams = h;
  const MelFilterbank filters = slaney_mel_filterbank(h.n_mels);
  w.mel_n_mels = filters.n_mels;
  w.mel_n_bins = filters.n_bins;
  w.mel_filters = filters.weights;
  if (!o.vocab_path.empty()) {
    OMNI_ASSIGN_OR_RETURN(WhisperGgmlFile vocab, WhisperGgmlFile::open(o.vocab_path));
    if (int64_t(vocab.tokens().size()) > h.n_vocab) {
      return InvalidArgument("%s has %zu tokens, more than the preset's %d", o.vocab_path.c_str(),
                             vocab.tokens().size(), h.n_vocab);
    }
    w.tokens = vocab.tokens();
  } else {
    // The text tokens of a multilingual vocabulary (the special tokens follow implicitly):
    // the 256 bytes, then placeholders.
    for (int i = 0; i < 50257; ++i) {
      w.tokens.push_back(i < 256 ? std::string(1, char(i)) : "tok" + std::to_string(i));
    }
  }
  for (const WhisperTensorSpec& spec : whisper_tensor_specs(h)) {
    const bool conv = spec.name.find("conv") != std::string::npos;
    const DType type = !spec.is_matrix                            ? DType::F32
                       : conv && info(matrix_type).block_size > 1 ? DType::F16
                                                                  : matrix_type;
    OMNI_RETURN_IF_ERROR(w.add_tensor(
        spec.name, type, spec.ne, [&, spec, type](uint8_t* out, size_t n_bytes) -> Status {
          const std::vector<float> v = values(spec, h, o.seed, o.scale);
          if (row_bytes(type, int64_t(v.size())) != n_bytes) {
            return Internal("tensor '%s' size mismatch", spec.name.c_str());
          }
          return quantize_row(type, v.data(), out, int64_t(v.size()));
        }));
  }
  return w.write(o.out_path);
}

}  // namespace omni
