// Methods of the builtin types (str, dict, list, tuple) that templates call, e.g.
// `message.content.strip()`, `tool.items()`, `messages.index(m)`.
#pragma once

#include <string_view>

#include "tokenizers/jinja/value.h"

namespace omni::jinja {

enum class MethodLookup {
  kNone,    // the type has no attribute of that name
  kFound,   // `out` is the bound method
  kUnsafe,  // a method that mutates its object; Jinja2's immutable sandbox refuses it
};

// Python methods that exist but are not implemented here are still found (their type has the
// attribute); calling one fails with an "unsupported" error naming it.
MethodLookup lookup_method(const Value& obj, std::string_view name, Value& out);

}  // namespace omni::jinja
