#include "models/export_hf.h"

#include <sys/stat.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "base/mapped_file.h"
#include "formats/gguf.h"
#include "formats/safetensors.h"
#include "models/text/llama_family.h"

namespace omni {
namespace {

// GGUF row 2j+s of a head (adjacent pairs) is Hugging Face row s*(head_dim/2)+j (halves).
std::vector<uint8_t> unpermute_rows(const TensorView& v, int64_t n_heads) {
  const size_t row = v.nb[1];
  const int64_t rows = v.ne[1], head_dim = rows / n_heads, half = head_dim / 2;
  std::vector<uint8_t> out(row * size_t(rows));
  const auto* src = static_cast<const uint8_t*>(v.data);
  for (int64_t h = 0; h < n_heads; ++h) {
    for (int64_t j = 0; j < half; ++j) {
      for (int64_t s = 0; s < 2; ++s) {
        const int64_t from = h * head_dim + 2 * j + s, to = h * head_dim + s * half + j;
        std::memcpy(out.data() + size_t(to) * row, src + size_t(from) * row, row);
      }
    }
  }
  return out;
}

std::string hf_name(const std::string& gguf) {
  static const std::pair<const char*, const char*> kLayer[] = {
      {"attn_norm.weight", "input_layernorm.weight"},
      {"attn_q.weight", "self_attn.q_proj.weight"},
      {"attn_k.weight", "self_attn.k_proj.weight"},
      {"attn_v.weight", "self_attn.v_proj.weight"},
      {"attn_output.weight", "self_attn.o_proj.weight"},
      {"attn_q.bias", "self_attn.q_proj.bias"},
      {"attn_k.bias", "self_attn.k_proj.bias"},
      {"attn_v.bias", "self_attn.v_proj.bias"},
      {"attn_q_norm.weight", "self_attn.q_norm.weight"},
      {"attn_k_norm.weight", "self_attn.k_norm.weight"},
      {"ffn_norm.weight", "post_attention_layernorm.weight"},
      {"ffn_gate.weight", "mlp.gate_proj.weight"},
      {"ffn_up.weight", "mlp.up_proj.weight"},
      {"ffn_down.weight", "mlp.down_proj.weight"},
  };
  if (gguf == "token_embd.weight") return "model.embed_tokens.weight";
  if (gguf == "output_norm.weight") return "model.norm.weight";
  if (gguf == "output.weight") return "lm_head.weight";
  if (gguf.rfind("blk.", 0) == 0) {
    const size_t dot = gguf.find('.', 4);
    const std::string layer = gguf.substr(4, dot - 4), rest = gguf.substr(dot + 1);
    for (const auto& [g, h] : kLayer) {
      if (rest == g) return "model.layers." + layer + "." + h;
    }
  }
  return "";
}

}  // namespace

Status export_hf(const std::string& gguf_path, const std::string& out_dir) {
  OMNI_ASSIGN_OR_RETURN(GgufFile f, GgufFile::open(gguf_path));
  OMNI_ASSIGN_OR_RETURN(std::string arch_name, f.get_string("general.architecture"));
  const TextArch* arch = find_text_arch(arch_name);
  if (!arch)
    return Unsupported("%s: architecture '%s' cannot be exported", gguf_path.c_str(),
                       arch_name.c_str());
  OMNI_ASSIGN_OR_RETURN(TextHParams hp, text_hparams_from_gguf(f, *arch));
  mkdir(out_dir.c_str(), 0755);

  std::vector<std::vector<uint8_t>> owned;
  std::vector<SafetensorsTensorData> tensors;
  bool tied = true;
  for (const GgufTensorInfo& t : f.tensors()) {
    if (t.name == "rope_freqs.weight") continue;  // config.json's rope_scaling says the same
    const std::string name = hf_name(t.name);
    if (name.empty())
      return Unsupported("%s: no Hugging Face name for tensor '%s'", gguf_path.c_str(),
                         t.name.c_str());
    if (t.view.type != DType::F32 && t.view.type != DType::F16 && t.view.type != DType::BF16) {
      return Unsupported("%s: tensor '%s' is %s; export needs f32, f16 or bf16 weights",
                         gguf_path.c_str(), t.name.c_str(), dtype_name(t.view.type));
    }
    if (t.name == "output.weight") tied = false;
    std::vector<int64_t> shape;
    for (int d = t.view.n_dims - 1; d >= 0; --d) shape.push_back(t.view.ne[size_t(d)]);
    const void* data = t.view.data;
    const bool is_q = t.name.ends_with("attn_q.weight"), is_k = t.name.ends_with("attn_k.weight");
    if (!arch->neox_rope && (is_q || is_k)) {
      owned.push_back(unpermute_rows(t.view, is_q ? hp.n_head : hp.n_head_kv));
      data = owned.back().data();
    }
    tensors.push_back({name, t.view.type, shape, data});
  }
  OMNI_RETURN_IF_ERROR(
      write_safetensors(out_dir + "/model.safetensors", tensors, {{"format", "pt"}}));

  nlohmann::ordered_json cfg = {
      {"architectures",
       {arch_name == "llama"   ? "LlamaForCausalLM"
        : arch_name == "qwen2" ? "Qwen2ForCausalLM"
                               : "Qwen3ForCausalLM"}},
      {"model_type", arch_name},
      {"hidden_size", hp.n_embd},
      {"num_hidden_layers", hp.n_layer},
      {"num_attention_heads", hp.n_head},
      {"num_key_value_heads", hp.n_head_kv},
      {"head_dim", hp.head_dim},
      {"intermediate_size", hp.n_ff},
      {"max_position_embeddings", hp.n_ctx_train},
      {"rms_norm_eps", hp.rms_eps},
      {"rope_theta", hp.rope_freq_base},
      {"tie_word_embeddings", tied},
      {"vocab_size", f.find_tensor("token_embd.weight")->view.ne[1]},
      {"torch_dtype", "float32"},
  };
  if (const GgufTensorInfo* rf = f.find_tensor("rope_freqs.weight")) {
    // GGUF stores the Llama 3 factors themselves; the lowest frequency carries the full scale
    // factor, and the other parameters are Llama 3.x's (low 1, high 4, original context 8192).
    if (rf->view.type != DType::F32)
      return Unsupported("%s: rope_freqs.weight must be f32", gguf_path.c_str());
    const float* factors = static_cast<const float*>(rf->view.data);
    cfg["rope_scaling"] = {{"rope_type", "llama3"},
                           {"factor", factors[rf->view.ne[0] - 1]},
                           {"low_freq_factor", 1.0},
                           {"high_freq_factor", 4.0},
                           {"original_max_position_embeddings", 8192}};
  }
  const std::string cfg_text = cfg.dump(2);
  OMNI_RETURN_IF_ERROR(
      write_file_atomic(out_dir + "/config.json", cfg_text.data(), cfg_text.size()));

  // tokenizer.json from a byte-level BPE vocabulary.
  const GgufValue* tokens = f.find("tokenizer.ggml.tokens");
  const GgufValue* model = f.find("tokenizer.ggml.model");
  if (!tokens || !model || model->str != "gpt2") {
    return Unsupported("%s: only byte-level BPE (gpt2) vocabularies are exported to tokenizer.json",
                       gguf_path.c_str());
  }
  const GgufValue* types = f.find("tokenizer.ggml.token_type");
  nlohmann::ordered_json vocab = nlohmann::ordered_json::object(),
                         added = nlohmann::ordered_json::array();
  for (size_t i = 0; i < tokens->array.size(); ++i) {
    const int64_t type = types && i < types->array.size() ? types->array[i].i : 1;
    if (type == 3 || type == 4) {
      added.push_back({{"id", i}, {"content", tokens->array[i].str}, {"special", type == 3}});
    } else {
      vocab[tokens->array[i].str] = i;
    }
  }
  nlohmann::ordered_json merges = nlohmann::ordered_json::array();
  if (const GgufValue* m = f.find("tokenizer.ggml.merges")) {
    for (const auto& v : m->array) merges.push_back(v.str);
  }
  const std::string pre =
      f.find("tokenizer.ggml.pre") ? f.find("tokenizer.ggml.pre")->str : "default";
  const char* pattern =
      pre == "qwen2"
          ? "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| "
            "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"
          : "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
  nlohmann::ordered_json tok = {
      {"version", "1.0"},
      {"added_tokens", added},
      {"normalizer",
       pre == "qwen2" ? nlohmann::ordered_json{{"type", "NFC"}} : nlohmann::ordered_json(nullptr)},
      {"pre_tokenizer",
       {{"type", "Sequence"},
        {"pretokenizers",
         {{{"type", "Split"},
           {"pattern", {{"Regex", pattern}}},
           {"behavior", "Isolated"},
           {"invert", false}},
          {{"type", "ByteLevel"},
           {"add_prefix_space", false},
           {"trim_offsets", false},
           {"use_regex", false}}}}}},
      {"decoder", {{"type", "ByteLevel"}}},
      {"model",
       {{"type", "BPE"},
        {"vocab", vocab},
        {"merges", merges},
        {"ignore_merges", pre == "llama-bpe"}}},
  };
  const std::string tok_text = tok.dump();
  OMNI_RETURN_IF_ERROR(
      write_file_atomic(out_dir + "/tokenizer.json", tok_text.data(), tok_text.size()));
  nlohmann::ordered_json tcfg = nlohmann::ordered_json::object();
  auto token_text = [&](const char* key) -> std::string {
    const int64_t id = f.get_int_or(key, -1);
    return id >= 0 && size_t(id) < tokens->array.size() ? tokens->array[size_t(id)].str : "";
  };
  if (!token_text("tokenizer.ggml.bos_token_id").empty())
    tcfg["bos_token"] = token_text("tokenizer.ggml.bos_token_id");
  if (!token_text("tokenizer.ggml.eos_token_id").empty())
    tcfg["eos_token"] = token_text("tokenizer.ggml.eos_token_id");
  tcfg["add_bos_token"] =
      f.find("tokenizer.ggml.add_bos_token") && f.find("tokenizer.ggml.add_bos_token")->i != 0;
  if (const GgufValue* t = f.find("tokenizer.chat_template")) tcfg["chat_template"] = t->str;
  const std::string tcfg_text = tcfg.dump(2);
  return write_file_atomic(out_dir + "/tokenizer_config.json", tcfg_text.data(), tcfg_text.size());
}

}  // namespace omni
