// Filters on strings and numbers.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "tokenizers/jinja/args.h"
#include "tokenizers/jinja/filters.h"
#include "tokenizers/jinja/format.h"
#include "tokenizers/jinja/json_dump.h"
#include "tokenizers/jinja/operators.h"
#include "tokenizers/jinja/pystr.h"
#include "tokenizers/jinja/renderer.h"
#include "tokenizers/jinja/unicode.h"

namespace omni::jinja {
namespace {

// Jinja2's soft_str(): str(value); undefined values are "".
std::string text(const Value& v) {
  return to_str(v);
}

std::string_view trim_space(std::string_view s) {
  size_t b = 0;
  while (b < s.size()) {
    const size_t len = unicode::space_at(s, b);
    if (!len) break;
    b += len;
  }
  size_t e = s.size();
  while (e > b) {
    size_t start = e - 1;
    while (start > b && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
    if (!unicode::space_at(s, start)) break;
    e = start;
  }
  return s.substr(b, e - b);
}

// Digits of `base` with single underscores between them; appends them to `out`.
bool scan_digits(std::string_view s, size_t& i, int base, std::string& out, bool allow_lead_us) {
  auto digit_ok = [base](char c) {
    const int d = (c >= '0' && c <= '9')                   ? c - '0'
                  : (c | 0x20) >= 'a' && (c | 0x20) <= 'z' ? (c | 0x20) - 'a' + 10
                                                           : 99;
    return d < base;
  };
  bool any = false;
  if (allow_lead_us && i < s.size() && s[i] == '_') ++i;
  while (i < s.size()) {
    if (digit_ok(s[i])) {
      out += s[i++];
      any = true;
    } else if (s[i] == '_' && any && i + 1 < s.size() && digit_ok(s[i + 1])) {
      ++i;
    } else {
      break;
    }
  }
  return any;
}

enum class ParseResult { kOk, kInvalid, kOverflow };

// Python int(str, base) for base 10 (Jinja2's default) and 2, 8, 16, 0.
ParseResult parse_py_int(std::string_view str, int base, int64_t& out) {
  std::string_view s = trim_space(str);
  size_t i = 0;
  bool neg = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
  bool prefixed = false;
  if (i + 1 < s.size() && s[i] == '0') {
    const char p = s[i + 1] | 0x20;
    const int pb = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 0;
    if (pb && (base == 0 || base == pb)) {
      base = pb;
      i += 2;
      prefixed = true;
    }
  }
  if (base == 0) base = 10;
  std::string digits;
  if (!scan_digits(s, i, base, digits, prefixed) || i != s.size()) return ParseResult::kInvalid;
  uint64_t v = 0;
  for (char c : digits) {
    const uint64_t d = (c >= '0' && c <= '9') ? c - '0' : (c | 0x20) - 'a' + 10;
    if (v > (static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) - d) / base)
      return ParseResult::kOverflow;
    v = v * base + d;
  }
  out = neg ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
  return ParseResult::kOk;
}

// Python float(str).
bool parse_py_float(std::string_view str, double& out) {
  std::string_view s = trim_space(str);
  std::string clean;
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) clean += s[i++];
  std::string rest;
  for (size_t k = i; k < s.size(); ++k) rest += static_cast<char>(std::tolower(s[k]));
  if (rest == "inf" || rest == "infinity" || rest == "nan") {
    out = std::strtod((clean + rest).c_str(), nullptr);
    return true;
  }
  const bool int_part = scan_digits(s, i, 10, clean, false);
  bool frac_part = false;
  if (i < s.size() && s[i] == '.') {
    clean += s[i++];
    frac_part = scan_digits(s, i, 10, clean, false);
  }
  if (!int_part && !frac_part) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    clean += s[i++];
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) clean += s[i++];
    if (!scan_digits(s, i, 10, clean, false)) return false;
  }
  if (i != s.size()) return false;
  out = std::strtod(clean.c_str(), nullptr);
  return true;
}

Status undefined_check(const Value& v) {
  return v.is_undefined() ? undefined_error(v) : Status::Ok();
}

StatusOr<Value> f_abs(Renderer&, const Value& in, const CallArgs& args) {
  OMNI_RETURN_IF_ERROR(bind_args("abs", args, {}).status());
  OMNI_RETURN_IF_ERROR(undefined_check(in));
  if (in.is_float()) return Value::number(std::fabs(in.as_float()));
  if (in.is_big_int()) return in;
  if (in.is_integral()) {
    if (in.to_int() == std::numeric_limits<int64_t>::min())
      return Unsupported("integer overflow: the result does not fit in 64 bits");
    return Value::integer(std::llabs(in.to_int()));
  }
  return InvalidArgument("bad operand type for abs(): '%s'", type_name(in));
}

StatusOr<Value> f_attr(Renderer&, const Value& in, const CallArgs& args) {
  OMNI_ASSIGN_OR_RETURN(BoundArgs a, bind_args("attr", args, {"name"}, 1));
  OMNI_ASSIGN_OR_RETURN(std::string name, str_arg(*a[0], "attr() name"));
  OMNI_RETURN_IF_ERROR(undefined_check(in));
  if (std::optional<Value> v = python_attribute(in, name)) return *v;
  return Value::undefined(concat({"'", type_name(in), " object' has no attribute '", name, "'"}));
}

StatusOr<Value> f_capitalize(Renderer&, const Value& in, const CallArgs& args) {
  OMNI_RETURN_IF_ERROR(bind_args("capitalize", args, {}).status());
  return Value::string(pystr::capitalize(text(in)));
}

StatusOr<Value> f_center(Renderer& r, const Value& in, const CallArgs& args) {
  OMNI_ASSIGN_OR_RETURN(BoundArgs a, bind_args("center", args, {"width"}));
  OMNI_ASSIGN_OR_RETURN(int64_t width, int_arg(a.get(0, Value::integer(80)), "center() width"));
  if (width > static_cast<int64_t>(r.max_bytes()))
    return InvalidArgument("center() width exceeds the output limit");
  return Value::string(pystr::pad(text(in), width, " ", pystr::Align::kCenter));
}

StatusOr<Value> f_default(Renderer&, const Value& in, const CallArgs& args) {
  OMNI_ASSIGN_OR_RETURN(BoundArgs a, bind_args("default", args, {"default_value", "boolean"}));
  const bool boolean = truthy(a.get(1, Value::boolean(false)));
  if (in.is_undefined() || (boolean && !truthy(in))) return a.get(0, Value::string(""));
  return in;
}

StatusOr<Value> f_escape(Renderer&, const Value& in, const CallArgs& args) {
  OMNI_RETURN_IF_ERROR(bind_args("escape", args, {}).status());
  std::string out;
  for (char c : text(in)) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return Value::string(std::move(out));
}

StatusOr<Value> f_float(Renderer&, const Value& in, const CallArgs& args) {
  OMNI_ASSIGN_OR_RETURN(BoundArgs a, bind_args("float", args, {"default"}));
  OMNI_RETURN_IF_ERROR(undefined_check(in));
  if (in.is_number()) return Value::number(in.to_double());
  double d = 0;
  if (in.is_string() && parse_py_float(in.str(), d)) return Value::number(d);
  return a.get(0, Value::number(0.0));
}

StatusOr<Value> f_int(Renderer&, const Value& in, const CallArgs& args) {
  OMNI_ASSIGN_OR_RETURN(BoundArgs a, bind_args("int", args, {"default", "base"}));
  OMNI_ASSIGN_OR_RETURN(int64_t base, int_arg(a.get(1, Value::integer(10)), "int() base"));
  OMNI_RETURN_IF_ERROR(undefined_check(in));
  const Value fallback = a.get(0, Value::integer(0));
  auto from_double = [&](double d) -> StatusOr<Value> {
    if (std::isnan(d)) return fallback;
    if (std::isinf(d)) return InvalidArgument("cannot convert float infinity to integer");
    if (std::fabs(d) >= 9.2e18)
      return Unsupported("integer overflow: %s does not fit in 64 bits", float_repr(d).c_str());
    return Value::integer(static_cast<int64_t>(d));
  };
  if (in.is_integral()) return Value::integer(in.to_int());
  if (in.is_big_int()) return in;
  if (in.is_float()) return from_double(in.as_float());
  if (!in.is_string()) return fallback;
  int64_t v = 0;
  if (base != 0 && (base < 2 || base > 36))
    return InvalidArgument("int() base must be >= 2 and <= 36, or 0");
  switch (parse_py_int(in.str(), static_cast<int>(base), v)) {
    case ParseResult::kOk:
      return Value::integer(v);
    case ParseResult::kOverflow:
      return Unsupported("integer overflow: '%s' does not fit in 64 bits", in.str().c_str());
    case ParseResult::kInvalid:
      break;
  }
  double d = 0;
  if (parse_py_float(in.str(), d)) return from_double(d);
  return fallback;
}

StatusOr<Value> f_format(Renderer& r, const Value& in, const CallArgs& args) {
  if (!args.positional.empty() && !args.keyword.empty())
    return InvalidArgument("can't handle positional and keyword arguments at the same time");
  Value operand;
  if (!args.keyword.empty()) {
    Value::Pairs pairs;
    for (const auto& [k, v] : args.keyword) pairs.emplace_back(Value::string(k), v);
    operand = Value::dict(std::move(pairs));
  } else {
    operand = Value::tuple(args.positional);
  }
  OMNI_ASSIGN_OR_RETURN(std::string out, percent_format(text(in), operand, r.max_bytes()));
  return Value::string(std::move(out));
}

StatusOr<Value> f_indent(Renderer& r, const Value& in, const CallArgs& args) {
  OMNI_ASSIGN_OR_RETURN(BoundArgs a, bind_args("indent", args, {"width", "first", "blank"}));
  OMNI_RETURN_IF_ERROR(undefined_check(in));
  if (!in.is_string())
    return InvalidArgument("unsupported operand type(s) for +=: '%s' and 'str'", type_name(in));
  const Value width = a.get(0, Value::integer(4));
  std::string indention;
  if (width.is_string()) {
    indention = width.str();
  } else {
    OMNI_ASSIGN_OR_RETURN(int64_t n, int_arg(width, "indent() width"));
    if (n > static_cast<int64_t>(r.max_bytes()))
      return InvalidArgument("indent() width exceeds the output limit");
    indention.assign(std::max<int64_t>(n, 0), ' ');
  }
  const std::vector<std::string> lines = pystr::splitlines(in.str() + "\n", false);
  std::string out;
  if (truthy(a.get(2, Value::boolean(false)))) {
    for (size_t i = 0; i < lines.size(); ++i) {
      if (i) out += "\n" + indention;
      out += lines[i];
    }
  } else {
    for (size_t i = 0; i < lines.size(); ++i) {
      if (i) out += "\n";
      if (i && !lines[i].empty()) out += indention;
      out += lines[i];
    }
  }
  if (truthy(a.get(1, Value::boolean(false)))) out = indention + out;
  if (out.size() > r.max_bytes()) return InvalidArgument("indent() exceeds the output limit");
  return Value::string(std::move(out));
}

StatusOr<Value> f_lower(Renderer&, const Value& in, const CallArgs& args) {
  OMNI_RETURN_IF_ERROR(bind_args("lower", args, {}).status());
  return Value::string(unicode::lower(text(in)));
}

StatusOr<Value> f_upper(Renderer&, const Value& in, const CallArgs& args) {
  OMNI_RETURN_IF_ERROR(bind_args("upper", args, {}).status());
  return Value::string(unicode::upper(text(in)));
}

StatusOr<Value> f_replace(Renderer& r, const Value& in, const CallArgs& args) {
  OMNI_ASSIGN_OR_RETURN(BoundArgs a, bind_args("replace", args, {"old", "new", "count"}, 2));
  const std::string s = text(in), old = text(*a[0]), repl = text(*a[1]);
  int64_t count = -1;
  if (a.has(2) && !a[2]->is_none()) {
    OMNI_ASSIGN_OR_RETURN(count, int_arg(*a[2], "replace() count"));
  }
  const int64_t hits =
      old.empty() ? static_cast<int64_t>(unicode::length(s)) + 1 : pystr::count(s, old);
  const int64_t n = count < 0 ? hits : std::min(count, hits);
  if (repl.size() > old.size() &&
      s.size() + static_cast<uint64_t>(n) * (repl.size() - old.size()) > r.max_bytes())
    return InvalidArgument("replace() would exceed the output limit");
  return Value::string(pystr::replace(s, old, repl, count));
}

StatusOr<Value> f_round(Renderer&, const Value& in, const CallArgs& args) {
  OMNI_ASSIGN_OR_RETURN(BoundArgs a, bind_args("round", args, {"precision", "method"}));
  OMNI_ASSIGN_OR_RETURN(int64_t precision, int_arg(a.get(0, Value::integer(0)), "precision"));
  const Value method = a.get(1, Value::string("common"));
  const std::string m = method.is_string() ? method.str() : std::string();
  if (m != "common" && m != "ceil" && m != "floor")
    return InvalidArgument("method must be common, ceil or floor");
  OMNI_RETURN_IF_ERROR(undefined_check(in));
  if (!in.is_number())
    return InvalidArgument("type %s doesn't define __round__ method", type_name(in));
  if (m == "common") {
    if (in.is_big_int()) {
      if (precision >= 0) return in;
      return Unsupported("rounding integers beyond 64 bits is not supported");
    }
    if (in.is_integral()) {
      if (precision >= 0) return Value::integer(in.to_int());
      if (precision < -18) return Value::integer(0);
      int64_t p = 1;
      for (int64_t k = 0; k < -precision; ++k) p *= 10;
      const int64_t v = in.to_int();
      int64_t q = v / p, rem = v % p;
      if (rem < 0) rem += p, q -= 1;
      if (2 * rem > p || (2 * rem == p && (q & 1))) ++q;
      return Value::integer(q * p);
    }
    const double x = in.as_float();
    if (!std::isfinite(x) || precision > 323) return Value::number(x);
    if (precision < 0) {
      const double p = std::pow(10.0, static_cast<double>(-precision));
      return Value::number(std::nearbyint(x / p) * p);
    }
    std::vector<char> buf(1024);
    std::snprintf(buf.data(), buf.size(), "%.*f", static_cast<int>(precision), x);
    return Value::number(std::strtod(buf.data(), nullptr));
  }
  const double scale = std::pow(10.0, static_cast<double>(precision));
  const double v = in.to_double() * scale;
  const double rounded = m == "ceil" ? std::ceil(v) : std::floor(v);
  return Value::number(rounded / scale);
}

StatusOr<Value> f_string(Renderer&, const Value& in, const CallArgs& args) {
  OMNI_RETURN_IF_ERROR(bind_args("string", args, {}).status());
  return Value::string(text(in));
}

// Jinja2's title filter: the first character of each run between [-\s({[<] runs is uppercased,
// the rest lowercased.
StatusOr<Value> f_title(Renderer&, const Value& in, const CallArgs& args) {
  OMNI_RETURN_IF_ERROR(bind_args("title", args, {}).status());
  const std::string s = text(in);
  auto separator = [](char32_t c) {
    return c == '-' || c == '(' || c == '{' || c == '[' || c == '<' || unicode::is_space(c);
  };
  std::string out;
  bool word_start = true;
  bool prev_sep = false;
  bool first = true;
  for (size_t i = 0; i < s.size();) {
    const char32_t c = unicode::decode(s, i);
    const bool sep = separator(c);
    if (first || sep != prev_sep) word_start = true;
    first = false;
    prev_sep = sep;
    std::string one;
    unicode::append(one, c);
    if (sep) {
      out += one;
    } else {
      out += word_start ? unicode::upper(one) : unicode::lower(one);
    }
    word_start = false;
  }
  return Value::string(std::move(out));
}

StatusOr<Value> f_tojson(Renderer& r, const Value& in, const CallArgs& args) {
  OMNI_ASSIGN_OR_RETURN(
      BoundArgs a,
      bind_args("tojson", args, {"ensure_ascii", "indent", "separators", "sort_keys"}));
  JsonDumpOptions o;
  o.ensure_ascii = truthy(a.get(0, Value::boolean(false)));
  const Value indent = a.get(1, Value::none());
  if (indent.is_string()) {
    o.indent = indent.str();
  } else if (indent.is_integral()) {
    o.indent = std::string(std::clamp<int64_t>(indent.to_int(), 0, 1024), ' ');
  } else if (!indent.is_none()) {
    return InvalidArgument("tojson() indent must be an int or a str, not %s", type_name(indent));
  }
  const Value seps = a.get(2, Value::none());
  if (!seps.is_none()) {
    if (!seps.is_list() || seps.items().size() != 2 || !seps.items()[0].is_string() ||
        !seps.items()[1].is_string())
      return InvalidArgument("tojson() separators must be a pair of strings");
    o.item_separator = seps.items()[0].str();
    o.key_separator = seps.items()[1].str();
  }
  o.sort_keys = truthy(a.get(3, Value::boolean(false)));
  OMNI_ASSIGN_OR_RETURN(std::string json, json_dump(in, o));
  if (json.size() > r.max_bytes()) return InvalidArgument("tojson() exceeds the output limit");
  return Value::string(std::move(json));
}

StatusOr<Value> f_trim(Renderer&, const Value& in, const CallArgs& args) {
  OMNI_ASSIGN_OR_RETURN(BoundArgs a, bind_args("trim", args, {"chars"}));
  std::optional<std::string> chars;
  if (a.has(0) && !a[0]->is_none()) {
    OMNI_ASSIGN_OR_RETURN(chars, str_arg(*a[0], "trim() chars"));
  }
  return Value::string(pystr::strip(text(in), chars, true, true));
}

StatusOr<Value> f_truncate(Renderer&, const Value& in, const CallArgs& args) {
  OMNI_ASSIGN_OR_RETURN(BoundArgs a,
                        bind_args("truncate", args, {"length", "killwords", "end", "leeway"}));
  OMNI_ASSIGN_OR_RETURN(int64_t length, int_arg(a.get(0, Value::integer(255)), "length"));
  const bool killwords = truthy(a.get(1, Value::boolean(false)));
  OMNI_ASSIGN_OR_RETURN(std::string end, str_arg(a.get(2, Value::string("...")), "end"));
  Value leeway_v = a.get(3, Value::none());
  if (leeway_v.is_none()) leeway_v = Value::integer(5);
  OMNI_ASSIGN_OR_RETURN(int64_t leeway, int_arg(leeway_v, "leeway"));
  const int64_t end_len = static_cast<int64_t>(unicode::length(end));
  if (length < end_len)
    return InvalidArgument("expected length >= %lld", static_cast<long long>(end_len));
  if (leeway < 0) return InvalidArgument("expected leeway >= 0");
  if (in.is_undefined()) return in;
  if (!in.is_string()) return InvalidArgument("object of type '%s' has no len()", type_name(in));
  const std::string& s = in.str();
  if (static_cast<int64_t>(unicode::length(s)) <= length + leeway) return in;
  std::string head = pystr::substr(s, 0, length - end_len);
  if (killwords) return Value::string(head + end);
  const std::vector<std::string> parts = pystr::rsplit(head, std::string(" "), 1);
  return Value::string(parts[0] + end);
}

StatusOr<Value> f_wordcount(Renderer&, const Value& in, const CallArgs& args) {
  OMNI_RETURN_IF_ERROR(bind_args("wordcount", args, {}).status());
  const std::string s = text(in);
  int64_t n = 0;
  bool in_word = false;
  for (size_t i = 0; i < s.size();) {
    const bool w = unicode::is_word(unicode::decode(s, i));
    if (w && !in_word) ++n;
    in_word = w;
  }
  return Value::integer(n);
}

constexpr NamedFilter kTextFilters[] = {
    {"abs", f_abs},       {"attr", f_attr},           {"capitalize", f_capitalize},
    {"center", f_center}, {"d", f_default},           {"default", f_default},
    {"e", f_escape},      {"escape", f_escape},       {"float", f_float},
    {"format", f_format}, {"indent", f_indent},       {"int", f_int},
    {"lower", f_lower},   {"replace", f_replace},     {"round", f_round},
    {"safe", f_string},   {"string", f_string},       {"title", f_title},
    {"tojson", f_tojson}, {"trim", f_trim},           {"truncate", f_truncate},
    {"upper", f_upper},   {"wordcount", f_wordcount},
};

}  // namespace

std::span<const NamedFilter> text_filters() {
  return kTextFilters;
}

}  // namespace omni::jinja
