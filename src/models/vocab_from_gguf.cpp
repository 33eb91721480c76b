#include "models/vocab_from_gguf.h"

namespace omni {
namespace {

Status string_array(const GgufFile& f, const char* key, bool required,
                    std::vector<std::string>* out) {
  const GgufValue* v = f.find(key);
  if (!v)
    return required ? NotFound("%s: no %s; the file carries no tokenizer", f.label().c_str(), key)
                    : Status::Ok();
  if (v->type != GgufType::kArray || v->elem_type != GgufType::kString) {
    return Corrupt("%s: %s must be an array of strings", f.label().c_str(), key);
  }
  out->reserve(v->array.size());
  for (const GgufValue& e : v->array) out->push_back(e.str);
  return Status::Ok();
}

int32_t id_or(const GgufFile& f, const char* key) {
  const int64_t v = f.get_int_or(key, -1);
  return v >= 0 && v < (int64_t(1) << 31) ? int32_t(v) : -1;
}

bool bool_or(const GgufFile& f, const char* key, bool fallback) {
  const GgufValue* v = f.find(key);
  return v && v->type == GgufType::kBool ? v->i != 0 : fallback;
}

}  // namespace

StatusOr<VocabSpec> vocab_spec_from_gguf(const GgufFile& f) {
  VocabSpec s;
  OMNI_ASSIGN_OR_RETURN(s.model, f.get_string("tokenizer.ggml.model"));
  if (const GgufValue* pre = f.find("tokenizer.ggml.pre"); pre && pre->type == GgufType::kString)
    s.pre = pre->str;
  OMNI_RETURN_IF_ERROR(string_array(f, "tokenizer.ggml.tokens", true, &s.tokens));
  OMNI_RETURN_IF_ERROR(string_array(f, "tokenizer.ggml.merges", false, &s.merges));
  if (const GgufValue* types = f.find("tokenizer.ggml.token_type")) {
    if (types->type != GgufType::kArray ||
        (!types->array.empty() && !types->array[0].is_integer())) {
      return Corrupt("%s: tokenizer.ggml.token_type must be an array of integers",
                     f.label().c_str());
    }
    for (const GgufValue& t : types->array)
      s.types.push_back(TokenType(t.i >= 0 && t.i <= 6 ? t.i : 0));
  }
  if (const GgufValue* scores = f.find("tokenizer.ggml.scores")) {
    if (scores->type != GgufType::kArray ||
        (!scores->array.empty() && !scores->array[0].is_float())) {
      return Corrupt("%s: tokenizer.ggml.scores must be an array of floats", f.label().c_str());
    }
    for (const GgufValue& t : scores->array) s.scores.push_back(float(t.f));
  }
  s.bos_id = id_or(f, "tokenizer.ggml.bos_token_id");
  s.eos_id = id_or(f, "tokenizer.ggml.eos_token_id");
  s.unk_id = id_or(f, "tokenizer.ggml.unknown_token_id");
  s.pad_id = id_or(f, "tokenizer.ggml.padding_token_id");
  const bool spm = s.model == "llama";
  s.add_bos = bool_or(f, "tokenizer.ggml.add_bos_token", spm || s.model == "bert");
  s.add_eos = bool_or(f, "tokenizer.ggml.add_eos_token", false);
  s.add_space_prefix = bool_or(f, "tokenizer.ggml.add_space_prefix", spm);
  // Llama 3's tokenizer takes a piece that is a whole token as is; Qwen2 normalizes to NFC.
  s.ignore_merges = s.pre == "llama-bpe" || s.pre == "llama3" || s.pre == "llama-v3";
  s.normalize_nfc = s.pre == "qwen2";
  return s;
}

StatusOr<std::unique_ptr<Tokenizer>> tokenizer_from_gguf(const GgufFile& f) {
  OMNI_ASSIGN_OR_RETURN(VocabSpec spec, vocab_spec_from_gguf(f));
  auto t = Tokenizer::create(std::move(spec));
  if (!t.ok()) return t.status().with_context(f.label());
  return t;
}

}  // namespace omni
