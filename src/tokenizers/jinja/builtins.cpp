// The registry of builtin filters and tests, and the global functions.
#include "tokenizers/jinja/builtins.h"

#include <ctime>

#include "tokenizers/jinja/args.h"
#include "tokenizers/jinja/filters.h"
#include "tokenizers/jinja/operators.h"
#include "tokenizers/jinja/renderer.h"

namespace omni::jinja {
namespace {

// Jinja2 filters and tests this implementation leaves out (rare in chat templates).
constexpr std::string_view kUnsupportedFilters[] = {
    "batch", "filesizeformat", "forceescape", "groupby", "pprint",   "random",
    "slice", "striptags",      "urlencode",   "urlize",  "wordwrap", "xmlattr"};

FilterFn lookup_filter(std::string_view name) {
  for (const auto& table : {text_filters(), sequence_filters()})
    for (const NamedFilter& f : table)
      if (f.name == name) return f.fn;
  return nullptr;
}

// range() with the sandbox's limit of 100000 items.
StatusOr<Value> g_range(Renderer& r, CallArgs& args) {
  if (!args.keyword.empty()) return InvalidArgument("range() takes no keyword arguments");
  const auto& p = args.positional;
  if (p.empty() || p.size() > 3)
    return InvalidArgument("range expected 1 to 3 arguments, got %zu", p.size());
  int64_t v[3] = {0, 0, 1};
  for (size_t i = 0; i < p.size(); ++i) {
    if (!p[i].is_integral())
      return InvalidArgument("'%s' object cannot be interpreted as an integer", type_name(p[i]));
  }
  if (p.size() == 1) {
    v[1] = p[0].to_int();
  } else {
    v[0] = p[0].to_int();
    v[1] = p[1].to_int();
    if (p.size() == 3) v[2] = p[2].to_int();
  }
  if (v[2] == 0) return InvalidArgument("range() arg 3 must not be zero");
  const __int128 span =
      v[2] > 0 ? static_cast<__int128>(v[1]) - v[0] : static_cast<__int128>(v[0]) - v[1];
  const __int128 step = v[2] > 0 ? v[2] : -static_cast<__int128>(v[2]);
  const __int128 count = span <= 0 ? 0 : (span + step - 1) / step;
  if (count > 100000)
    return InvalidArgument(
        "Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
  OMNI_RETURN_IF_ERROR(r.count_iterations(static_cast<uint64_t>(count)));
  Value::Items items;
  items.reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) items.push_back(Value::integer(v[0] + i * v[2]));
  return Value::list(std::move(items));
}

// dict(mapping_or_pairs, **kwargs); the same arguments build a namespace().
StatusOr<Value::Pairs> dict_args(std::string_view fn, CallArgs& args) {
  if (args.positional.size() > 1)
    return InvalidArgument("%s expected at most 1 argument, got %zu", std::string(fn).c_str(),
                           args.positional.size());
  Value::Pairs pairs;
  auto put = [&pairs](Value key, Value value) {
    for (auto& [k, v] : pairs) {
      if (equals(k, key)) {
        v = std::move(value);
        return;
      }
    }
    pairs.emplace_back(std::move(key), std::move(value));
  };
  if (!args.positional.empty()) {
    const Value& src = args.positional[0];
    if (src.is_dict()) {
      for (const auto& [k, v] : src.pairs()) put(k, v);
    } else {
      OMNI_ASSIGN_OR_RETURN(Value::Items items, iterate(src));
      for (const Value& item : items) {
        OMNI_ASSIGN_OR_RETURN(Value::Items kv, iterate(item));
        if (kv.size() != 2)
          return InvalidArgument("dictionary update sequence element has length %zu; 2 is required",
                                 kv.size());
        if (kv[0].is_list() || kv[0].is_dict())
          return InvalidArgument("unhashable type: '%s'", type_name(kv[0]));
        put(kv[0], kv[1]);
      }
    }
  }
  for (auto& [k, v] : args.keyword) put(Value::string(k), v);
  return pairs;
}

StatusOr<Value> g_dict(Renderer&, CallArgs& args) {
  OMNI_ASSIGN_OR_RETURN(Value::Pairs pairs, dict_args("dict", args));
  return Value::dict(std::move(pairs));
}

StatusOr<Value> g_namespace(Renderer& r, CallArgs& args) {
  OMNI_ASSIGN_OR_RETURN(Value::Pairs pairs, dict_args("namespace", args));
  std::vector<std::pair<std::string, Value>> attrs;
  for (auto& [k, v] : pairs) {
    if (!k.is_string()) return InvalidArgument("namespace() keys must be strings");
    attrs.emplace_back(k.str(), std::move(v));
  }
  Value ns = Value::make_namespace(std::move(attrs));
  r.track_namespace(ns);
  return ns;
}

StatusOr<Value> g_raise_exception(Renderer&, CallArgs& args) {
  OMNI_ASSIGN_OR_RETURN(BoundArgs a, bind_args("raise_exception", args, {"message"}, 1));
  return InvalidArgument("the template raised an error: %s", to_str(*a[0]).c_str());
}

// datetime.strftime(format) for a naive datetime: %z and %Z are empty, %f is the microseconds
// (always 0 here); everything else is the C library's strftime in the "C" locale.
StatusOr<Value> g_strftime_now(Renderer& r, CallArgs& args) {
  OMNI_ASSIGN_OR_RETURN(BoundArgs a, bind_args("strftime_now", args, {"format"}, 1));
  OMNI_ASSIGN_OR_RETURN(std::string fmt, str_arg(*a[0], "strftime_now() format"));
  std::string prepared;
  for (size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] == '%' && i + 1 < fmt.size()) {
      const char c = fmt[i + 1];
      ++i;
      if (c == 'z' || c == 'Z') continue;
      if (c == 'f') {
        prepared += "000000";
        continue;
      }
      prepared += '%';
      prepared += c;
      continue;
    }
    prepared += fmt[i];
  }
  prepared += '\x01';  // strftime's 0 return is ambiguous for empty output; this keeps it > 0
  std::string out(prepared.size() * 4 + 64, '\0');
  while (true) {
    const size_t n = std::strftime(out.data(), out.size(), prepared.c_str(), &r.now());
    if (n > 0) {
      out.resize(n - 1);
      return Value::string(std::move(out));
    }
    if (out.size() > (1u << 20)) return InvalidArgument("strftime_now() result is too long");
    out.resize(out.size() * 2);
  }
}

StatusOr<Value> g_unsupported(std::string_view name) {
  return Unsupported("the global function '%s' is not supported", std::string(name).c_str());
}

}  // namespace

Availability filter_availability(std::string_view name) {
  if (lookup_filter(name)) return Availability::kSupported;
  for (std::string_view n : kUnsupportedFilters)
    if (n == name) return Availability::kUnsupported;
  return Availability::kMissing;
}

FilterFn find_filter(std::string_view name) {
  return lookup_filter(name);
}

Availability test_availability(std::string_view name) {
  return find_test(name) ? Availability::kSupported : Availability::kMissing;
}

TestFn find_test(std::string_view name) {
  for (const NamedTest& t : builtin_tests())
    if (t.name == name) return t.fn;
  return nullptr;
}

bool find_global(std::string_view name, Value& out) {
  if (name == "range") {
    out = Value::function("range", g_range);
  } else if (name == "dict") {
    out = Value::function("dict", g_dict);
  } else if (name == "namespace") {
    out = Value::function("namespace", g_namespace);
  } else if (name == "raise_exception") {
    out = Value::function("raise_exception", g_raise_exception);
  } else if (name == "strftime_now") {
    out = Value::function("strftime_now", g_strftime_now);
  } else if (name == "cycler" || name == "joiner" || name == "lipsum") {
    const std::string n(name);
    out = Value::function(n, [n](Renderer&, CallArgs&) { return g_unsupported(n); });
  } else {
    return false;
  }
  return true;
}

}  // namespace omni::jinja
