#include <string>
#include <vector>

#include "models/synth/synth.h"

namespace omni {
namespace {

// GPT-2's byte-to-text mapping: printable bytes map to themselves, the rest to U+0100 upwards,
// so every byte has a visible, unique token text.
std::vector<std::string> byte_tokens() {
  std::vector<std::string> out(256);
  int extra = 0;
  for (int b = 0; b < 256; ++b) {
    const bool printable =
        (b >= '!' && b <= '~') || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    const int cp = printable ? b : 256 + extra++;
    std::string s;
    if (cp < 0x80) {
      s += char(cp);
    } else {
      s += char(0xc0 | (cp >> 6));
      s += char(0x80 | (cp & 0x3f));
    }
    out[size_t(b)] = s;
  }
  return out;
}

}  // namespace

void add_synthetic_vocab(GgufWriter& w, int64_t n_vocab) {
  const std::vector<std::string> bytes = byte_tokens();
  const std::vector<std::string> specials = {"<|endoftext|>", "<|im_start|>", "<|im_end|>"};
  std::vector<std::string> tokens = bytes;
  std::vector<int32_t> types(bytes.size(), 1);  // 1 = normal
  std::vector<std::string> merges;
  const std::string letters = "etaoinshrdlucmfwypvbgkjqxz";
  const std::string space = bytes[' '];  // "Ġ"
  const int64_t n_regular = n_vocab - int64_t(specials.size());
  // Merges: "Ġ" + letter, then letter + letter pairs.
  std::vector<std::pair<std::string, std::string>> pairs;
  for (char a : letters) pairs.emplace_back(space, std::string(1, a));
  for (char a : letters) {
    for (char b : letters) pairs.emplace_back(std::string(1, a), std::string(1, b));
  }
  for (const auto& [a, b] : pairs) {
    if (int64_t(tokens.size()) >= n_regular) break;
    merges.push_back(a + " " + b);
    tokens.push_back(a + b);
    types.push_back(1);
  }
  while (int64_t(tokens.size()) < n_regular) {
    tokens.push_back("[PAD" + std::to_string(tokens.size()) + "]");
    types.push_back(5);  // unused
  }
  const int32_t first_special = int32_t(tokens.size());
  for (const auto& s : specials) {
    tokens.push_back(s);
    types.push_back(3);  // control
  }
  w.set("tokenizer.ggml.model", GgufValue::string("gpt2"));
  w.set("tokenizer.ggml.pre", GgufValue::string("default"));
  w.set("tokenizer.ggml.tokens", GgufValue::string_array(tokens));
  w.set("tokenizer.ggml.token_type", GgufValue::i32_array(types));
  w.set("tokenizer.ggml.merges", GgufValue::string_array(merges));
  w.set("tokenizer.ggml.bos_token_id", GgufValue::u32(uint32_t(first_special)));
  w.set("tokenizer.ggml.eos_token_id", GgufValue::u32(uint32_t(first_special + 2)));
  w.set("tokenizer.ggml.padding_token_id", GgufValue::u32(uint32_t(first_special)));
  w.set("tokenizer.ggml.add_bos_token", GgufValue::boolean(false));
  w.set(
      "tokenizer.chat_template",
      GgufValue::string("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + "
                        "message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if "
                        "add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"));
}

StatusOr<int64_t> copy_vocab(GgufWriter& w, const std::string& path) {
  OMNI_ASSIGN_OR_RETURN(GgufFile vocab, GgufFile::open(path));
  const GgufValue* tokens = vocab.find("tokenizer.ggml.tokens");
  if (!tokens || tokens->type != GgufType::kArray || tokens->elem_type != GgufType::kString) {
    return InvalidArgument(
        "%s: no tokenizer.ggml.tokens string array; pass a vocab GGUF such as "
        "ggml-vocab-llama-spm.gguf",
        path.c_str());
  }
  for (const auto& [key, value] : vocab.metadata()) {
    if (key.rfind("tokenizer.", 0) == 0) w.set(key, value);
  }
  return int64_t(tokens->array.size());
}

}  // namespace omni
