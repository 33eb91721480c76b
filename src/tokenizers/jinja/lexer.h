// Tokenizer for the template language with the settings Hugging Face uses for chat templates:
// default delimiters, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False.
// Whitespace control ("-" and "+" next to a delimiter) and {% raw %} are applied here, so text
// tokens are final output.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace omni::jinja {

enum class TokType : uint8_t {
  kData,        // template text
  kVarBegin,    // {{
  kVarEnd,      // }}
  kBlockBegin,  // {%
  kBlockEnd,    // %}
  kName,
  kString,  // text is the decoded value
  kInt,     // ival
  kFloat,   // fval
  kOp,      // text is the operator
  kEof,
};

struct Token {
  TokType type = TokType::kEof;
  uint32_t pos = 0;  // byte offset in the normalized source
  std::string text;
  int64_t ival = 0;
  double fval = 0;
};

// Line breaks become "\n" ("\r\n" and "\r" included) and one trailing newline is dropped, as
// Jinja2 does before lexing.
std::string normalize_source(std::string_view source);

// Tokenizes a normalized source. Fails on malformed tags, strings, numbers and comments, and on
// sources that are not UTF-8 or longer than 2^31 bytes.
StatusOr<std::vector<Token>> tokenize(const std::string& source);

// 1-based line and column (counted in code points) of a byte offset.
std::pair<int, int> line_col(std::string_view source, uint32_t pos);
// "line L:C: " for messages.
std::string location_prefix(std::string_view source, uint32_t pos);

}  // namespace omni::jinja
