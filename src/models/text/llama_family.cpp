#include "models/text/llama_family.h"

#include <cmath>

#include "formats/gguf.h"

namespace omni {
namespace {

constexpr TextArch kArchs[] = {
    {"llama", false, false, false},
    {"qwen2", true, false, true},
    {"qwen3", false, true, true},
};

TextHParams make(int64_t vocab, int64_t ctx, int64_t embd, int64_t layers, int64_t heads,
                 int64_t kv_heads, int64_t head_dim, int64_t ff, float eps, float base, bool tied) {
  TextHParams hp;
  hp.n_vocab = vocab;
  hp.n_ctx_train = ctx;
  hp.n_embd = embd;
  hp.n_layer = layers;
  hp.n_head = heads;
  hp.n_head_kv = kv_heads;
  hp.head_dim = head_dim;
  hp.n_ff = ff;
  hp.rms_eps = eps;
  hp.rope_freq_base = base;
  hp.tied_embeddings = tied;
  return hp;
}

const TextPreset* presets() {
  static const TextPreset kPresets[] = {
      // A few-megabyte model for tests: every matrix row is a multiple of 256 so that every
      // quantized type applies without fallbacks.
      {"tiny", "llama", make(1024, 2048, 256, 2, 4, 2, 64, 768, 1e-5f, 10000.0f, false)},
      {"qwen2.5-0.5b", "qwen2",
       make(151936, 32768, 896, 24, 14, 2, 64, 4864, 1e-6f, 1000000.0f, true)},
      {"qwen3-0.6b", "qwen3",
       make(151936, 40960, 1024, 28, 16, 8, 128, 3072, 1e-6f, 1000000.0f, true)},
      {"llama-3.2-1b", "llama",
       [] {
         TextHParams hp = make(128256, 131072, 2048, 16, 32, 8, 64, 8192, 1e-5f, 500000.0f, true);
         hp.rope_scale_factor = 32.0f;
         hp.rope_low_freq_factor = 1.0f;
         hp.rope_high_freq_factor = 4.0f;
         hp.rope_orig_ctx = 8192;
         return hp;
       }()},
      {nullptr, nullptr, {}},
  };
  return kPresets;
}

}  // namespace

const TextArch* find_text_arch(std::string_view name) {
  for (const TextArch& a : kArchs) {
    if (name == a.name) return &a;
  }
  return nullptr;
}

std::string text_arch_names() {
  std::string s;
  for (const TextArch& a : kArchs) s += (s.empty() ? "" : ", ") + std::string(a.name);
  return s;
}

const TextPreset* find_text_preset(std::string_view name) {
  for (const TextPreset* p = presets(); p->name; ++p) {
    if (name == p->name) return p;
  }
  return nullptr;
}

std::string text_preset_names() {
  std::string s;
  for (const TextPreset* p = presets(); p->name; ++p)
    s += (s.empty() ? "" : ", ") + std::string(p->name);
  return s;
}

std::vector<TextTensorSpec> text_tensor_specs(const TextArch& arch, const TextHParams& hp) {
  const int64_t q_dim = hp.n_head * hp.head_dim, kv_dim = hp.n_head_kv * hp.head_dim;
  std::vector<TextTensorSpec> t;
  t.push_back({"token_embd.weight", {hp.n_embd, hp.n_vocab}, true, -1});
  if (hp.rope_scale_factor > 0) t.push_back({"rope_freqs.weight", {hp.head_dim / 2}, false, -1});
  for (int i = 0; i < int(hp.n_layer); ++i) {
    const std::string b = "blk." + std::to_string(i) + ".";
    t.push_back({b + "attn_norm.weight", {hp.n_embd}, false, i});
    t.push_back({b + "attn_q.weight", {hp.n_embd, q_dim}, true, i});
    t.push_back({b + "attn_k.weight", {hp.n_embd, kv_dim}, true, i});
    t.push_back({b + "attn_v.weight", {hp.n_embd, kv_dim}, true, i});
    if (arch.qkv_bias) {
      t.push_back({b + "attn_q.bias", {q_dim}, false, i});
      t.push_back({b + "attn_k.bias", {kv_dim}, false, i});
      t.push_back({b + "attn_v.bias", {kv_dim}, false, i});
    }
    if (arch.qk_norm) {
      t.push_back({b + "attn_q_norm.weight", {hp.head_dim}, false, i});
      t.push_back({b + "attn_k_norm.weight", {hp.head_dim}, false, i});
    }
    t.push_back({b + "attn_output.weight", {q_dim, hp.n_embd}, true, i});
    t.push_back({b + "ffn_norm.weight", {hp.n_embd}, false, i});
    t.push_back({b + "ffn_gate.weight", {hp.n_embd, hp.n_ff}, true, i});
    t.push_back({b + "ffn_up.weight", {hp.n_embd, hp.n_ff}, true, i});
    t.push_back({b + "ffn_down.weight", {hp.n_ff, hp.n_embd}, true, i});
  }
  t.push_back({"output_norm.weight", {hp.n_embd}, false, -1});
  if (!hp.tied_embeddings) t.push_back({"output.weight", {hp.n_embd, hp.n_vocab}, true, -1});
  return t;
}

std::vector<float> llama3_rope_factors(const TextHParams& hp) {
  // Frequencies whose wavelength is longer than orig_ctx / low_freq_factor are slowed by the full
  // factor, those shorter than orig_ctx / high_freq_factor are kept, and those in between are
  // interpolated smoothly (Llama 3.1's published rule).
  std::vector<float> factors(size_t(hp.head_dim / 2));
  const double low_wavelen = hp.rope_orig_ctx / hp.rope_low_freq_factor;
  const double high_wavelen = hp.rope_orig_ctx / hp.rope_high_freq_factor;
  for (size_t i = 0; i < factors.size(); ++i) {
    const double freq =
        1.0 / std::pow(double(hp.rope_freq_base), 2.0 * double(i) / double(hp.head_dim));
    const double wavelen = 2.0 * M_PI / freq;
    if (wavelen < high_wavelen) {
      factors[i] = 1.0f;
    } else if (wavelen > low_wavelen) {
      factors[i] = hp.rope_scale_factor;
    } else {
      const double smooth = (hp.rope_orig_ctx / wavelen - hp.rope_low_freq_factor) /
                            (hp.rope_high_freq_factor - hp.rope_low_freq_factor);
      factors[i] = float(1.0 / ((1.0 - smooth) / hp.rope_scale_factor + smooth));
    }
  }
  return factors;
}

}  // namespace omni

namespace omni {

StatusOr<TextHParams> text_hparams_from_gguf(const GgufFile& f, const TextArch& arch) {
  const std::string a = arch.name;
  TextHParams hp;
  auto req = [&](const char* key, int64_t* out) -> Status {
    auto v = f.get_int(a + key);
    if (!v.ok()) return v.status();
    if (*v <= 0 || *v > (int64_t(1) << 31))
      return Corrupt("%s: %s%s is %lld", f.label().c_str(), a.c_str(), key, (long long)*v);
    *out = *v;
    return Status::Ok();
  };
  OMNI_RETURN_IF_ERROR(req(".embedding_length", &hp.n_embd));
  OMNI_RETURN_IF_ERROR(req(".block_count", &hp.n_layer));
  OMNI_RETURN_IF_ERROR(req(".feed_forward_length", &hp.n_ff));
  OMNI_RETURN_IF_ERROR(req(".attention.head_count", &hp.n_head));
  hp.n_head_kv = f.get_int_or(a + ".attention.head_count_kv", hp.n_head);
  hp.n_ctx_train = f.get_int_or(a + ".context_length", 2048);
  hp.head_dim = f.get_int_or(a + ".attention.key_length", hp.n_embd / hp.n_head);
  hp.n_rot = f.get_int_or(a + ".rope.dimension_count", hp.head_dim);
  hp.rms_eps = float(f.get_float_or(a + ".attention.layer_norm_rms_epsilon", 1e-5));
  hp.rope_freq_base = float(f.get_float_or(a + ".rope.freq_base", 10000.0));
  if (hp.n_head_kv <= 0 || hp.n_head % hp.n_head_kv != 0) {
    return Corrupt("%s: %lld attention heads cannot be shared by %lld key/value heads",
                   f.label().c_str(), (long long)hp.n_head, (long long)hp.n_head_kv);
  }
  if (hp.head_dim <= 0 || hp.head_dim > 1024 || hp.n_rot <= 0 || hp.n_rot > hp.head_dim ||
      hp.n_rot % 2) {
    return Corrupt("%s: head size %lld with %lld rotary dimensions is not supported",
                   f.label().c_str(), (long long)hp.head_dim, (long long)hp.n_rot);
  }
  if (!(hp.rms_eps > 0) || !(hp.rope_freq_base > 0)) {
    return Corrupt("%s: layer_norm_rms_epsilon and rope.freq_base must be positive",
                   f.label().c_str());
  }
  return hp;
}

}  // namespace omni
