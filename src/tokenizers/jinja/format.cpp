#include "tokenizers/jinja/format.h"

#include <cmath>
#include <cstdio>
#include <limits>

#include "tokenizers/jinja/operators.h"
#include "tokenizers/jinja/pystr.h"
#include "tokenizers/jinja/unicode.h"

namespace omni::jinja {
namespace {

// Python ascii(): repr() with non-ASCII code points escaped.
std::string ascii_repr(const Value& v) {
  const std::string r = repr(v);
  std::string out;
  for (size_t i = 0; i < r.size();) {
    const char32_t c = unicode::decode(r, i);
    char buf[16];
    if (c < 0x80) {
      out += static_cast<char>(c);
      continue;
    }
    if (c < 0x100) {
      std::snprintf(buf, sizeof(buf), "\\x%02x", static_cast<unsigned>(c));
    } else if (c < 0x10000) {
      std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(c));
    } else {
      std::snprintf(buf, sizeof(buf), "\\U%08x", static_cast<unsigned>(c));
    }
    out += buf;
  }
  return out;
}

std::string digits_in_base(unsigned __int128 v, int base, bool upper) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  if (v == 0) return "0";
  std::string out;
  while (v) {
    out.insert(out.begin(), digits[static_cast<int>(v % base)]);
    v /= base;
  }
  return out;
}

// Pads `body` (sign and prefix first, then digits) to `width` code points.
std::string pad_to(std::string sign_prefix, std::string digits, int64_t width, bool left,
                   bool zero) {
  const int64_t len = static_cast<int64_t>(unicode::length(sign_prefix) + unicode::length(digits));
  if (width <= len) return sign_prefix + digits;
  const std::string fill(static_cast<size_t>(width - len), zero && !left ? '0' : ' ');
  if (left) return sign_prefix + digits + fill;
  if (zero) return sign_prefix + fill + digits;
  return fill + sign_prefix + digits;
}

// ---- printf-style --------------------------------------------------------------------------

struct PercentSpec {
  bool left = false, plus = false, space = false, alt = false, zero = false;
  int64_t width = -1, precision = -1;
  char type = 's';
};

StatusOr<std::string> percent_one(const PercentSpec& sp, const Value& v) {
  switch (sp.type) {
    case 's':
    case 'r':
    case 'a': {
      std::string s = sp.type == 's' ? to_str(v) : sp.type == 'r' ? repr(v) : ascii_repr(v);
      if (sp.precision >= 0) s = pystr::substr(s, 0, sp.precision);
      return pad_to("", s, sp.width, sp.left, false);
    }
    case 'd':
    case 'i':
    case 'u':
    case 'x':
    case 'X':
    case 'o': {
      const bool decimal = sp.type == 'd' || sp.type == 'i' || sp.type == 'u';
      if (v.is_undefined()) return undefined_error(v);
      __int128 n = 0;
      if (v.is_int_like()) {
        n = v.to_int128();
      } else if (v.is_float() && decimal) {
        if (!std::isfinite(v.as_float()))
          return InvalidArgument("cannot convert float %s to integer",
                                 float_repr(v.as_float()).c_str());
        if (std::fabs(v.as_float()) >= 1.7e38) return Unsupported("integer overflow in %%d format");
        n = static_cast<__int128>(v.as_float());
      } else if (decimal) {
        return InvalidArgument("%%%c format: a real number is required, not %s", sp.type,
                               type_name(v));
      } else {
        return InvalidArgument("%%%c format: an integer is required, not %s", sp.type,
                               type_name(v));
      }
      const bool neg = n < 0;
      const unsigned __int128 mag = neg ? -static_cast<unsigned __int128>(n) : n;
      std::string digits = digits_in_base(mag,
                                          decimal          ? 10
                                          : sp.type == 'o' ? 8
                                                           : 16,
                                          sp.type == 'X');
      if (sp.precision > static_cast<int64_t>(digits.size()))
        digits.insert(0, static_cast<size_t>(sp.precision) - digits.size(), '0');
      std::string prefix = neg ? "-" : sp.plus ? "+" : sp.space ? " " : "";
      if (sp.alt && !decimal) prefix += sp.type == 'o' ? "0o" : sp.type == 'x' ? "0x" : "0X";
      return pad_to(prefix, digits, sp.width, sp.left, sp.zero);
    }
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G': {
      if (v.is_undefined()) return undefined_error(v);
      if (!v.is_number()) return InvalidArgument("must be real number, not %s", type_name(v));
      std::string f = "%";
      if (sp.left) f += '-';
      if (sp.plus) f += '+';
      if (sp.space) f += ' ';
      if (sp.alt) f += '#';
      if (sp.zero) f += '0';
      if (sp.width > 1000 || sp.precision > 1000)
        return InvalidArgument("format width or precision too big");
      if (sp.width >= 0) f += std::to_string(sp.width);
      f += '.' + std::to_string(sp.precision >= 0 ? sp.precision : 6);
      f += sp.type;
      std::vector<char> buf(2200);
      std::snprintf(buf.data(), buf.size(), f.c_str(), v.to_double());
      return std::string(buf.data());
    }
    case 'c': {
      std::string s;
      if (v.is_string()) {
        if (unicode::length(v.str()) != 1) return InvalidArgument("%%c requires int or char");
        s = v.str();
      } else if (v.is_integral()) {
        if (v.to_int() < 0 || v.to_int() > 0x10FFFF)
          return InvalidArgument("%%c arg not in range(0x110000)");
        unicode::append(s, static_cast<char32_t>(v.to_int()));
      } else {
        return InvalidArgument("%%c requires int or char");
      }
      return pad_to("", s, sp.width, sp.left, false);
    }
    default:
      return InvalidArgument("unsupported format character '%c' (0x%x)", sp.type,
                             static_cast<unsigned>(static_cast<unsigned char>(sp.type)));
  }
}

// ---- format-spec mini-language -------------------------------------------------------------

struct FormatSpec {
  std::string fill = " ";
  char align = 0;  // < > ^ =
  char sign = 0;   // + - space
  bool z = false, alt = false, zero = false;
  int64_t width = -1;
  char grouping = 0;  // , or _
  int64_t precision = -1;
  char type = 0;
};

StatusOr<FormatSpec> parse_spec(std::string_view s) {
  FormatSpec f;
  size_t i = 0;
  auto is_align = [](char c) { return c == '<' || c == '>' || c == '^' || c == '='; };
  // fill is any code point followed by an align character
  if (!s.empty()) {
    size_t j = 0;
    unicode::decode(s, j);
    if (j < s.size() && is_align(s[j])) {
      f.fill = std::string(s.substr(0, j));
      f.align = s[j];
      i = j + 1;
    } else if (is_align(s[0])) {
      f.align = s[0];
      i = 1;
    }
  }
  if (i < s.size() && (s[i] == '+' || s[i] == '-' || s[i] == ' ')) f.sign = s[i++];
  if (i < s.size() && s[i] == 'z') f.z = true, ++i;
  if (i < s.size() && s[i] == '#') f.alt = true, ++i;
  if (i < s.size() && s[i] == '0') f.zero = true, ++i;
  auto number = [&](int64_t& out) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return;
    out = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9')
      out = std::min<int64_t>(out * 10 + (s[i++] - '0'), 1 << 20);
  };
  number(f.width);
  if (i < s.size() && (s[i] == ',' || s[i] == '_')) f.grouping = s[i++];
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (i >= s.size() || s[i] < '0' || s[i] > '9')
      return InvalidArgument("Format specifier missing precision");
    number(f.precision);
  }
  if (i < s.size()) f.type = s[i++];
  if (i != s.size())
    return InvalidArgument("Invalid format specifier '%s'", std::string(s).c_str());
  if (f.zero && !f.align) {
    f.fill = "0";
    f.align = '=';
  }
  return f;
}

std::string group_digits(const std::string& digits, char sep, size_t every) {
  std::string out;
  const size_t n = digits.size();
  for (size_t i = 0; i < n; ++i) {
    if (i && (n - i) % every == 0) out += sep;
    out += digits[i];
  }
  return out;
}

std::string align_spec(const FormatSpec& f, const std::string& sign_prefix, const std::string& body,
                       char default_align) {
  const char align = f.align ? f.align : default_align;
  const int64_t len = static_cast<int64_t>(unicode::length(sign_prefix) + unicode::length(body));
  if (f.width <= len) return sign_prefix + body;
  const int64_t pad = f.width - len;
  auto fill = [&](int64_t n) {
    std::string out;
    for (int64_t k = 0; k < n; ++k) out += f.fill;
    return out;
  };
  switch (align) {
    case '<':
      return sign_prefix + body + fill(pad);
    case '^':
      return fill(pad / 2) + sign_prefix + body + fill(pad - pad / 2);
    case '=':
      return sign_prefix + fill(pad) + body;
    default:
      return fill(pad) + sign_prefix + body;
  }
}

std::string sign_of(const FormatSpec& f, bool negative) {
  if (negative) return "-";
  if (f.sign == '+') return "+";
  if (f.sign == ' ') return " ";
  return "";
}

StatusOr<std::string> format_float(const FormatSpec& f, double x) {
  char type = f.type;
  bool percent = false;
  if (type == '%') {
    percent = true;
    x *= 100;
    type = 'f';
  }
  if (f.precision > 1000) return InvalidArgument("precision too big");
  const bool negative = std::signbit(x) && !(f.z && x == 0.0);
  const double mag = std::fabs(x);
  std::string body;
  if (type == 0 && f.precision < 0) {
    body = float_repr(mag);
  } else {
    const char t = type == 0 || type == 'n' ? 'g' : type;
    std::string c = "%";
    if (f.alt) c += '#';
    c += '.' + std::to_string(f.precision >= 0 ? f.precision : (type == 0 ? 12 : 6));
    c += t;
    std::vector<char> buf(2200);
    std::snprintf(buf.data(), buf.size(), c.c_str(), mag);
    body = buf.data();
    if (type == 0 && std::isfinite(mag) && body.find_first_of(".e") == std::string::npos)
      body += ".0";
  }
  if (f.grouping && std::isfinite(mag)) {
    const size_t end = body.find_first_of(".eE");
    const std::string int_part = body.substr(0, end);
    body =
        group_digits(int_part, f.grouping, 3) + (end == std::string::npos ? "" : body.substr(end));
  }
  if (percent) body += '%';
  return align_spec(f, sign_of(f, negative), body, '>');
}

}  // namespace

StatusOr<std::string> format_value(const Value& v, std::string_view spec) {
  if (spec.empty()) return to_str(v);
  OMNI_ASSIGN_OR_RETURN(FormatSpec f, parse_spec(spec));
  if (v.is_string()) {
    if (f.type && f.type != 's')
      return InvalidArgument("Unknown format code '%c' for object of type 'str'", f.type);
    if (f.sign) return InvalidArgument("Sign not allowed in string format specifier");
    if (f.align == '=')
      return InvalidArgument("'=' alignment not allowed in string format specifier");
    std::string s = v.str();
    if (f.precision >= 0) s = pystr::substr(s, 0, f.precision);
    return align_spec(f, "", s, '<');
  }
  if (v.is_int_like()) {
    const char t = f.type;
    if (t == 'e' || t == 'E' || t == 'f' || t == 'F' || t == 'g' || t == 'G' || t == '%')
      return format_float(f, v.to_double());
    if (f.precision >= 0)
      return InvalidArgument("Precision not allowed in integer format specifier");
    const __int128 n = v.to_int128();
    if (t == 'c') {
      if (n < 0 || n > 0x10FFFF) return InvalidArgument("%%c arg not in range(0x110000)");
      std::string s;
      unicode::append(s, static_cast<char32_t>(n));
      return align_spec(f, "", s, '<');
    }
    int base = 10;
    if (t == 'b') base = 2;
    if (t == 'o') base = 8;
    if (t == 'x' || t == 'X') base = 16;
    if (t && t != 'd' && t != 'n' && base == 10)
      return InvalidArgument("Unknown format code '%c' for object of type 'int'", t);
    const unsigned __int128 mag = n < 0 ? -static_cast<unsigned __int128>(n) : n;
    std::string digits = digits_in_base(mag, base, t == 'X');
    if (f.grouping) {
      if (f.grouping == ',' && base != 10)
        return InvalidArgument("Cannot specify ',' with '%c'.", t);
      digits = group_digits(digits, f.grouping, base == 10 ? 3 : 4);
    }
    std::string prefix = sign_of(f, n < 0);
    if (f.alt && base != 10) prefix += base == 2 ? "0b" : base == 8 ? "0o" : t == 'X' ? "0X" : "0x";
    return align_spec(f, prefix, digits, '>');
  }
  if (v.is_float()) {
    const char t = f.type;
    if (t && t != 'e' && t != 'E' && t != 'f' && t != 'F' && t != 'g' && t != 'G' && t != 'n' &&
        t != '%')
      return InvalidArgument("Unknown format code '%c' for object of type 'float'", t);
    return format_float(f, v.as_float());
  }
  return InvalidArgument("unsupported format string passed to %s.__format__", type_name(v));
}

StatusOr<std::string> percent_format(std::string_view fmt, const Value& args, size_t max_bytes) {
  std::vector<Value> positional;
  const Value* mapping = nullptr;
  if (args.is_list() && args.seq_kind() == Value::SeqKind::kTuple) {
    positional = args.items();
  } else {
    positional.push_back(args);
    if (args.is_dict()) mapping = &args;
  }
  size_t next = 0;
  std::string out;
  auto next_int = [&](int64_t& target) -> Status {
    if (next >= positional.size()) return InvalidArgument("not enough arguments for format string");
    const Value& v = positional[next++];
    if (!v.is_integral()) return InvalidArgument("* wants int");
    target = v.to_int();
    return Status::Ok();
  };
  for (size_t i = 0; i < fmt.size();) {
    if (fmt[i] != '%') {
      out += fmt[i++];
      continue;
    }
    ++i;
    if (i >= fmt.size()) return InvalidArgument("incomplete format");
    std::optional<Value> keyed;
    if (fmt[i] == '(') {
      if (!mapping) return InvalidArgument("format requires a mapping");
      int depth = 1;
      size_t j = i + 1;
      while (j < fmt.size() && depth) {
        if (fmt[j] == '(') ++depth;
        if (fmt[j] == ')') --depth;
        ++j;
      }
      if (depth) return InvalidArgument("incomplete format key");
      const std::string key(fmt.substr(i + 1, j - i - 2));
      const Value* v = mapping->find(key);
      if (!v) return InvalidArgument("KeyError: '%s'", key.c_str());
      keyed = *v;
      i = j;
    }
    PercentSpec sp;
    for (; i < fmt.size(); ++i) {
      const char c = fmt[i];
      if (c == '-') {
        sp.left = true;
      } else if (c == '+') {
        sp.plus = true;
      } else if (c == ' ') {
        sp.space = true;
      } else if (c == '#') {
        sp.alt = true;
      } else if (c == '0') {
        sp.zero = true;
      } else {
        break;
      }
    }
    if (i < fmt.size() && fmt[i] == '*') {
      OMNI_RETURN_IF_ERROR(next_int(sp.width));
      if (sp.width < 0) sp.left = true, sp.width = -sp.width;
      ++i;
    } else {
      while (i < fmt.size() && fmt[i] >= '0' && fmt[i] <= '9')
        sp.width =
            std::min<int64_t>(std::max<int64_t>(sp.width, 0) * 10 + (fmt[i++] - '0'), 1 << 24);
    }
    if (i < fmt.size() && fmt[i] == '.') {
      ++i;
      sp.precision = 0;
      if (i < fmt.size() && fmt[i] == '*') {
        OMNI_RETURN_IF_ERROR(next_int(sp.precision));
        ++i;
      } else {
        while (i < fmt.size() && fmt[i] >= '0' && fmt[i] <= '9')
          sp.precision = std::min<int64_t>(sp.precision * 10 + (fmt[i++] - '0'), 1 << 24);
      }
    }
    while (i < fmt.size() && (fmt[i] == 'h' || fmt[i] == 'l' || fmt[i] == 'L')) ++i;
    if (i >= fmt.size()) return InvalidArgument("incomplete format");
    sp.type = fmt[i++];
    if (sp.type == '%') {
      out += '%';
      continue;
    }
    if (sp.width > static_cast<int64_t>(max_bytes))
      return InvalidArgument("format width exceeds the output limit");
    Value v;
    if (keyed) {
      v = *keyed;
    } else {
      if (next >= positional.size())
        return InvalidArgument("not enough arguments for format string");
      v = positional[next++];
    }
    OMNI_ASSIGN_OR_RETURN(std::string piece, percent_one(sp, v));
    out += piece;
    if (out.size() > max_bytes) return InvalidArgument("formatted string exceeds the output limit");
  }
  if (!mapping && next < positional.size())
    return InvalidArgument("not all arguments converted during string formatting");
  return out;
}

namespace {

// Python's string.Formatter gives this message for both directions of the switch.
constexpr const char* kSwitchNumbering =
    "cannot switch from manual field specification to automatic field numbering";

// One replacement field's value: the argument named by `name`, then .attr and [key] parts.
StatusOr<Value> resolve_field(std::string_view name, const CallArgs& args, size_t& auto_index,
                              int& numbering) {
  size_t end = name.find_first_of(".[");
  const std::string_view first = name.substr(0, end);
  Value v;
  const bool digits =
      !first.empty() && first.find_first_not_of("0123456789") == std::string_view::npos;
  if (first.empty() || digits) {
    size_t index = 0;
    if (first.empty()) {
      if (numbering == 2) return InvalidArgument(kSwitchNumbering);
      numbering = 1;
      index = auto_index++;
    } else {
      if (numbering == 1) return InvalidArgument(kSwitchNumbering);
      numbering = 2;
      index = first.size() > 9 ? SIZE_MAX : std::stoul(std::string(first));
    }
    if (index >= args.positional.size())
      return InvalidArgument("Replacement index %zu out of range (tuple index out of range)",
                             index);
    v = args.positional[index];
  } else {
    bool found = false;
    for (const auto& [k, val] : args.keyword) {
      if (k == first) {
        v = val;
        found = true;
      }
    }
    if (!found) return InvalidArgument("KeyError: '%s'", std::string(first).c_str());
  }
  while (end != std::string_view::npos && end < name.size()) {
    if (name[end] == '.') {
      const size_t next = name.find_first_of(".[", end + 1);
      const std::string_view attr =
          name.substr(end + 1, next == std::string_view::npos ? next : next - end - 1);
      if (attr.empty()) return InvalidArgument("Empty attribute in format string");
      OMNI_ASSIGN_OR_RETURN(v, get_attr(v, attr));
      end = next;
    } else {
      const size_t close = name.find(']', end);
      if (close == std::string_view::npos) return InvalidArgument("Missing ']' in format string");
      const std::string key(name.substr(end + 1, close - end - 1));
      if (key.empty()) return InvalidArgument("Empty attribute in format string");
      const bool numeric =
          key.find_first_not_of("0123456789") == std::string::npos && key.size() < 18;
      OMNI_ASSIGN_OR_RETURN(
          v, get_item(v, numeric ? Value::integer(std::stoll(key)) : Value::string(key)));
      end = close + 1;
      if (end < name.size() && name[end] != '.' && name[end] != '[')
        return InvalidArgument("Only '.' or '[' may follow ']' in format field specifier");
    }
  }
  return v;
}

StatusOr<std::string> vformat(std::string_view fmt, const CallArgs& args, size_t& auto_index,
                              int& numbering, int depth, size_t max_bytes) {
  if (depth < 0) return InvalidArgument("Max string recursion exceeded");
  std::string out;
  for (size_t i = 0; i < fmt.size();) {
    const char c = fmt[i];
    if (c == '}') {
      if (i + 1 < fmt.size() && fmt[i + 1] == '}') {
        out += '}';
        i += 2;
        continue;
      }
      return InvalidArgument("Single '}' encountered in format string");
    }
    if (c != '{') {
      out += c;
      ++i;
      continue;
    }
    if (i + 1 < fmt.size() && fmt[i + 1] == '{') {
      out += '{';
      i += 2;
      continue;
    }
    // The field runs to the matching '}' (nested braces belong to the spec).
    size_t j = i + 1;
    int level = 1;
    bool in_brackets = false;
    for (; j < fmt.size(); ++j) {
      if (fmt[j] == '[') in_brackets = true;
      if (fmt[j] == ']') in_brackets = false;
      if (in_brackets) continue;
      if (fmt[j] == '{') ++level;
      if (fmt[j] == '}' && --level == 0) break;
    }
    if (j >= fmt.size()) return InvalidArgument("expected '}' before end of string");
    const std::string_view field = fmt.substr(i + 1, j - i - 1);
    i = j + 1;
    size_t k = 0;
    bool brackets = false;
    for (; k < field.size(); ++k) {
      if (field[k] == '[') brackets = true;
      if (field[k] == ']') brackets = false;
      if (!brackets && (field[k] == '!' || field[k] == ':')) break;
    }
    const std::string_view name = field.substr(0, k);
    char conversion = 0;
    std::string_view spec;
    if (k < field.size() && field[k] == '!') {
      if (k + 1 >= field.size())
        return InvalidArgument("end of string while looking for conversion specifier");
      conversion = field[k + 1];
      k += 2;
      if (k < field.size() && field[k] != ':')
        return InvalidArgument("expected ':' after conversion specifier");
    }
    if (k < field.size() && field[k] == ':') spec = field.substr(k + 1);
    OMNI_ASSIGN_OR_RETURN(Value v, resolve_field(name, args, auto_index, numbering));
    if (conversion == 'r') {
      v = Value::string(repr(v));
    } else if (conversion == 's') {
      v = Value::string(to_str(v));
    } else if (conversion == 'a') {
      v = Value::string(ascii_repr(v));
    } else if (conversion) {
      return InvalidArgument("Unknown conversion specifier %c", conversion);
    }
    OMNI_ASSIGN_OR_RETURN(std::string expanded_spec,
                          vformat(spec, args, auto_index, numbering, depth - 1, max_bytes));
    OMNI_ASSIGN_OR_RETURN(std::string piece, format_value(v, expanded_spec));
    out += piece;
    if (out.size() > max_bytes) return InvalidArgument("formatted string exceeds the output limit");
  }
  return out;
}

}  // namespace

StatusOr<std::string> str_format(std::string_view fmt, const CallArgs& args, size_t max_bytes) {
  size_t auto_index = 0;
  int numbering = 0;
  return vformat(fmt, args, auto_index, numbering, 2, max_bytes);
}

}  // namespace omni::jinja
