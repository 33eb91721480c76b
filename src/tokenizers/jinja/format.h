// Python's string formatting: printf-style `fmt % args` (and Jinja2's `format` filter), and
// str.format() with the format-spec mini-language, as the sandbox allows them.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "tokenizers/jinja/value.h"

namespace omni::jinja {

// `fmt % args`: a tuple gives the positional arguments, a dict the named ones (%(name)s), any
// other value is the single argument. Results longer than `max_bytes` fail.
StatusOr<std::string> percent_format(std::string_view fmt, const Value& args, size_t max_bytes);

// fmt.format(*args, **kwargs): {}, {0}, {name}, {name.attr[key]!r:>10.2f} and nested specs.
StatusOr<std::string> str_format(std::string_view fmt, const CallArgs& args, size_t max_bytes);

// format(value, spec) for str, int, float, bool and None (others require an empty spec).
StatusOr<std::string> format_value(const Value& v, std::string_view spec);

}  // namespace omni::jinja
