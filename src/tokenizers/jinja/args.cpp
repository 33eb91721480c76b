#include "tokenizers/jinja/args.h"

#include <string>

namespace omni::jinja {

StatusOr<BoundArgs> bind_args(std::string_view fn, const CallArgs& args,
                              std::initializer_list<std::string_view> params, size_t required) {
  BoundArgs bound;
  bound.slots_.resize(params.size());
  const std::string name(fn);
  if (args.positional.size() > params.size())
    return InvalidArgument("%s() takes at most %zu argument(s) (%zu given)", name.c_str(),
                           params.size(), args.positional.size());
  for (size_t i = 0; i < args.positional.size(); ++i) bound.slots_[i] = args.positional[i];
  for (const auto& [key, value] : args.keyword) {
    size_t i = 0;
    for (std::string_view p : params) {
      if (p == key) break;
      ++i;
    }
    if (i == params.size())
      return InvalidArgument("%s() got an unexpected keyword argument '%s'", name.c_str(),
                             key.c_str());
    if (bound.slots_[i])
      return InvalidArgument("%s() got multiple values for argument '%s'", name.c_str(),
                             key.c_str());
    bound.slots_[i] = value;
  }
  size_t i = 0;
  for (std::string_view p : params) {
    if (i >= required) break;
    if (!bound.slots_[i])
      return InvalidArgument("%s() missing required argument '%s'", name.c_str(),
                             std::string(p).c_str());
    ++i;
  }
  return bound;
}

StatusOr<int64_t> int_arg(const Value& v, std::string_view what) {
  if (v.is_integral()) return v.to_int();
  return InvalidArgument("%s must be an integer, not %s", std::string(what).c_str(), type_name(v));
}

StatusOr<std::string> str_arg(const Value& v, std::string_view what) {
  if (v.is_string()) return v.str();
  return InvalidArgument("%s must be a string, not %s", std::string(what).c_str(), type_name(v));
}

}  // namespace omni::jinja
