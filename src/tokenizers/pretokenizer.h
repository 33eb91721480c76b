// Pre-tokenization: splitting text into pieces before BPE, with the regular expressions the
// ecosystem's tokenizers use (tokenizer.ggml.pre names, tiktoken encodings). A pre-tokenizer is
// a sequence of patterns; each splits every piece produced so far into its matches and the text
// between them (both kept), as Hugging Face's "Split, Isolated" and llama.cpp do. Patterns run on
// PCRE2 (UTF + Unicode properties, JIT-compiled when available).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace omni {

class PreTokenizer {
 public:
  // By tokenizer.ggml.pre name ("llama-bpe", "qwen2", "gpt-2", "deepseek-llm", ...) or tiktoken
  // encoding ("o200k_base", "cl100k_base").
  static StatusOr<PreTokenizer> named(std::string_view name);
  static StatusOr<PreTokenizer> from_patterns(const std::vector<std::string>& patterns);
  static std::string known_names();

  PreTokenizer(PreTokenizer&&) noexcept;
  PreTokenizer& operator=(PreTokenizer&&) noexcept;
  ~PreTokenizer();

  // Appends the pieces of `text` (valid UTF-8) to `pieces`, in order; they concatenate to `text`.
  void split(std::string_view text, std::vector<std::string_view>* pieces) const;

 private:
  PreTokenizer();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace omni
