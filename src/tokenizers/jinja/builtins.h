// The builtin filters, tests and global functions of the environment Hugging Face renders chat
// templates in (Jinja2's defaults, the transformers `tojson`, raise_exception, strftime_now).
#pragma once

#include <string_view>

#include "base/status.h"
#include "tokenizers/jinja/value.h"

namespace omni::jinja {

using FilterFn = StatusOr<Value> (*)(Renderer&, const Value& input, const CallArgs& args);
using TestFn = StatusOr<bool> (*)(Renderer&, const Value& input, const CallArgs& args);

enum class Availability {
  kMissing,  // Jinja2 has no such filter/test: a syntax error when parsing
  kSupported,
  kUnsupported,  // Jinja2 has it, this implementation does not: an error when it is applied
};

Availability filter_availability(std::string_view name);
// nullptr unless supported.
FilterFn find_filter(std::string_view name);
Availability test_availability(std::string_view name);
TestFn find_test(std::string_view name);

// The environment's globals (range, dict, namespace, raise_exception, strftime_now, and Jinja2's
// cycler/joiner/lipsum, which fail when called). False when `name` is not a global.
bool find_global(std::string_view name, Value& out);

}  // namespace omni::jinja
