// `omni model synth` for the llama family: random weights in real shapes, written as GGUF with
// llama.cpp's keys and tensor names.
#include <cmath>
#include <cstring>

#include "base/aligned_buffer.h"
#include "base/log.h"
#include "models/synth/synth.h"
#include "models/text/llama_family.h"
#include "tensor/quantize.h"

namespace omni {

uint64_t hash_name(uint64_t seed, const std::string& name) {
  uint64_t h = 1469598103934665603ull ^ seed;  // FNV-1a over the name, keyed by the seed
  for (unsigned char c : name) h = (h ^ c) * 1099511628211ull;
  return h;
}

namespace {

struct TypeChoice {
  const char* name;
  uint32_t file_type;  // general.file_type (llama.cpp's llama_ftype)
  DType base;          // type of most matrices
  bool k_mixed;        // the Q4_K_M recipe
};

constexpr TypeChoice kTypes[] = {
    {"f32", 0, DType::F32, false},    {"f16", 1, DType::F16, false},
    {"bf16", 32, DType::BF16, false}, {"q8_0", 7, DType::Q8_0, false},
    {"q4_0", 2, DType::Q4_0, false},  {"q4_k", 14, DType::Q4_K, false},
    {"q6_k", 18, DType::Q6_K, false}, {"q4_k_m", 15, DType::Q4_K, true},
};

// Layers that get more bits in the mixed recipes: the first and last eighth, and every third
// layer in between.
bool use_more_bits(int layer, int n_layer) {
  return layer < n_layer / 8 || layer >= 7 * n_layer / 8 || (layer - n_layer / 8) % 3 == 2;
}

// K types need rows that are a multiple of 256; narrower rows fall back to the legacy type of
// about the same size, as llama.cpp's quantizer does.
DType fallback(DType t, int64_t row) {
  if (row % 256 == 0) return t;
  switch (t) {
    case DType::Q4_K:
      return DType::Q5_0;
    case DType::Q6_K:
      return DType::Q8_0;
    default:
      return t;
  }
}

DType tensor_type(const TypeChoice& choice, const TextTensorSpec& spec, const TextHParams& hp) {
  if (!spec.is_matrix) return DType::F32;
  DType t = choice.base;
  if (choice.k_mixed) {
    const bool is_output =
        spec.name == "output.weight" || (hp.tied_embeddings && spec.name == "token_embd.weight");
    const bool sensitive =
        spec.name.ends_with("attn_v.weight") || spec.name.ends_with("ffn_down.weight");
    if (is_output || (sensitive && use_more_bits(spec.layer, int(hp.n_layer)))) t = DType::Q6_K;
  }
  return fallback(t, spec.ne[0]);
}

// Values of vector tensors: norms near 1, biases and others near 0.
float vector_value(const std::string& name, SynthRng& rng, float scale) {
  if (name.ends_with("norm.weight")) return 1.0f + 0.1f * rng.normal();
  return scale * rng.normal();
}

const TypeChoice* find_type(const std::string& name) {
  for (const auto& c : kTypes) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

constexpr const char* kTypeNames = "f32, f16, bf16, q8_0, q4_0, q4_k, q6_k, q4_k_m";

}  // namespace

StatusOr<DType> synth_tensor_type(const std::string& type, const TextTensorSpec& spec,
                                  const TextHParams& hp) {
  const TypeChoice* choice = find_type(type);
  if (!choice)
    return InvalidArgument("unknown --type '%s'; choose one of: %s", type.c_str(), kTypeNames);
  return tensor_type(*choice, spec, hp);
}

Status synth_text_model(const SynthOptions& o, ThreadPool& pool) {
  const TextPreset* preset = find_text_preset(o.preset);
  if (!preset)
    return InvalidArgument("unknown preset '%s'; choose one of: %s", o.preset.c_str(),
                           text_preset_names().c_str());
  const std::string arch_name = o.arch.empty() ? preset->arch : o.arch;
  const TextArch* arch = find_text_arch(arch_name);
  if (!arch)
    return InvalidArgument("unknown architecture '%s'; choose one of: %s", arch_name.c_str(),
                           text_arch_names().c_str());
  const TypeChoice* choice = find_type(o.type);
  if (!choice)
    return InvalidArgument("unknown --type '%s'; choose one of: %s", o.type.c_str(), kTypeNames);
  if (o.out_path.empty()) return InvalidArgument("no output file; pass -o OUT.gguf");
  if (!(o.scale > 0.0f) || !std::isfinite(o.scale))
    return InvalidArgument("--scale must be a positive number");

  TextHParams hp = preset->hp;
  GgufWriter w;
  const std::string a = arch->name;
  w.set("general.architecture", GgufValue::string(a));
  w.set("general.name", GgufValue::string("omni synthetic " + a + " " + o.preset));
  w.set("general.file_type", GgufValue::u32(choice->file_type));
  if (info(choice->base).block_size > 1) w.set("general.quantization_version", GgufValue::u32(2));
  if (!o.vocab_path.empty()) {
    OMNI_ASSIGN_OR_RETURN(hp.n_vocab, copy_vocab(w, o.vocab_path));
  } else {
    add_synthetic_vocab(w, hp.n_vocab);
  }
  w.set(a + ".vocab_size", GgufValue::u32(uint32_t(hp.n_vocab)));
  w.set(a + ".context_length", GgufValue::u32(uint32_t(hp.n_ctx_train)));
  w.set(a + ".embedding_length", GgufValue::u32(uint32_t(hp.n_embd)));
  w.set(a + ".block_count", GgufValue::u32(uint32_t(hp.n_layer)));
  w.set(a + ".feed_forward_length", GgufValue::u32(uint32_t(hp.n_ff)));
  w.set(a + ".attention.head_count", GgufValue::u32(uint32_t(hp.n_head)));
  w.set(a + ".attention.head_count_kv", GgufValue::u32(uint32_t(hp.n_head_kv)));
  w.set(a + ".attention.layer_norm_rms_epsilon", GgufValue::f32(hp.rms_eps));
  w.set(a + ".rope.freq_base", GgufValue::f32(hp.rope_freq_base));
  w.set(a + ".rope.dimension_count", GgufValue::u32(uint32_t(hp.head_dim)));
  if (hp.head_dim * hp.n_head != hp.n_embd || arch->qk_norm) {
    w.set(a + ".attention.key_length", GgufValue::u32(uint32_t(hp.head_dim)));
    w.set(a + ".attention.value_length", GgufValue::u32(uint32_t(hp.head_dim)));
  }

  const std::vector<float> rope_factors =
      hp.rope_scale_factor > 0 ? llama3_rope_factors(hp) : std::vector<float>();
  for (const TextTensorSpec& spec : text_tensor_specs(*arch, hp)) {
    const DType type = tensor_type(*choice, spec, hp);
    const uint64_t tensor_seed = hash_name(o.seed, spec.name);
    const float scale = o.scale;
    const std::string name = spec.name;
    const std::vector<int64_t> ne = spec.ne;
    GgufWriter::Producer produce;
    if (name == "rope_freqs.weight") {
      produce = [rope_factors](uint8_t* out, size_t n) {
        std::memcpy(out, rope_factors.data(), n);
        return Status::Ok();
      };
    } else if (!spec.is_matrix) {
      produce = [name, tensor_seed, scale](uint8_t* out, size_t n) {
        SynthRng rng(tensor_seed);
        float* y = reinterpret_cast<float*>(out);
        for (size_t i = 0; i < n / 4; ++i) y[i] = vector_value(name, rng, scale);
        return Status::Ok();
      };
    } else {
      // Each row has its own random stream, so the file does not depend on the thread count.
      // quantize_row cannot fail here: the type is quantizable and add_tensor has checked the
      // row length against its block size.
      produce = [type, ne, tensor_seed, scale, &pool](uint8_t* out, size_t) {
        const size_t stride = row_bytes(type, ne[0]);
        pool.parallel_for(size_t(ne[1]), [&](size_t begin, size_t end, int) {
          AlignedBuffer<float> row{size_t(ne[0])};
          for (size_t r = begin; r < end; ++r) {
            SynthRng rng(tensor_seed ^ (0x9e3779b97f4a7c15ull * (r + 1)));
            for (int64_t i = 0; i < ne[0]; ++i) row[size_t(i)] = scale * rng.normal();
            (void)quantize_row(type, row.data(), out + r * stride, ne[0]);
          }
        });
        return Status::Ok();
      };
    }
    OMNI_RETURN_IF_ERROR(w.add_tensor(name, type, ne, std::move(produce)));
  }
  OMNI_LOG_INFO("writing %s: %s %s, %zu tensors, type %s", o.out_path.c_str(), a.c_str(),
                o.preset.c_str(), w.n_tensors(), o.type.c_str());
  return w.write(o.out_path, "synth: tensors");
}

}  // namespace omni
