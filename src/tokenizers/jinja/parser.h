// Recursive-descent parser with Jinja2's grammar and operator precedence. Statements and filters
// Jinja2 does not know are syntax errors (as in Jinja2); known Jinja2 constructs this
// implementation does not support ({% include %}, {% extends %}, recursive loops, ...) fail with
// an "unsupported" error naming the construct and its line:column.
#pragma once

#include <memory>
#include <string_view>

#include "base/status.h"
#include "tokenizers/jinja/ast.h"

namespace omni::jinja {

// Nesting deeper than this (parentheses, unary operators, blocks) is rejected, so that hostile
// templates cannot exhaust the stack of the parser or the evaluator.
inline constexpr int kMaxParseDepth = 100;

StatusOr<std::unique_ptr<Program>> parse_program(std::string_view source);

}  // namespace omni::jinja
