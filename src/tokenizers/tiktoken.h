// tiktoken encodings (OpenAI's rank files): one line per token, "base64(bytes) rank".
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "tokenizers/tokenizer.h"

namespace omni {

// `name_or_path`: an encoding name (o200k_base, cl100k_base, o200k_harmony, qwen2_base), whose
// rank file is looked up in $OMNI_TIKTOKEN_DIR and then the project's data directories, or a
// path to NAME.tiktoken (the name must still be a known encoding, for its pattern and specials).
StatusOr<std::unique_ptr<Tokenizer>> load_tiktoken(const std::string& name_or_path);
std::string tiktoken_encoding_names();

// Parses a rank file's text into tokens indexed by rank (ranks must be 0..n-1 without gaps).
Status parse_tiktoken_ranks(std::string_view text, std::vector<std::string>* tokens);

}  // namespace omni
