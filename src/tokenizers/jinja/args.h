// Binding call arguments to parameter names the way Python does, for builtin filters, tests,
// functions and methods.
#pragma once

#include <initializer_list>
#include <optional>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "tokenizers/jinja/value.h"

namespace omni::jinja {

// The bound arguments: one slot per parameter, empty when the caller did not pass it.
class BoundArgs {
 public:
  const std::optional<Value>& operator[](size_t i) const { return slots_[i]; }
  bool has(size_t i) const { return slots_[i].has_value(); }
  // The argument or `fallback` when it was not passed.
  Value get(size_t i, Value fallback) const { return slots_[i] ? *slots_[i] : std::move(fallback); }

 private:
  friend StatusOr<BoundArgs> bind_args(std::string_view, const CallArgs&,
                                       std::initializer_list<std::string_view>, size_t);
  std::vector<std::optional<Value>> slots_;
};

// Positional arguments fill `params` in order, keywords by name. The first `required` parameters
// must be given. Fails like Python on too many arguments, unknown or repeated keywords.
StatusOr<BoundArgs> bind_args(std::string_view fn, const CallArgs& args,
                              std::initializer_list<std::string_view> params, size_t required = 0);

// Argument checks shared by builtins; `what` names the function and parameter in messages.
StatusOr<int64_t> int_arg(const Value& v, std::string_view what);
StatusOr<std::string> str_arg(const Value& v, std::string_view what);

}  // namespace omni::jinja
