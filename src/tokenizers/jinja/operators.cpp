#include "tokenizers/jinja/operators.h"

#include <cmath>
#include <limits>

#include "tokenizers/jinja/format.h"
#include "tokenizers/jinja/methods.h"
#include "tokenizers/jinja/unicode.h"

namespace omni::jinja {
namespace {

Status overflow() {
  return Unsupported("integer overflow: the result does not fit in 64 bits");
}

Status type_error(const char* op, const Value& a, const Value& b) {
  return InvalidArgument("unsupported operand type(s) for %s: '%s' and '%s'", op, type_name(a),
                         type_name(b));
}

bool is_seq(const Value& v) {
  return v.is_list() &&
         (v.seq_kind() == Value::SeqKind::kList || v.seq_kind() == Value::SeqKind::kTuple);
}

StatusOr<Value> repeat(const Value& seq, int64_t n, size_t max_bytes) {
  if (n < 0) n = 0;
  if (seq.is_string()) {
    const std::string& s = seq.str();
    if (!s.empty() && static_cast<uint64_t>(n) > max_bytes / s.size())
      return InvalidArgument("string repetition would exceed the output limit (%zu bytes)",
                             max_bytes);
    std::string out;
    out.reserve(s.size() * n);
    for (int64_t i = 0; i < n; ++i) out += s;
    return Value::string(std::move(out));
  }
  const Value::Items& items = seq.items();
  if (!items.empty() && static_cast<uint64_t>(n) > max_bytes / items.size())
    return InvalidArgument("list repetition would exceed the output limit (%zu items)", max_bytes);
  Value::Items out;
  out.reserve(items.size() * n);
  for (int64_t i = 0; i < n; ++i) out.insert(out.end(), items.begin(), items.end());
  return Value::list(std::move(out), seq.seq_kind());
}

// Python's float floor division and modulo (Objects/floatobject.c semantics).
void float_divmod(double vx, double wx, double& floordiv, double& mod) {
  mod = std::fmod(vx, wx);
  double div = (vx - mod) / wx;
  if (mod != 0.0) {
    if ((wx < 0) != (mod < 0)) {
      mod += wx;
      div -= 1.0;
    }
  } else {
    mod = std::copysign(0.0, wx);
  }
  if (div != 0.0) {
    floordiv = std::floor(div);
    if (div - floordiv > 0.5) floordiv += 1.0;
  } else {
    floordiv = std::copysign(0.0, vx / wx);
  }
}

StatusOr<Value> int_pow(int64_t base, int64_t exp) {
  int64_t result = 1;
  while (exp > 0) {
    if (exp & 1)
      if (__builtin_mul_overflow(result, base, &result)) return overflow();
    exp >>= 1;
    if (exp > 0 && __builtin_mul_overflow(base, base, &base)) return overflow();
  }
  return Value::integer(result);
}

StatusOr<Value> numeric_op(BinOp op, const Value& a, const Value& b) {
  if ((a.is_big_int() || b.is_big_int()) && !a.is_float() && !b.is_float())
    return Unsupported("arithmetic on integers beyond 64 bits is not supported");
  if (a.is_integral() && b.is_integral()) {
    const int64_t x = a.to_int();
    const int64_t y = b.to_int();
    int64_t r = 0;
    switch (op) {
      case BinOp::kAdd:
        if (__builtin_add_overflow(x, y, &r)) return overflow();
        return Value::integer(r);
      case BinOp::kSub:
        if (__builtin_sub_overflow(x, y, &r)) return overflow();
        return Value::integer(r);
      case BinOp::kMul:
        if (__builtin_mul_overflow(x, y, &r)) return overflow();
        return Value::integer(r);
      case BinOp::kDiv:
        if (y == 0) return InvalidArgument("division by zero");
        return Value::number(static_cast<double>(x) / static_cast<double>(y));
      case BinOp::kFloorDiv:
      case BinOp::kMod: {
        if (y == 0) return InvalidArgument("integer division or modulo by zero");
        if (x == std::numeric_limits<int64_t>::min() && y == -1) return overflow();
        int64_t q = x / y;
        int64_t m = x % y;
        if (m != 0 && ((m < 0) != (y < 0))) {
          m += y;
          q -= 1;
        }
        return Value::integer(op == BinOp::kFloorDiv ? q : m);
      }
      case BinOp::kPow:
        if (y >= 0) return int_pow(x, y);
        if (x == 0) return InvalidArgument("0.0 cannot be raised to a negative power");
        return Value::number(std::pow(static_cast<double>(x), static_cast<double>(y)));
    }
  }
  const double x = a.to_double();
  const double y = b.to_double();
  switch (op) {
    case BinOp::kAdd:
      return Value::number(x + y);
    case BinOp::kSub:
      return Value::number(x - y);
    case BinOp::kMul:
      return Value::number(x * y);
    case BinOp::kDiv:
      if (y == 0.0) return InvalidArgument("float division by zero");
      return Value::number(x / y);
    case BinOp::kFloorDiv:
    case BinOp::kMod: {
      if (y == 0.0) return InvalidArgument("float modulo or floor division by zero");
      double q = 0, m = 0;
      float_divmod(x, y, q, m);
      return Value::number(op == BinOp::kFloorDiv ? q : m);
    }
    case BinOp::kPow: {
      if (x == 0.0 && y < 0) return InvalidArgument("0.0 cannot be raised to a negative power");
      if (x < 0 && y != std::floor(y))
        return Unsupported("a negative number raised to a fractional power is complex");
      const double r = std::pow(x, y);
      if (std::isinf(r) && std::isfinite(x) && std::isfinite(y))
        return InvalidArgument("numerical result out of range");
      return Value::number(r);
    }
  }
  return Internal("unknown operator");
}

// Python's slice index normalization (PySlice_AdjustIndices). An empty result means an index
// that is not an integer or None.
struct SliceRange {
  int64_t start, stop, step;
};

StatusOr<std::optional<SliceRange>> slice_range(size_t len, const std::optional<Value>& start,
                                                const std::optional<Value>& stop,
                                                const std::optional<Value>& step) {
  auto as_index = [](const std::optional<Value>& v, bool& ok) -> std::optional<int64_t> {
    if (!v || v->is_none()) return std::nullopt;
    if (!v->is_integral()) {
      ok = false;
      return std::nullopt;
    }
    return v->to_int();
  };
  bool ok = true;
  const auto st = as_index(step, ok);
  const auto b = as_index(start, ok);
  const auto e = as_index(stop, ok);
  if (!ok) return std::optional<SliceRange>();  // TypeError: slice indices must be integers
  const int64_t n = static_cast<int64_t>(len);
  const int64_t s = st.value_or(1);
  if (s == 0) return InvalidArgument("slice step cannot be zero");
  auto adjust = [&](std::optional<int64_t> v, int64_t dflt) {
    if (!v) return dflt;
    int64_t i = *v;
    if (i < 0) {
      i += n;
      if (i < 0) i = s < 0 ? -1 : 0;
    } else if (i >= n) {
      i = s < 0 ? n - 1 : n;
    }
    return i;
  };
  SliceRange r;
  r.step = s;
  r.start = adjust(b, s < 0 ? n - 1 : 0);
  r.stop = adjust(e, s < 0 ? -1 : n);
  return std::optional<SliceRange>(r);
}

template <typename Seq, typename Out>
void take_slice(const Seq& seq, const SliceRange& r, Out& out) {
  if (r.step > 0) {
    for (int64_t i = r.start; i < r.stop; i += r.step) out.push_back(seq[i]);
  } else {
    for (int64_t i = r.start; i > r.stop; i += r.step) out.push_back(seq[i]);
  }
}

Value missing_attribute(const Value& obj, std::string_view name) {
  if (obj.is_none()) return Value::undefined(concat({"'None' has no attribute '", name, "'"}));
  return Value::undefined(concat({"'", type_name(obj), " object' has no attribute '", name, "'"}));
}

Value unsafe_attribute(const Value& obj, std::string_view name) {
  return Value::undefined(
      concat({"access to attribute '", name, "' of '", type_name(obj), "' object is unsafe."}));
}

}  // namespace

std::optional<Value> python_attribute(const Value& obj, std::string_view name) {
  if (name.size() >= 2 && name.substr(0, 2) == "__") return unsafe_attribute(obj, name);
  if (obj.is_namespace()) {
    for (const auto& [k, v] : obj.ns().attrs)
      if (k == name) return v;
    return std::nullopt;
  }
  if (obj.is_object()) {
    Value out;
    if (obj.obj().get_attr(name, out)) return out;
    return std::nullopt;
  }
  Value method;
  switch (lookup_method(obj, name, method)) {
    case MethodLookup::kFound:
      return method;
    case MethodLookup::kUnsafe:
      return unsafe_attribute(obj, name);
    case MethodLookup::kNone:
      break;
  }
  return std::nullopt;
}

const char* binop_symbol(BinOp op) {
  switch (op) {
    case BinOp::kAdd:
      return "+";
    case BinOp::kSub:
      return "-";
    case BinOp::kMul:
      return "*";
    case BinOp::kDiv:
      return "/";
    case BinOp::kFloorDiv:
      return "//";
    case BinOp::kMod:
      return "%";
    case BinOp::kPow:
      return "**";
  }
  return "?";
}

Status undefined_error(const Value& v) {
  const std::string& hint = v.undefined_hint();
  if (hint.empty()) return InvalidArgument("a value is undefined");
  return InvalidArgument("%s", hint.c_str());
}

StatusOr<Value> binary_op(BinOp op, const Value& a, const Value& b, size_t max_bytes) {
  if (op == BinOp::kMod && a.is_string()) {  // printf-style formatting takes any right operand
    OMNI_ASSIGN_OR_RETURN(std::string s, percent_format(a.str(), b, max_bytes));
    return Value::string(std::move(s));
  }
  if (a.is_undefined()) return undefined_error(a);
  if (b.is_undefined()) return undefined_error(b);
  if (a.is_number() && b.is_number()) return numeric_op(op, a, b);
  if (op == BinOp::kAdd) {
    if (a.is_string() && b.is_string()) {
      if (a.str().size() + b.str().size() > max_bytes)
        return InvalidArgument("string concatenation would exceed the output limit (%zu bytes)",
                               max_bytes);
      return Value::string(a.str() + b.str());
    }
    if (is_seq(a) && is_seq(b) && a.seq_kind() == b.seq_kind()) {
      if (a.items().size() + b.items().size() > max_bytes)
        return InvalidArgument("list concatenation would exceed the output limit");
      Value::Items out = a.items();
      out.insert(out.end(), b.items().begin(), b.items().end());
      return Value::list(std::move(out), a.seq_kind());
    }
    if (a.is_string())
      return InvalidArgument("can only concatenate str (not \"%s\") to str", type_name(b));
  }
  if (op == BinOp::kMul) {
    if ((a.is_string() || is_seq(a)) && b.is_integral()) return repeat(a, b.to_int(), max_bytes);
    if ((b.is_string() || is_seq(b)) && a.is_integral()) return repeat(b, a.to_int(), max_bytes);
  }
  return type_error(binop_symbol(op), a, b);
}

StatusOr<Value> negate(const Value& v) {
  if (v.is_undefined()) return undefined_error(v);
  if (v.is_big_int()) return overflow();
  if (v.is_float()) return Value::number(-v.as_float());
  if (v.is_integral()) {
    if (v.to_int() == std::numeric_limits<int64_t>::min()) return overflow();
    return Value::integer(-v.to_int());
  }
  return InvalidArgument("bad operand type for unary -: '%s'", type_name(v));
}

StatusOr<Value> unary_plus(const Value& v) {
  if (v.is_undefined()) return undefined_error(v);
  if (v.is_big_int()) return v;
  if (v.is_float()) return v;
  if (v.is_integral()) return Value::integer(v.to_int());
  return InvalidArgument("bad operand type for unary +: '%s'", type_name(v));
}

StatusOr<bool> less_than(const Value& a, const Value& b) {
  if (a.is_undefined()) return undefined_error(a);
  if (b.is_undefined()) return undefined_error(b);
  if (a.is_number() && b.is_number()) {
    if (a.is_int_like() && b.is_int_like()) return a.to_int128() < b.to_int128();
    return a.to_double() < b.to_double();
  }
  if (a.is_string() && b.is_string()) return a.str() < b.str();
  if (is_seq(a) && is_seq(b) && a.seq_kind() == b.seq_kind()) {
    const auto& x = a.items();
    const auto& y = b.items();
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (equals(x[i], y[i])) continue;
      return less_than(x[i], y[i]);
    }
    return x.size() < y.size();
  }
  return InvalidArgument("'<' not supported between instances of '%s' and '%s'", type_name(a),
                         type_name(b));
}

StatusOr<bool> contains(const Value& container, const Value& item) {
  switch (container.kind()) {
    case Value::Kind::kUndefined:
      return false;
    case Value::Kind::kString:
      if (!item.is_string())
        return InvalidArgument("'in <string>' requires string as left operand, not %s",
                               type_name(item));
      return container.str().find(item.str()) != std::string::npos;
    case Value::Kind::kList:
      for (const Value& v : container.items())
        if (equals(v, item)) return true;
      return false;
    case Value::Kind::kDict:
      if (item.is_list() || item.is_dict())
        return InvalidArgument("unhashable type: '%s'", type_name(item));
      return container.find(item) != nullptr;
    case Value::Kind::kIterator: {
      Value::Iterator& it = container.iter();
      while (it.pos < it.items.size())
        if (equals(it.items[it.pos++], item)) return true;
      return false;
    }
    default:
      return InvalidArgument("argument of type '%s' is not iterable", type_name(container));
  }
}

StatusOr<size_t> length(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kUndefined:
      return size_t{0};
    case Value::Kind::kString:
      return unicode::length(v.str());
    case Value::Kind::kList:
      return v.items().size();
    case Value::Kind::kDict:
      return v.pairs().size();
    default:
      return InvalidArgument("object of type '%s' has no len()", type_name(v));
  }
}

StatusOr<Value::Items> iterate(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kUndefined:
      return Value::Items{};
    case Value::Kind::kString: {
      Value::Items out;
      const std::string& s = v.str();
      for (size_t i = 0; i < s.size();) {
        const size_t start = i;
        unicode::decode(s, i);
        out.push_back(Value::string(s.substr(start, i - start)));
      }
      return out;
    }
    case Value::Kind::kList:
      return v.items();
    case Value::Kind::kDict: {
      Value::Items out;
      out.reserve(v.pairs().size());
      for (const auto& kv : v.pairs()) out.push_back(kv.first);
      return out;
    }
    case Value::Kind::kIterator: {
      Value::Iterator& it = v.iter();
      Value::Items out(it.items.begin() + it.pos, it.items.end());
      it.pos = it.items.size();
      return out;
    }
    default:
      return InvalidArgument("'%s' object is not iterable", type_name(v));
  }
}

StatusOr<Value> get_attr(const Value& obj, std::string_view name) {
  if (obj.is_undefined()) return undefined_error(obj);
  if (std::optional<Value> attr = python_attribute(obj, name)) return *attr;
  if (obj.is_dict())
    if (const Value* v = obj.find(name)) return *v;
  return missing_attribute(obj, name);
}

StatusOr<Value> get_item(const Value& obj, const Value& key) {
  if (obj.is_undefined()) return undefined_error(obj);
  switch (obj.kind()) {
    case Value::Kind::kDict:
      if (const Value* v = obj.find(key)) return *v;
      break;
    case Value::Kind::kList:
      if (is_seq(obj) && key.is_integral()) {
        const auto& items = obj.items();
        int64_t i = key.to_int();
        if (i < 0) i += static_cast<int64_t>(items.size());
        if (i >= 0 && i < static_cast<int64_t>(items.size())) return items[i];
      }
      break;
    case Value::Kind::kString:
      if (key.is_integral()) {
        const std::u32string s = unicode::to_u32(obj.str());
        int64_t i = key.to_int();
        if (i < 0) i += static_cast<int64_t>(s.size());
        if (i >= 0 && i < static_cast<int64_t>(s.size()))
          return Value::string(unicode::to_u8(s.substr(i, 1)));
      }
      break;
    default:
      break;
  }
  if (key.is_string())
    if (std::optional<Value> attr = python_attribute(obj, key.str())) return *attr;
  if (key.is_string()) return missing_attribute(obj, key.str());
  return Value::undefined(concat({"'", type_name(obj), " object' has no element ", repr(key)}));
}

StatusOr<Value> get_slice(const Value& obj, const std::optional<Value>& start,
                          const std::optional<Value>& stop, const std::optional<Value>& step) {
  if (obj.is_undefined()) return undefined_error(obj);
  // Jinja2 compiles slices to plain Python subscription, so failures raise (no undefined).
  if (obj.is_dict()) return InvalidArgument("unhashable type: 'slice'");
  if (!obj.is_string() && !is_seq(obj))
    return InvalidArgument("'%s' object is not subscriptable", type_name(obj));
  const std::u32string text = obj.is_string() ? unicode::to_u32(obj.str()) : std::u32string();
  const size_t len = obj.is_string() ? text.size() : obj.items().size();
  OMNI_ASSIGN_OR_RETURN(std::optional<SliceRange> r, slice_range(len, start, stop, step));
  if (!r)
    return InvalidArgument("slice indices must be integers or None or have an __index__ method");
  if (obj.is_string()) {
    std::u32string out;
    take_slice(text, *r, out);
    return Value::string(unicode::to_u8(out));
  }
  Value::Items out;
  take_slice(obj.items(), *r, out);
  return Value::list(std::move(out), obj.seq_kind());
}

}  // namespace omni::jinja
