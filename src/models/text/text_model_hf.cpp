// Loading a llama-family model from a Hugging Face checkpoint: config.json for the
// hyperparameters, *.safetensors for the weights (viewed in place: HF's [out, in] matrices are
// this project's [n_in, n_out] views), tokenizer.json for the vocabulary. HF checkpoints keep q/k
// in the layout for NeoX-style RoPE, for every architecture.
#include <nlohmann/json.hpp>

#include "kernels/kernels.h"
#include "models/text/text_model.h"
#include "models/vocab_from_hf.h"

namespace omni {
namespace {

std::string dir_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

class HfLoader {
 public:
  HfLoader(const SafetensorsModel& st, const std::string& label)
      : st_(st), label_(label), k_(select_kernels()) {}

  Status matrix(const std::string& name, int64_t n_in, int64_t n_out, TensorView* out) {
    const SafetensorsTensor* t = st_.find(name);
    if (!t) return NotFound("%s: tensor '%s' is missing", label_.c_str(), name.c_str());
    if (t->shape.size() != 2 || t->shape[0] != n_out || t->shape[1] != n_in) {
      return Corrupt("%s: tensor '%s' has shape %s, expected [%lld, %lld] (rows, columns)",
                     label_.c_str(), name.c_str(), shape_string(t->view).c_str(), (long long)n_out,
                     (long long)n_in);
    }
    *out = t->view;
    return Status::Ok();
  }

  Status vector(const std::string& name, int64_t n, bool required, std::vector<float>* out) {
    const SafetensorsTensor* t = st_.find(name);
    if (!t)
      return required ? NotFound("%s: tensor '%s' is missing", label_.c_str(), name.c_str())
                      : Status::Ok();
    if (t->view.n_elements() != n) {
      return Corrupt("%s: tensor '%s' has %lld elements, expected %lld", label_.c_str(),
                     name.c_str(), (long long)t->view.n_elements(), (long long)n);
    }
    out->resize(size_t(n));
    k_.dequantize[uint32_t(t->view.type)](t->view.data, out->data(), n);
    return Status::Ok();
  }

 private:
  const SafetensorsModel& st_;
  std::string label_;
  const KernelTable& k_;
};

}  // namespace

StatusOr<std::unique_ptr<TextModel>> load_hf_text_model_impl(const std::string& path);

StatusOr<std::unique_ptr<TextModel>> load_hf_text_model(const std::string& path) {
  // A JSON value of an unexpected type (say "rms_norm_eps": "x") makes nlohmann::json throw;
  // that is a malformed file, reported as such.
  try {
    return load_hf_text_model_impl(path);
  } catch (const nlohmann::json::exception& e) {
    return Corrupt("%s: unexpected value in config.json or tokenizer.json: %s", path.c_str(),
                   e.what());
  }
}

StatusOr<std::unique_ptr<TextModel>> load_hf_text_model_impl(const std::string& path) {
  auto m = std::unique_ptr<TextModel>(new TextModel());
  OMNI_ASSIGN_OR_RETURN(SafetensorsModel st, SafetensorsModel::open(path));
  m->safetensors_ = std::make_unique<SafetensorsModel>(std::move(st));
  const std::string dir = path.ends_with(".safetensors") ? dir_of(path) : path;
  const std::string cfg_path = dir + "/config.json";
  if (m->safetensors_->config_json().empty())
    return NotFound("%s: no config.json beside the weights", cfg_path.c_str());
  // Not const: operator[] on a const json with a missing key is undefined behaviour; on a mutable
  // one it yields null.
  nlohmann::json cfg = nlohmann::json::parse(m->safetensors_->config_json(), nullptr, false);
  if (cfg.is_discarded() || !cfg.is_object())
    return Corrupt("%s: not a JSON object", cfg_path.c_str());
  const std::string type = cfg.value("model_type", "");
  m->arch_ = find_text_arch(type);
  if (!m->arch_) {
    return Unsupported("%s: model_type '%s' is not a text model this build runs (supported: %s)",
                       cfg_path.c_str(), type.c_str(), text_arch_names().c_str());
  }
  m->neox_rope_ = true;
  TextHParams& hp = m->hp_;
  auto get = [&](const char* key, int64_t fallback) -> int64_t {
    const auto& v = cfg[std::string(key)];
    return v.is_number_integer() ? v.get<int64_t>() : fallback;
  };
  hp.n_embd = get("hidden_size", 0);
  hp.n_layer = get("num_hidden_layers", 0);
  hp.n_head = get("num_attention_heads", 0);
  hp.n_ff = get("intermediate_size", 0);
  if (hp.n_embd <= 0 || hp.n_layer <= 0 || hp.n_head <= 0 || hp.n_ff <= 0) {
    return Corrupt(
        "%s: hidden_size, num_hidden_layers, num_attention_heads and intermediate_size must be "
        "positive",
        cfg_path.c_str());
  }
  hp.n_head_kv = get("num_key_value_heads", hp.n_head);
  hp.head_dim = get("head_dim", hp.n_embd / hp.n_head);
  hp.n_rot = hp.head_dim;
  hp.n_ctx_train = get("max_position_embeddings", 4096);
  hp.rms_eps = cfg.value("rms_norm_eps", 1e-6);
  hp.rope_freq_base = cfg.value("rope_theta", 10000.0);
  hp.tied_embeddings = cfg.value("tie_word_embeddings", false);
  if (hp.n_head_kv <= 0 || hp.n_head % hp.n_head_kv || hp.head_dim <= 0 || hp.head_dim % 2 ||
      hp.head_dim > 1024) {
    return Corrupt("%s: inconsistent attention sizes (heads %lld, kv heads %lld, head_dim %lld)",
                   cfg_path.c_str(), (long long)hp.n_head, (long long)hp.n_head_kv,
                   (long long)hp.head_dim);
  }
  if (const auto& rs = cfg["rope_scaling"]; rs.is_object()) {  // cfg is mutable: absent -> null
    const std::string rt = rs.value("rope_type", rs.value("type", ""));
    if (rt != "llama3")
      return Unsupported("%s: rope_scaling type '%s' (supported: llama3)", cfg_path.c_str(),
                         rt.c_str());
    hp.rope_scale_factor = rs.value("factor", 8.0f);
    hp.rope_low_freq_factor = rs.value("low_freq_factor", 1.0f);
    hp.rope_high_freq_factor = rs.value("high_freq_factor", 4.0f);
    hp.rope_orig_ctx = rs.value("original_max_position_embeddings", int64_t(8192));
    m->rope_factors_ = llama3_rope_factors(hp);
  }

  HfLoader load(*m->safetensors_, path);
  const SafetensorsTensor* embd = m->safetensors_->find("model.embed_tokens.weight");
  if (!embd) return NotFound("%s: tensor 'model.embed_tokens.weight' is missing", path.c_str());
  hp.n_vocab = embd->view.ne[1];
  OMNI_RETURN_IF_ERROR(
      load.matrix("model.embed_tokens.weight", hp.n_embd, hp.n_vocab, &m->tok_embd_));
  if (!hp.tied_embeddings && m->safetensors_->find("lm_head.weight")) {
    OMNI_RETURN_IF_ERROR(load.matrix("lm_head.weight", hp.n_embd, hp.n_vocab, &m->output_));
  } else {
    hp.tied_embeddings = true;
    m->output_ = m->tok_embd_;
  }
  OMNI_RETURN_IF_ERROR(load.vector("model.norm.weight", hp.n_embd, true, &m->output_norm_));
  const int64_t q_dim = hp.n_head * hp.head_dim, kv_dim = hp.n_head_kv * hp.head_dim;
  const bool bias = m->arch_->qkv_bias, qk_norm = m->arch_->qk_norm;
  m->layers_.resize(size_t(hp.n_layer));
  for (int64_t i = 0; i < hp.n_layer; ++i) {
    TextLayer& l = m->layers_[size_t(i)];
    const std::string b = "model.layers." + std::to_string(i) + ".";
    OMNI_RETURN_IF_ERROR(load.vector(b + "input_layernorm.weight", hp.n_embd, true, &l.attn_norm));
    OMNI_RETURN_IF_ERROR(load.matrix(b + "self_attn.q_proj.weight", hp.n_embd, q_dim, &l.wq));
    OMNI_RETURN_IF_ERROR(load.matrix(b + "self_attn.k_proj.weight", hp.n_embd, kv_dim, &l.wk));
    OMNI_RETURN_IF_ERROR(load.matrix(b + "self_attn.v_proj.weight", hp.n_embd, kv_dim, &l.wv));
    OMNI_RETURN_IF_ERROR(load.matrix(b + "self_attn.o_proj.weight", q_dim, hp.n_embd, &l.wo));
    OMNI_RETURN_IF_ERROR(load.vector(b + "self_attn.q_proj.bias", q_dim, bias, &l.bq));
    OMNI_RETURN_IF_ERROR(load.vector(b + "self_attn.k_proj.bias", kv_dim, bias, &l.bk));
    OMNI_RETURN_IF_ERROR(load.vector(b + "self_attn.v_proj.bias", kv_dim, bias, &l.bv));
    OMNI_RETURN_IF_ERROR(
        load.vector(b + "self_attn.q_norm.weight", hp.head_dim, qk_norm, &l.q_norm));
    OMNI_RETURN_IF_ERROR(
        load.vector(b + "self_attn.k_norm.weight", hp.head_dim, qk_norm, &l.k_norm));
    OMNI_RETURN_IF_ERROR(
        load.vector(b + "post_attention_layernorm.weight", hp.n_embd, true, &l.ffn_norm));
    OMNI_RETURN_IF_ERROR(load.matrix(b + "mlp.gate_proj.weight", hp.n_embd, hp.n_ff, &l.w_gate));
    OMNI_RETURN_IF_ERROR(load.matrix(b + "mlp.up_proj.weight", hp.n_embd, hp.n_ff, &l.w_up));
    OMNI_RETURN_IF_ERROR(load.matrix(b + "mlp.down_proj.weight", hp.n_ff, hp.n_embd, &l.w_down));
  }
  auto vocab = vocab_spec_from_hf(dir);
  if (!vocab.ok()) return vocab.status();
  OMNI_ASSIGN_OR_RETURN(m->tokenizer_, Tokenizer::create(std::move(*vocab)));
  m->chat_template_ = chat_template_from_hf(dir);
  SafetensorsModel* weights = m->safetensors_.get();
  OMNI_RETURN_IF_ERROR(
      m->interleave_matrices([weights](const TensorView& t) { weights->release_data(t); }));
  return m;
}

}  // namespace omni
