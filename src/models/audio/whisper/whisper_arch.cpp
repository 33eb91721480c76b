#include "models/audio/whisper/whisper_arch.h"

namespace omni {
namespace {

void add_block(std::vector<WhisperTensorSpec>& specs, const std::string& prefix, int64_t n,
               bool cross) {
  auto vec = [&](const std::string& name, int64_t len) {
    specs.push_back({prefix + name, {len}, false});
  };
  auto mat = [&](const std::string& name, int64_t n_in, int64_t n_out) {
    specs.push_back({prefix + name, {n_in, n_out}, true});
  };
  vec("mlp_ln.weight", n);
  vec("mlp_ln.bias", n);
  mat("mlp.0.weight", n, 4 * n);
  vec("mlp.0.bias", 4 * n);
  mat("mlp.2.weight", 4 * n, n);
  vec("mlp.2.bias", n);
  for (const std::string attn : {"attn", "cross_attn"}) {
    if (attn == "cross_attn" && !cross) continue;
    vec(attn + "_ln.weight", n);
    vec(attn + "_ln.bias", n);
    mat(attn + ".query.weight", n, n);
    vec(attn + ".query.bias", n);
    mat(attn + ".key.weight", n, n);
    mat(attn + ".value.weight", n, n);
    vec(attn + ".value.bias", n);
    mat(attn + ".out.weight", n, n);
    vec(attn + ".out.bias", n);
  }
}

}  // namespace

std::vector<WhisperTensorSpec> whisper_tensor_specs(const WhisperHparams& h) {
  std::vector<WhisperTensorSpec> s;
  const int64_t na = h.n_audio_state, nt = h.n_text_state;
  s.push_back({"encoder.positional_embedding", {na, h.n_audio_ctx}, false});
  s.push_back({"encoder.conv1.weight", {3, h.n_mels, na}, true});
  s.push_back({"encoder.conv1.bias", {1, na}, false});
  s.push_back({"encoder.conv2.weight", {3, na, na}, true});
  s.push_back({"encoder.conv2.bias", {1, na}, false});
  s.push_back({"encoder.ln_post.weight", {na}, false});
  s.push_back({"encoder.ln_post.bias", {na}, false});
  s.push_back({"decoder.positional_embedding", {nt, h.n_text_ctx}, false});
  s.push_back({"decoder.token_embedding.weight", {nt, h.n_vocab}, true});
  s.push_back({"decoder.ln.weight", {nt}, false});
  s.push_back({"decoder.ln.bias", {nt}, false});
  for (int i = 0; i < h.n_audio_layer; ++i) {
    add_block(s, "encoder.blocks." + std::to_string(i) + ".", na, false);
  }
  for (int i = 0; i < h.n_text_layer; ++i) {
    add_block(s, "decoder.blocks." + std::to_string(i) + ".", nt, true);
  }
  return s;
}

const char* whisper_preset_names() {
  return "test, tiny, base, small, medium, large-v3, large-v3-turbo";
}

StatusOr<WhisperHparams> whisper_preset(const std::string& name) {
  struct Preset {
    const char* name;
    int32_t n_state, n_head, n_audio_layer, n_text_layer, n_mels, n_vocab;
  };
  static const Preset kPresets[] = {
      {"tiny", 384, 6, 4, 4, 80, 51865},          {"base", 512, 8, 6, 6, 80, 51865},
      {"small", 768, 12, 12, 12, 80, 51865},      {"medium", 1024, 16, 24, 24, 80, 51865},
      {"large-v3", 1280, 20, 32, 32, 128, 51866}, {"large-v3-turbo", 1280, 20, 32, 4, 128, 51866},
  };
  WhisperHparams h;
  h.ftype = 1;
  if (name == "test") {
    h.n_vocab = 51865;
    h.n_audio_ctx = 64;
    h.n_audio_state = h.n_text_state = 64;
    h.n_audio_head = h.n_text_head = 2;
    h.n_audio_layer = h.n_text_layer = 2;
    h.n_text_ctx = 448;
    h.n_mels = 80;
    return h;
  }
  for (const Preset& p : kPresets) {
    if (name != p.name) continue;
    h.n_vocab = p.n_vocab;
    h.n_audio_ctx = 1500;
    h.n_audio_state = h.n_text_state = p.n_state;
    h.n_audio_head = h.n_text_head = p.n_head;
    h.n_audio_layer = p.n_audio_layer;
    h.n_text_layer = p.n_text_layer;
    h.n_text_ctx = 448;
    h.n_mels = p.n_mels;
    return h;
  }
  return InvalidArgument("unknown whisper preset '%s' (%s)", name.c_str(), whisper_preset_names());
}

}  // namespace omni
