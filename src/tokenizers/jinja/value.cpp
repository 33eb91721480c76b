#include "tokenizers/jinja/value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

#include <nlohmann/json.hpp>

#include "tokenizers/jinja/unicode.h"

namespace omni::jinja {

Value Value::undefined(std::string hint) {
  Value v;
  if (!hint.empty()) v.data_ = std::make_shared<const std::string>(std::move(hint));
  return v;
}

Value Value::none() {
  Value v;
  v.kind_ = Kind::kNone;
  return v;
}

Value Value::boolean(bool b) {
  Value v;
  v.kind_ = Kind::kBool;
  v.data_ = b;
  return v;
}

Value Value::integer(int64_t i) {
  Value v;
  v.kind_ = Kind::kInt;
  v.data_ = i;
  return v;
}

Value Value::big_integer(uint64_t u) {
  Value v;
  v.kind_ = Kind::kBigInt;
  v.data_ = u;
  return v;
}

Value Value::number(double d) {
  Value v;
  v.kind_ = Kind::kFloat;
  v.data_ = d;
  return v;
}

Value Value::string(std::string s) {
  Value v;
  v.kind_ = Kind::kString;
  v.data_ = std::make_shared<const std::string>(std::move(s));
  return v;
}

namespace {

uint16_t nested_depth(const Value::Items& items) {
  int d = 0;
  for (const Value& item : items) d = std::max(d, item.depth());
  return static_cast<uint16_t>(std::min(d + 1, 65535));
}

}  // namespace

Value Value::list(Items items, SeqKind kind) {
  Value v;
  v.depth_ = nested_depth(items);
  v.kind_ = Kind::kList;
  v.seq_kind_ = kind;
  v.data_ = std::make_shared<const Items>(std::move(items));
  return v;
}

Value Value::dict(Pairs pairs) {
  Value v;
  int d = 0;
  for (const auto& [k, val] : pairs) d = std::max({d, k.depth(), val.depth()});
  v.depth_ = static_cast<uint16_t>(std::min(d + 1, 65535));
  v.kind_ = Kind::kDict;
  v.data_ = std::make_shared<const Pairs>(std::move(pairs));
  return v;
}

Value Value::iterator(Items items, const char* type_name) {
  Value v;
  v.depth_ = nested_depth(items);
  v.kind_ = Kind::kIterator;
  auto it = std::make_shared<Iterator>();
  it->items = std::move(items);
  it->type_name = type_name;
  v.data_ = std::move(it);
  return v;
}

Value Value::make_namespace(std::vector<std::pair<std::string, Value>> attrs) {
  Value v;
  v.depth_ = 1;
  v.kind_ = Kind::kNamespace;
  auto ns = std::make_shared<Namespace>();
  ns->attrs = std::move(attrs);
  v.data_ = std::move(ns);
  return v;
}

Value Value::object(std::shared_ptr<const Object> obj) {
  Value v;
  v.kind_ = Kind::kObject;
  v.data_ = std::move(obj);
  return v;
}

Value Value::function(std::string name, std::function<StatusOr<Value>(Renderer&, CallArgs&)> call) {
  Value v;
  v.kind_ = Kind::kFunction;
  v.data_ = std::make_shared<const Function>(Function{std::move(name), std::move(call)});
  return v;
}

namespace {

template <typename Json>
Value value_from_json(const Json& j, int depth) {
  if (depth > kMaxValueDepth)
    return Value::undefined("the JSON input nests deeper than " + std::to_string(kMaxValueDepth) +
                            " levels");
  switch (j.type()) {
    case nlohmann::json::value_t::null:
      return Value::none();
    case nlohmann::json::value_t::boolean:
      return Value::boolean(j.template get<bool>());
    case nlohmann::json::value_t::number_integer:
      return Value::integer(j.template get<int64_t>());
    case nlohmann::json::value_t::number_unsigned: {
      const uint64_t u = j.template get<uint64_t>();
      if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        return Value::big_integer(u);
      return Value::integer(static_cast<int64_t>(u));
    }
    case nlohmann::json::value_t::number_float:
      return Value::number(j.template get<double>());
    case nlohmann::json::value_t::string:
      return Value::string(j.template get<std::string>());
    case nlohmann::json::value_t::array: {
      Value::Items items;
      items.reserve(j.size());
      for (const auto& e : j) items.push_back(value_from_json(e, depth + 1));
      return Value::list(std::move(items));
    }
    case nlohmann::json::value_t::object: {
      Value::Pairs pairs;
      pairs.reserve(j.size());
      for (auto it = j.begin(); it != j.end(); ++it)
        pairs.emplace_back(Value::string(it.key()), value_from_json(it.value(), depth + 1));
      return Value::dict(std::move(pairs));
    }
    default:
      return Value::none();  // binary and discarded values have no template meaning
  }
}

const std::string kEmpty;

}  // namespace

Value Value::from_json(const nlohmann::ordered_json& j) {
  return value_from_json(j, 0);
}
Value Value::from_json(const nlohmann::json& j) {
  return value_from_json(j, 0);
}

double Value::to_double() const {
  if (is_float()) return as_float();
  if (is_big_int()) return static_cast<double>(as_big_int());
  return static_cast<double>(to_int());
}

const Value::Items& Value::items() const {
  return *std::get<std::shared_ptr<const Items>>(data_);
}
const Value::Pairs& Value::pairs() const {
  return *std::get<std::shared_ptr<const Pairs>>(data_);
}

const std::string& Value::undefined_hint() const {
  if (const auto* p = std::get_if<std::shared_ptr<const std::string>>(&data_)) return **p;
  return kEmpty;
}

const Value* Value::find(const Value& key) const {
  if (key.is_string()) return find(std::string_view(key.str()));
  for (const auto& [k, v] : pairs())
    if (equals(k, key)) return &v;
  return nullptr;
}

const Value* Value::find(std::string_view key) const {
  for (const auto& [k, v] : pairs())
    if (k.is_string() && k.str() == key) return &v;
  return nullptr;
}

const void* Value::identity() const {
  return std::visit(
      [](const auto& d) -> const void* {
        using T = std::decay_t<decltype(d)>;
        if constexpr (std::is_same_v<T, std::shared_ptr<const Items>> ||
                      std::is_same_v<T, std::shared_ptr<const Pairs>> ||
                      std::is_same_v<T, std::shared_ptr<Iterator>> ||
                      std::is_same_v<T, std::shared_ptr<Namespace>> ||
                      std::is_same_v<T, std::shared_ptr<const Object>> ||
                      std::is_same_v<T, std::shared_ptr<const Function>>) {
          return d.get();
        } else {
          return nullptr;
        }
      },
      data_);
}

bool truthy(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kUndefined:
    case Value::Kind::kNone:
      return false;
    case Value::Kind::kBool:
      return v.as_bool();
    case Value::Kind::kInt:
      return v.as_int() != 0;
    case Value::Kind::kBigInt:
      return true;
    case Value::Kind::kFloat:
      return v.as_float() != 0.0;
    case Value::Kind::kString:
      return !v.str().empty();
    case Value::Kind::kList:
      return !v.items().empty();
    case Value::Kind::kDict:
      return !v.pairs().empty();
    default:
      return true;
  }
}

std::string float_repr(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d < 0 ? "-inf" : "inf";
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::scientific);
  std::string_view sci(buf, res.ptr - buf);  // "-1.2345e+07"
  std::string out;
  if (sci[0] == '-') {
    out += '-';
    sci.remove_prefix(1);
  }
  const size_t epos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, epos))
    if (c != '.') digits += c;
  int exp = 0;
  std::from_chars(sci.data() + epos + 1 + (sci[epos + 1] == '+' ? 1 : 0), sci.data() + sci.size(),
                  exp);
  const int n = static_cast<int>(digits.size());
  if (exp >= -4 && exp < 16) {
    if (exp >= 0) {
      if (n <= exp + 1) {
        out += digits;
        out.append(exp + 1 - n, '0');
        out += ".0";
      } else {
        out += digits.substr(0, exp + 1);
        out += '.';
        out += digits.substr(exp + 1);
      }
    } else {
      out += "0.";
      out.append(-exp - 1, '0');
      out += digits;
    }
    return out;
  }
  out += digits[0];
  if (n > 1) {
    out += '.';
    out += digits.substr(1);
  }
  char ebuf[16];
  std::snprintf(ebuf, sizeof(ebuf), "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
  out += ebuf;
  return out;
}

std::string string_repr(std::string_view s) {
  const bool has_single = s.find('\'') != std::string_view::npos;
  const bool has_double = s.find('"') != std::string_view::npos;
  const char quote = (has_single && !has_double) ? '"' : '\'';
  std::string out;
  out.reserve(s.size() + 2);
  out += quote;
  for (size_t i = 0; i < s.size();) {
    const char32_t c = unicode::decode(s, i);
    char buf[16];
    if (c == static_cast<char32_t>(quote) || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7F) {
      std::snprintf(buf, sizeof(buf), "\\x%02x", static_cast<unsigned>(c));
      out += buf;
    } else if (c < 0x7F || unicode::is_printable(c)) {
      unicode::append(out, c);
    } else if (c < 0x100) {
      std::snprintf(buf, sizeof(buf), "\\x%02x", static_cast<unsigned>(c));
      out += buf;
    } else if (c < 0x10000) {
      std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(c));
      out += buf;
    } else {
      std::snprintf(buf, sizeof(buf), "\\U%08x", static_cast<unsigned>(c));
      out += buf;
    }
  }
  out += quote;
  return out;
}

namespace {

// repr() state: the namespaces being printed (a namespace that contains itself prints as
// "<Namespace {...}>", as Python's recursion guard does) and the nesting depth.
struct ReprState {
  std::vector<const void*> active;
  int depth = 0;
};

std::string repr_impl(const Value& v, ReprState& st);

void append_joined(std::string& out, const Value::Items& items, ReprState& st) {
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ", ";
    out += repr_impl(items[i], st);
  }
}

std::string repr_impl(const Value& v, ReprState& st) {
  if (st.depth > kMaxValueDepth) return "...";
  ++st.depth;
  struct Leave {
    int& depth;
    ~Leave() { --depth; }
  } leave{st.depth};
  switch (v.kind()) {
    case Value::Kind::kUndefined:
      return "Undefined";
    case Value::Kind::kString:
      return string_repr(v.str());
    case Value::Kind::kList: {
      std::string out;
      switch (v.seq_kind()) {
        case Value::SeqKind::kList:
          out = "[";
          append_joined(out, v.items(), st);
          return out + "]";
        case Value::SeqKind::kTuple:
          out = "(";
          append_joined(out, v.items(), st);
          return out + (v.items().size() == 1 ? ",)" : ")");
        case Value::SeqKind::kDictKeys:
          out = "dict_keys([";
          break;
        case Value::SeqKind::kDictValues:
          out = "dict_values([";
          break;
        case Value::SeqKind::kDictItems:
          out = "dict_items([";
          break;
      }
      append_joined(out, v.items(), st);
      return out + "])";
    }
    case Value::Kind::kDict: {
      std::string out = "{";
      bool first = true;
      for (const auto& [k, val] : v.pairs()) {
        if (!first) out += ", ";
        first = false;
        out += repr_impl(k, st);
        out += ": ";
        out += repr_impl(val, st);
      }
      return out + "}";
    }
    case Value::Kind::kNamespace: {
      const void* id = v.identity();
      if (std::find(st.active.begin(), st.active.end(), id) != st.active.end())
        return "<Namespace {...}>";
      st.active.push_back(id);
      std::string out = "<Namespace {";
      bool first = true;
      for (const auto& [k, val] : v.ns().attrs) {
        if (!first) out += ", ";
        first = false;
        out += string_repr(k);
        out += ": ";
        out += repr_impl(val, st);
      }
      st.active.pop_back();
      return out + "}>";
    }
    case Value::Kind::kObject:
      return v.obj().repr();
    case Value::Kind::kFunction:
      return "<function " + v.fn().name + ">";
    case Value::Kind::kIterator:
      return std::string("<") + v.iter().type_name + " object>";
    default:
      return to_str(v);
  }
}

}  // namespace

std::string repr(const Value& v) {
  ReprState st;
  return repr_impl(v, st);
}

std::string to_str(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kUndefined:
      return {};
    case Value::Kind::kNone:
      return "None";
    case Value::Kind::kBool:
      return v.as_bool() ? "True" : "False";
    case Value::Kind::kInt:
      return std::to_string(v.as_int());
    case Value::Kind::kBigInt:
      return std::to_string(v.as_big_int());
    case Value::Kind::kFloat:
      return float_repr(v.as_float());
    case Value::Kind::kString:
      return v.str();
    default:
      return repr(v);
  }
}

bool equals(const Value& a, const Value& b) {
  using K = Value::Kind;
  if (a.is_number() && b.is_number()) {
    if (a.is_int_like() && b.is_int_like()) return a.to_int128() == b.to_int128();
    return a.to_double() == b.to_double();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case K::kUndefined:
    case K::kNone:
      return true;
    case K::kString:
      return a.str() == b.str();
    case K::kList: {
      if (a.seq_kind() != b.seq_kind()) return false;
      const auto& x = a.items();
      const auto& y = b.items();
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i)
        if (!equals(x[i], y[i])) return false;
      return true;
    }
    case K::kDict: {
      if (a.pairs().size() != b.pairs().size()) return false;
      for (const auto& [k, v] : a.pairs()) {
        const Value* other = b.find(k);
        if (!other || !equals(v, *other)) return false;
      }
      return true;
    }
    default:
      return a.identity() == b.identity();
  }
}

std::string concat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view p : parts) out.append(p);
  return out;
}

const char* type_name(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kUndefined:
      return "Undefined";
    case Value::Kind::kNone:
      return "NoneType";
    case Value::Kind::kBool:
      return "bool";
    case Value::Kind::kInt:
    case Value::Kind::kBigInt:
      return "int";
    case Value::Kind::kFloat:
      return "float";
    case Value::Kind::kString:
      return "str";
    case Value::Kind::kList:
      switch (v.seq_kind()) {
        case Value::SeqKind::kList:
          return "list";
        case Value::SeqKind::kTuple:
          return "tuple";
        case Value::SeqKind::kDictKeys:
          return "dict_keys";
        case Value::SeqKind::kDictValues:
          return "dict_values";
        case Value::SeqKind::kDictItems:
          return "dict_items";
      }
      return "list";
    case Value::Kind::kDict:
      return "dict";
    case Value::Kind::kIterator:
      return v.iter().type_name;
    case Value::Kind::kNamespace:
      return "Namespace";
    case Value::Kind::kObject:
      return v.obj().type_name();
    case Value::Kind::kFunction:
      return "function";
  }
  return "object";
}

}  // namespace omni::jinja
