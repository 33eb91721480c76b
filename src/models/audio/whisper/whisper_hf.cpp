#include "models/audio/whisper/whisper_hf.h"

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "base/mapped_file.h"
#include "models/audio/whisper/whisper_model.h"

namespace omni {

std::string whisper_hf_name(const std::string& name) {
  static const std::map<std::string, std::string> kGlobal = {
      {"encoder.positional_embedding", "model.encoder.embed_positions.weight"},
      {"encoder.ln_post.weight", "model.encoder.layer_norm.weight"},
      {"encoder.ln_post.bias", "model.encoder.layer_norm.bias"},
      {"decoder.positional_embedding", "model.decoder.embed_positions.weight"},
      {"decoder.token_embedding.weight", "model.decoder.embed_tokens.weight"},
      {"decoder.ln.weight", "model.decoder.layer_norm.weight"},
      {"decoder.ln.bias", "model.decoder.layer_norm.bias"},
  };
  if (auto it = kGlobal.find(name); it != kGlobal.end()) return it->second;
  // "encoder.blocks.N.<part>" -> "model.encoder.layers.N.<hf part>"; conv layers keep names.
  const size_t blocks = name.find(".blocks.");
  if (blocks == std::string::npos) return "model." + name;
  const size_t dot = name.find('.', blocks + 8);
  const std::string layer =
      name.substr(0, blocks) + ".layers." + name.substr(blocks + 8, dot - (blocks + 8)) + ".";
  std::string part = name.substr(dot + 1);
  static const std::pair<const char*, const char*> kParts[] = {
      {"attn_ln.", "self_attn_layer_norm."},
      {"cross_attn_ln.", "encoder_attn_layer_norm."},
      {"mlp_ln.", "final_layer_norm."},
      {"mlp.0.", "fc1."},
      {"mlp.2.", "fc2."},
      {"cross_attn.query.", "encoder_attn.q_proj."},
      {"cross_attn.key.", "encoder_attn.k_proj."},
      {"cross_attn.value.", "encoder_attn.v_proj."},
      {"cross_attn.out.", "encoder_attn.out_proj."},
      {"attn.query.", "self_attn.q_proj."},
      {"attn.key.", "self_attn.k_proj."},
      {"attn.value.", "self_attn.v_proj."},
      {"attn.out.", "self_attn.out_proj."},
  };
  for (const auto& [from, to] : kParts) {
    const std::string f = from;
    if (part.compare(0, f.size(), f) == 0) {
      part = to + part.substr(f.size());
      break;
    }
  }
  return "model." + layer + part;
}

StatusOr<WhisperHparams> whisper_hparams_from_config(const std::string& json_text) {
  nlohmann::json j = nlohmann::json::parse(json_text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Corrupt("config.json is not a JSON object");
  auto get = [&](const char* key, int32_t* out) -> Status {
    auto it = j.find(key);
    if (it == j.end() || !it->is_number_integer()) {
      return Corrupt("config.json: '%s' is missing or not an integer", key);
    }
    const int64_t v = it->get<int64_t>();
    if (v < 1 || v > (1 << 20)) return Corrupt("config.json: '%s' is %lld", key, (long long)v);
    *out = int32_t(v);
    return Status::Ok();
  };
  WhisperHparams h;
  OMNI_RETURN_IF_ERROR(get("vocab_size", &h.n_vocab));
  OMNI_RETURN_IF_ERROR(get("max_source_positions", &h.n_audio_ctx));
  OMNI_RETURN_IF_ERROR(get("d_model", &h.n_audio_state));
  OMNI_RETURN_IF_ERROR(get("encoder_attention_heads", &h.n_audio_head));
  OMNI_RETURN_IF_ERROR(get("encoder_layers", &h.n_audio_layer));
  OMNI_RETURN_IF_ERROR(get("max_target_positions", &h.n_text_ctx));
  OMNI_RETURN_IF_ERROR(get("decoder_attention_heads", &h.n_text_head));
  OMNI_RETURN_IF_ERROR(get("decoder_layers", &h.n_text_layer));
  OMNI_RETURN_IF_ERROR(get("num_mel_bins", &h.n_mels));
  h.n_text_state = h.n_audio_state;
  if (h.n_audio_state % h.n_audio_head || h.n_text_state % h.n_text_head) {
    return Corrupt("config.json: d_model %d is not a multiple of the attention heads",
                   h.n_audio_state);
  }
  return h;
}

std::string whisper_config_json(const WhisperHparams& h) {
  nlohmann::json j = {
      {"architectures", {"WhisperForConditionalGeneration"}},
      {"model_type", "whisper"},
      {"vocab_size", h.n_vocab},
      {"num_mel_bins", h.n_mels},
      {"d_model", h.n_audio_state},
      {"encoder_layers", h.n_audio_layer},
      {"encoder_attention_heads", h.n_audio_head},
      {"decoder_layers", h.n_text_layer},
      {"decoder_attention_heads", h.n_text_head},
      {"encoder_ffn_dim", 4 * h.n_audio_state},
      {"decoder_ffn_dim", 4 * h.n_text_state},
      {"max_source_positions", h.n_audio_ctx},
      {"max_target_positions", h.n_text_ctx},
      {"torch_dtype", h.ftype == 1 ? "float16" : "float32"},
  };
  return j.dump(2) + "\n";
}

namespace {

// GPT-2's byte alphabet: vocab.json spells byte b as this code point.
std::map<uint32_t, uint8_t> byte_decoder() {
  std::map<uint32_t, uint8_t> m;
  uint32_t next = 256;
  for (uint32_t b = 0; b < 256; ++b) {
    const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
    m[printable ? b : next++] = uint8_t(b);
  }
  return m;
}

// The token strings of vocab.json ({"token": id}), bytes restored; empty where an id is absent.
StatusOr<std::vector<std::string>> read_vocab(const std::string& path) {
  OMNI_ASSIGN_OR_RETURN(std::string text, read_file_to_string(path));
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Corrupt("%s is not a JSON object", path.c_str());
  const auto decoder = byte_decoder();
  std::vector<std::string> tokens;
  for (const auto& [key, value] : j.items()) {
    if (!value.is_number_integer()) continue;
    const int64_t id = value.get<int64_t>();
    if (id < 0 || id >= (1 << 20)) return Corrupt("%s: token id %lld", path.c_str(), (long long)id);
    std::string bytes;
    for (size_t i = 0; i < key.size();) {  // UTF-8 decode, then map each code point to its byte
      const unsigned char c = key[i];
      const int len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
      uint32_t cp = len == 1 ? c : c & (0xFF >> (len + 1));
      for (int k = 1; k < len && i + size_t(k) < key.size(); ++k) {
        cp = (cp << 6) | (uint8_t(key[i + size_t(k)]) & 0x3F);
      }
      i += size_t(len);
      auto it = decoder.find(cp);
      if (it == decoder.end())
        return Corrupt("%s: token '%s' is not byte-level", path.c_str(), key.c_str());
      bytes += char(it->second);
    }
    if (size_t(id) >= tokens.size()) tokens.resize(size_t(id) + 1);
    tokens[size_t(id)] = bytes;
  }
  return tokens;
}

}  // namespace

StatusOr<WhisperModel> WhisperModel::load_hf(const std::string& path) {
  OMNI_ASSIGN_OR_RETURN(SafetensorsModel st, SafetensorsModel::open(path));
  WhisperModel m;
  m.hf_ = std::make_shared<SafetensorsModel>(std::move(st));
  if (m.hf_->config_json().empty()) return NotFound("%s: no config.json", path.c_str());
  auto h = whisper_hparams_from_config(m.hf_->config_json());
  if (!h.ok()) return h.status().with_context(path);
  m.h_ = *h;
  m.mel_ = slaney_mel_filterbank(m.h_.n_mels);
  const std::string vocab = (std::filesystem::path(path) / "vocab.json").string();
  if (std::filesystem::exists(vocab)) {
    OMNI_ASSIGN_OR_RETURN(m.tokens_, read_vocab(vocab));
  }
  auto find = [&](const WhisperTensorSpec& spec) -> StatusOr<TensorView> {
    const std::string name = whisper_hf_name(spec.name);
    const SafetensorsTensor* t = m.hf_->find(name);
    if (!t) return Corrupt("%s: tensor '%s' is missing", path.c_str(), name.c_str());
    // Compare element counts per axis, ignoring whisper.cpp's leading 1 on the conv biases.
    std::vector<int64_t> want;
    for (int64_t n : spec.ne) want.push_back(n);
    if (want.size() == 2 && want[0] == 1) want.erase(want.begin());
    bool same = t->view.n_dims == int(want.size());
    for (size_t i = 0; same && i < want.size(); ++i) same = t->view.ne[i] == want[i];
    if (!same) {
      return Corrupt("%s: tensor '%s' has shape %s", path.c_str(), name.c_str(),
                     shape_string(t->view).c_str());
    }
    if (t->view.type != DType::F32 && t->view.type != DType::F16) {
      return Unsupported("%s: tensor '%s' is %s (f32 or f16 supported)", path.c_str(), name.c_str(),
                         dtype_name(t->view.type));
    }
    return t->view;
  };
  OMNI_RETURN_IF_ERROR(m.assemble(find, path));
  return m;
}

}  // namespace omni
