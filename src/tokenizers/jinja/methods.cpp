#include "tokenizers/jinja/methods.h"

#include <algorithm>
#include <cmath>

#include "tokenizers/jinja/args.h"
#include "tokenizers/jinja/format.h"
#include "tokenizers/jinja/operators.h"
#include "tokenizers/jinja/pystr.h"
#include "tokenizers/jinja/renderer.h"
#include "tokenizers/jinja/unicode.h"

namespace omni::jinja {
namespace {

constexpr std::string_view kStrMethods[] = {
    "capitalize",   "casefold",    "center",    "count",      "encode",       "endswith",
    "expandtabs",   "find",        "format",    "format_map", "index",        "isalnum",
    "isalpha",      "isascii",     "isdecimal", "isdigit",    "isidentifier", "islower",
    "isnumeric",    "isprintable", "isspace",   "istitle",    "isupper",      "join",
    "ljust",        "lower",       "lstrip",    "maketrans",  "partition",    "removeprefix",
    "removesuffix", "replace",     "rfind",     "rindex",     "rjust",        "rpartition",
    "rsplit",       "rstrip",      "split",     "splitlines", "startswith",   "strip",
    "swapcase",     "title",       "translate", "upper",      "zfill"};
constexpr std::string_view kDictMethods[] = {"clear",      "copy",   "fromkeys", "get",
                                             "items",      "keys",   "pop",      "popitem",
                                             "setdefault", "update", "values"};
constexpr std::string_view kDictMutating[] = {"clear", "pop", "popitem", "setdefault", "update"};
constexpr std::string_view kListMethods[] = {"append", "clear",   "copy",   "count",
                                             "extend", "index",   "insert", "pop",
                                             "remove", "reverse", "sort"};
constexpr std::string_view kListMutating[] = {"append", "reverse", "insert",
                                              "sort",   "extend",  "remove"};
constexpr std::string_view kTupleMethods[] = {"count", "index"};

template <size_t N>
bool in(const std::string_view (&names)[N], std::string_view name) {
  return std::find(std::begin(names), std::end(names), name) != std::end(names);
}

Value str_list(const std::vector<std::string>& parts) {
  Value::Items items;
  items.reserve(parts.size());
  for (const std::string& p : parts) items.push_back(Value::string(p));
  return Value::list(std::move(items));
}

Status unsupported(const char* type, std::string_view name) {
  return Unsupported("%s.%s() is not supported", type, std::string(name).c_str());
}

StatusOr<std::optional<std::string>> optional_str(const std::optional<Value>& v,
                                                  std::string_view what) {
  if (!v || v->is_none()) return std::optional<std::string>();
  OMNI_ASSIGN_OR_RETURN(std::string s, str_arg(*v, what));
  return std::optional<std::string>(std::move(s));
}

StatusOr<std::optional<int64_t>> optional_int(const std::optional<Value>& v,
                                              std::string_view what) {
  if (!v || v->is_none()) return std::optional<int64_t>();
  OMNI_ASSIGN_OR_RETURN(int64_t i, int_arg(*v, what));
  return std::optional<int64_t>(i);
}

// startswith/endswith: the prefix is a str or a tuple of str; start/end slice the subject.
StatusOr<Value> starts_or_ends(const std::string& self, std::string_view name,
                               const CallArgs& args) {
  OMNI_ASSIGN_OR_RETURN(BoundArgs a, bind_args(name, args, {"prefix", "start", "end"}, 1));
  OMNI_ASSIGN_OR_RETURN(std::optional<int64_t> start, optional_int(a[1], "start"));
  OMNI_ASSIGN_OR_RETURN(std::optional<int64_t> end, optional_int(a[2], "end"));
  const std::string subject = (start || end) ? pystr::substr(self, start, end) : self;
  std::vector<std::string> candidates;
  const Value& p = *a[0];
  if (p.is_string()) {
    candidates.push_back(p.str());
  } else if (p.is_list() && p.seq_kind() == Value::SeqKind::kTuple) {
    for (const Value& item : p.items()) {
      OMNI_ASSIGN_OR_RETURN(std::string s, str_arg(item, "tuple item"));
      candidates.push_back(std::move(s));
    }
  } else {
    return InvalidArgument("%s first arg must be str or a tuple of str, not %s",
                           std::string(name).c_str(), type_name(p));
  }
  const bool starts = name == "startswith";
  for (const std::string& c : candidates) {
    if (c.size() > subject.size()) continue;
    if (starts ? subject.compare(0, c.size(), c) == 0
               : subject.compare(subject.size() - c.size(), c.size(), c) == 0)
      return Value::boolean(true);
  }
  return Value::boolean(false);
}

StatusOr<Value> call_str_method(Renderer& r, const std::string& self, std::string_view name,
                                const CallArgs& args) {
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    OMNI_ASSIGN_OR_RETURN(BoundArgs a, bind_args(name, args, {"chars"}));
    OMNI_ASSIGN_OR_RETURN(std::optional<std::string> chars, optional_str(a[0], "chars"));
    return Value::string(pystr::strip(self, chars, name != "rstrip", name != "lstrip"));
  }
  if (name == "split" || name == "rsplit") {
    OMNI_ASSIGN_OR_RETURN(BoundArgs a, bind_args(name, args, {"sep", "maxsplit"}));
    OMNI_ASSIGN_OR_RETURN(std::optional<std::string> sep, optional_str(a[0], "sep"));
    OMNI_ASSIGN_OR_RETURN(int64_t maxsplit, int_arg(a.get(1, Value::integer(-1)), "maxsplit"));
    if (sep && sep->empty()) return InvalidArgument("empty separator");
    return str_list(name == "split" ? pystr::split(self, sep, maxsplit)
                                    : pystr::rsplit(self, sep, maxsplit));
  }
  if (name == "splitlines") {
    OMNI_ASSIGN_OR_RETURN(BoundArgs a, bind_args(name, args, {"keepends"}));
    return str_list(pystr::splitlines(self, truthy(a.get(0, Value::boolean(false)))));
  }
  if (name == "startswith" || name == "endswith") return starts_or_ends(self, name, args);
  if (name == "upper" || name == "lower" || name == "casefold" || name == "title" ||
      name == "capitalize" || name == "swapcase" || name == "isalnum" || name == "isalpha" ||
      name == "isdigit" || name == "isdecimal" || name == "isnumeric" || name == "isspace" ||
      name == "islower" || name == "isupper") {
    OMNI_RETURN_IF_ERROR(bind_args(name, args, {}).status());
    if (name == "upper") return Value::string(unicode::upper(self));
    if (name == "lower" || name == "casefold") return Value::string(unicode::lower(self));
    if (name == "title") return Value::string(pystr::title(self));
    if (name == "capitalize") return Value::string(pystr::capitalize(self));
    if (name == "swapcase") return Value::string(pystr::swapcase(self));
    if (name == "isalnum") return Value::boolean(pystr::all_of(self, pystr::CharClass::kAlnum));
    if (name == "isalpha") return Value::boolean(pystr::all_of(self, pystr::CharClass::kAlpha));
    if (name == "isspace") return Value::boolean(pystr::all_of(self, pystr::CharClass::kSpace));
    if (name == "islower") return Value::boolean(pystr::is_lower(self));
    if (name == "isupper") return Value::boolean(pystr::is_upper(self));
    return Value::boolean(pystr::all_of(self, pystr::CharClass::kDigit));
  }
  if (name == "replace") {
    OMNI_ASSIGN_OR_RETURN(BoundArgs a, bind_args(name, args, {"old", "new", "count"}, 2));
    OMNI_ASSIGN_OR_RETURN(std::string old, str_arg(*a[0], "replace() old"));
    OMNI_ASSIGN_OR_RETURN(std::string repl, str_arg(*a[1], "replace() new"));
    OMNI_ASSIGN_OR_RETURN(int64_t count, int_arg(a.get(2, Value::integer(-1)), "count"));
    const int64_t hits =
        old.empty() ? static_cast<int64_t>(unicode::length(self)) + 1 : pystr::count(self, old);
    const int64_t n = count < 0 ? hits : std::min(count, hits);
    if (repl.size() > old.size() &&
        self.size() + static_cast<uint64_t>(n) * (repl.size() - old.size()) > r.max_bytes())
      return InvalidArgument("replace() would exceed the output limit");
    return Value::string(pystr::replace(self, old, repl, count));
  }
  if (name == "find" || name == "rfind" || name == "index" || name == "rindex" || name == "count") {
    OMNI_ASSIGN_OR_RETURN(BoundArgs a, bind_args(name, args, {"sub", "start", "end"}, 1));
    OMNI_ASSIGN_OR_RETURN(std::string sub, str_arg(*a[0], std::string(name) + "() argument"));
    OMNI_ASSIGN_OR_RETURN(std::optional<int64_t> start, optional_int(a[1], "start"));
    OMNI_ASSIGN_OR_RETURN(std::optional<int64_t> end, optional_int(a[2], "end"));
    if ((start || end) && name != "count")
      return Unsupported("str.%s() with start or end is not supported", std::string(name).c_str());
    const std::string subject = (start || end) ? pystr::substr(self, start, end) : self;
    if (name == "count") return Value::integer(pystr::count(subject, sub));
    const int64_t at = pystr::find(subject, sub, name[0] == 'r');
    if (at < 0 && (name == "index" || name == "rindex"))
      return InvalidArgument("substring not found");
    return Value::integer(at);
  }
  if (name == "join") {
    OMNI_ASSIGN_OR_RETURN(BoundArgs a, bind_args(name, args, {"iterable"}, 1));
    OMNI_ASSIGN_OR_RETURN(Value::Items items, iterate(*a[0]));
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) {
      if (!items[i].is_string())
        return InvalidArgument("sequence item %zu: expected str instance, %s found", i,
                               type_name(items[i]));
      if (i) out += self;
      out += items[i].str();
      if (out.size() > r.max_bytes()) return InvalidArgument("join() exceeds the output limit");
    }
    return Value::string(std::move(out));
  }
  if (name == "center" || name == "ljust" || name == "rjust" || name == "zfill") {
    const bool zfill = name == "zfill";
    OMNI_ASSIGN_OR_RETURN(BoundArgs a, zfill ? bind_args(name, args, {"width"}, 1)
                                             : bind_args(name, args, {"width", "fillchar"}, 1));
    OMNI_ASSIGN_OR_RETURN(int64_t width, int_arg(*a[0], "width"));
    if (width > static_cast<int64_t>(r.max_bytes()))
      return InvalidArgument("%s() width exceeds the output limit", std::string(name).c_str());
    if (zfill) {
      const int64_t len = static_cast<int64_t>(unicode::length(self));
      if (width <= len) return Value::string(self);
      const bool sign = !self.empty() && (self[0] == '+' || self[0] == '-');
      std::string out = sign ? self.substr(0, 1) : std::string();
      out.append(width - len, '0');
      out += sign ? self.substr(1) : self;
      return Value::string(std::move(out));
    }
    std::string fill = " ";
    if (a.has(1)) {
      OMNI_ASSIGN_OR_RETURN(fill, str_arg(*a[1], "fillchar"));
      if (unicode::length(fill) != 1)
        return InvalidArgument("The fill character must be exactly one character long");
    }
    const auto align = name == "center"  ? pystr::Align::kCenter
                       : name == "ljust" ? pystr::Align::kLeft
                                         : pystr::Align::kRight;
    return Value::string(pystr::pad(self, width, fill, align));
  }
  if (name == "partition" || name == "rpartition") {
    OMNI_ASSIGN_OR_RETURN(BoundArgs a, bind_args(name, args, {"sep"}, 1));
    OMNI_ASSIGN_OR_RETURN(std::string sep, str_arg(*a[0], "sep"));
    if (sep.empty()) return InvalidArgument("empty separator");
    const size_t hit = name == "partition" ? self.find(sep) : self.rfind(sep);
    if (hit == std::string::npos) {
      if (name == "partition")
        return Value::tuple({Value::string(self), Value::string(""), Value::string("")});
      return Value::tuple({Value::string(""), Value::string(""), Value::string(self)});
    }
    return Value::tuple({Value::string(self.substr(0, hit)), Value::string(sep),
                         Value::string(self.substr(hit + sep.size()))});
  }
  if (name == "removeprefix" || name == "removesuffix") {
    OMNI_ASSIGN_OR_RETURN(BoundArgs a, bind_args(name, args, {"affix"}, 1));
    OMNI_ASSIGN_OR_RETURN(std::string affix, str_arg(*a[0], std::string(name) + "() argument"));
    if (affix.size() <= self.size()) {
      if (name == "removeprefix" && self.compare(0, affix.size(), affix) == 0)
        return Value::string(self.substr(affix.size()));
      if (name == "removesuffix" &&
          self.compare(self.size() - affix.size(), affix.size(), affix) == 0)
        return Value::string(self.substr(0, self.size() - affix.size()));
    }
    return Value::string(self);
  }
  if (name == "format") {
    OMNI_ASSIGN_OR_RETURN(std::string out, str_format(self, args, r.max_bytes()));
    return Value::string(std::move(out));
  }
  if (name == "format_map") {
    OMNI_ASSIGN_OR_RETURN(BoundArgs a, bind_args(name, args, {"mapping"}, 1));
    if (!a[0]->is_dict()) return InvalidArgument("format_map() argument must be a mapping");
    CallArgs named;
    for (const auto& [k, v] : a[0]->pairs())
      if (k.is_string()) named.keyword.emplace_back(k.str(), v);
    OMNI_ASSIGN_OR_RETURN(std::string out, str_format(self, named, r.max_bytes()));
    return Value::string(std::move(out));
  }
  return unsupported("str", name);
}

StatusOr<Value> call_dict_method(const Value& self, std::string_view name, const CallArgs& args) {
  if (name == "get") {
    OMNI_ASSIGN_OR_RETURN(BoundArgs a, bind_args(name, args, {"key", "default"}, 1));
    if (const Value* v = self.find(*a[0])) return *v;
    return a.get(1, Value::none());
  }
  if (name == "items" || name == "keys" || name == "values" || name == "copy") {
    OMNI_RETURN_IF_ERROR(bind_args(name, args, {}).status());
    if (name == "copy") return self;
    Value::Items items;
    items.reserve(self.pairs().size());
    for (const auto& [k, v] : self.pairs()) {
      if (name == "items") {
        items.push_back(Value::tuple({k, v}));
      } else {
        items.push_back(name == "keys" ? k : v);
      }
    }
    const auto kind = name == "items"  ? Value::SeqKind::kDictItems
                      : name == "keys" ? Value::SeqKind::kDictKeys
                                       : Value::SeqKind::kDictValues;
    return Value::list(std::move(items), kind);
  }
  return unsupported("dict", name);
}

StatusOr<Value> call_seq_method(const Value& self, std::string_view name, const CallArgs& args) {
  const char* type = self.seq_kind() == Value::SeqKind::kTuple ? "tuple" : "list";
  if (name == "count") {
    OMNI_ASSIGN_OR_RETURN(BoundArgs a, bind_args(name, args, {"value"}, 1));
    int64_t n = 0;
    for (const Value& v : self.items()) n += equals(v, *a[0]) ? 1 : 0;
    return Value::integer(n);
  }
  if (name == "index") {
    OMNI_ASSIGN_OR_RETURN(BoundArgs a, bind_args(name, args, {"value"}, 1));
    const auto& items = self.items();
    for (size_t i = 0; i < items.size(); ++i)
      if (equals(items[i], *a[0])) return Value::integer(static_cast<int64_t>(i));
    return InvalidArgument("%s is not in %s", repr(*a[0]).c_str(), type);
  }
  if (name == "copy") {
    OMNI_RETURN_IF_ERROR(bind_args(name, args, {}).status());
    return self;
  }
  return Unsupported("%s.%s() is not supported (lists are immutable here)", type,
                     std::string(name).c_str());
}

// int/float (and bool) attributes of Python 3.11: data attributes and a few methods.
MethodLookup number_attribute(const Value& obj, std::string_view name, Value& out) {
  const bool is_float = obj.is_float();
  if (name == "real") {
    out = is_float ? obj : Value::integer(obj.to_int());
  } else if (name == "imag") {
    out = is_float ? Value::number(0.0) : Value::integer(0);
  } else if (!is_float && name == "numerator") {
    out = Value::integer(obj.to_int());
  } else if (!is_float && name == "denominator") {
    out = Value::integer(1);
  } else {
    static constexpr std::string_view kIntMethods[] = {
        "as_integer_ratio", "bit_count", "bit_length", "conjugate", "from_bytes", "to_bytes"};
    static constexpr std::string_view kFloatMethods[] = {"as_integer_ratio", "conjugate", "fromhex",
                                                         "hex", "is_integer"};
    if (is_float ? !in(kFloatMethods, name) : !in(kIntMethods, name)) return MethodLookup::kNone;
    const std::string method(name);
    out = Value::function(method, [obj, method](Renderer&, CallArgs& args) -> StatusOr<Value> {
      OMNI_RETURN_IF_ERROR(bind_args(method, args, {}).status());
      if (method == "conjugate") return obj.is_float() ? obj : Value::integer(obj.to_int());
      if (method == "is_integer")
        return Value::boolean(std::floor(obj.as_float()) == obj.as_float());
      if (method == "bit_length") {
        uint64_t v = obj.to_int() < 0 ? 0 - static_cast<uint64_t>(obj.to_int()) : obj.to_int();
        int64_t bits = 0;
        while (v) ++bits, v >>= 1;
        return Value::integer(bits);
      }
      return unsupported(obj.is_float() ? "float" : "int", method);
    });
  }
  return MethodLookup::kFound;
}

}  // namespace

MethodLookup lookup_method(const Value& obj, std::string_view name, Value& out) {
  const std::string method(name);
  if (obj.is_string()) {
    if (!in(kStrMethods, name)) return MethodLookup::kNone;
    const std::string self = obj.str();
    out = Value::function(method, [self, method](Renderer& r, CallArgs& args) {
      return call_str_method(r, self, method, args);
    });
    return MethodLookup::kFound;
  }
  if (obj.is_dict()) {
    if (!in(kDictMethods, name)) return MethodLookup::kNone;
    if (in(kDictMutating, name)) return MethodLookup::kUnsafe;
    out = Value::function(method, [obj, method](Renderer&, CallArgs& args) {
      return call_dict_method(obj, method, args);
    });
    return MethodLookup::kFound;
  }
  if (obj.is_list() &&
      (obj.seq_kind() == Value::SeqKind::kList || obj.seq_kind() == Value::SeqKind::kTuple)) {
    const bool tuple = obj.seq_kind() == Value::SeqKind::kTuple;
    if (tuple ? !in(kTupleMethods, name) : !in(kListMethods, name)) return MethodLookup::kNone;
    if (!tuple && in(kListMutating, name)) return MethodLookup::kUnsafe;
    out = Value::function(method, [obj, method](Renderer&, CallArgs& args) {
      return call_seq_method(obj, method, args);
    });
    return MethodLookup::kFound;
  }
  if (obj.is_number()) return number_attribute(obj, name, out);
  return MethodLookup::kNone;
}

}  // namespace omni::jinja
