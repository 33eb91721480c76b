// The builtin tests (`x is defined`, `n is divisibleby 3`, `selectattr('role', 'equalto',
// 'user')`).
#include "tokenizers/jinja/args.h"
#include "tokenizers/jinja/filters.h"
#include "tokenizers/jinja/operators.h"
#include "tokenizers/jinja/pystr.h"
#include "tokenizers/jinja/renderer.h"

namespace omni::jinja {
namespace {

StatusOr<Value> one_arg(std::string_view name, const CallArgs& args) {
  OMNI_ASSIGN_OR_RETURN(BoundArgs a, bind_args(name, args, {"other"}, 1));
  return *a[0];
}

Status no_args(std::string_view name, const CallArgs& args) {
  return bind_args(name, args, {}).status();
}

// value % n == r with Python semantics.
StatusOr<bool> mod_is(const Value& v, const Value& n, int64_t r, size_t max_bytes) {
  OMNI_ASSIGN_OR_RETURN(Value m, binary_op(BinOp::kMod, v, n, max_bytes));
  return equals(m, Value::integer(r));
}

StatusOr<bool> t_odd(Renderer& r, const Value& in, const CallArgs& args) {
  OMNI_RETURN_IF_ERROR(no_args("odd", args));
  return mod_is(in, Value::integer(2), 1, r.max_bytes());
}
StatusOr<bool> t_even(Renderer& r, const Value& in, const CallArgs& args) {
  OMNI_RETURN_IF_ERROR(no_args("even", args));
  return mod_is(in, Value::integer(2), 0, r.max_bytes());
}
StatusOr<bool> t_divisibleby(Renderer& r, const Value& in, const CallArgs& args) {
  OMNI_ASSIGN_OR_RETURN(BoundArgs a, bind_args("divisibleby", args, {"num"}, 1));
  return mod_is(in, *a[0], 0, r.max_bytes());
}
StatusOr<bool> t_defined(Renderer&, const Value& in, const CallArgs& args) {
  OMNI_RETURN_IF_ERROR(no_args("defined", args));
  return !in.is_undefined();
}
StatusOr<bool> t_undefined(Renderer&, const Value& in, const CallArgs& args) {
  OMNI_RETURN_IF_ERROR(no_args("undefined", args));
  return in.is_undefined();
}
StatusOr<bool> t_filter(Renderer&, const Value& in, const CallArgs& args) {
  OMNI_RETURN_IF_ERROR(no_args("filter", args));
  if (in.is_list() || in.is_dict()) return InvalidArgument("unhashable type: '%s'", type_name(in));
  return in.is_string() && filter_availability(in.str()) != Availability::kMissing;
}
StatusOr<bool> t_test(Renderer&, const Value& in, const CallArgs& args) {
  OMNI_RETURN_IF_ERROR(no_args("test", args));
  if (in.is_list() || in.is_dict()) return InvalidArgument("unhashable type: '%s'", type_name(in));
  return in.is_string() && test_availability(in.str()) != Availability::kMissing;
}
StatusOr<bool> t_none(Renderer&, const Value& in, const CallArgs& args) {
  OMNI_RETURN_IF_ERROR(no_args("none", args));
  return in.is_none();
}
StatusOr<bool> t_boolean(Renderer&, const Value& in, const CallArgs& args) {
  OMNI_RETURN_IF_ERROR(no_args("boolean", args));
  return in.is_bool();
}
StatusOr<bool> t_false(Renderer&, const Value& in, const CallArgs& args) {
  OMNI_RETURN_IF_ERROR(no_args("false", args));
  return in.is_bool() && !in.as_bool();
}
StatusOr<bool> t_true(Renderer&, const Value& in, const CallArgs& args) {
  OMNI_RETURN_IF_ERROR(no_args("true", args));
  return in.is_bool() && in.as_bool();
}
StatusOr<bool> t_integer(Renderer&, const Value& in, const CallArgs& args) {
  OMNI_RETURN_IF_ERROR(no_args("integer", args));
  return in.is_int() || in.is_big_int();
}
StatusOr<bool> t_float(Renderer&, const Value& in, const CallArgs& args) {
  OMNI_RETURN_IF_ERROR(no_args("float", args));
  return in.is_float();
}
StatusOr<bool> t_lower(Renderer&, const Value& in, const CallArgs& args) {
  OMNI_RETURN_IF_ERROR(no_args("lower", args));
  return pystr::is_lower(to_str(in));
}
StatusOr<bool> t_upper(Renderer&, const Value& in, const CallArgs& args) {
  OMNI_RETURN_IF_ERROR(no_args("upper", args));
  return pystr::is_upper(to_str(in));
}
StatusOr<bool> t_string(Renderer&, const Value& in, const CallArgs& args) {
  OMNI_RETURN_IF_ERROR(no_args("string", args));
  return in.is_string();
}
StatusOr<bool> t_mapping(Renderer&, const Value& in, const CallArgs& args) {
  OMNI_RETURN_IF_ERROR(no_args("mapping", args));
  return in.is_dict();
}
StatusOr<bool> t_number(Renderer&, const Value& in, const CallArgs& args) {
  OMNI_RETURN_IF_ERROR(no_args("number", args));
  return in.is_number();
}
// len() and item access both work: str, list, tuple, dict, and undefined (which has both).
StatusOr<bool> t_sequence(Renderer&, const Value& in, const CallArgs& args) {
  OMNI_RETURN_IF_ERROR(no_args("sequence", args));
  if (in.is_list())
    return in.seq_kind() == Value::SeqKind::kList || in.seq_kind() == Value::SeqKind::kTuple;
  return in.is_undefined() || in.is_string() || in.is_dict();
}
StatusOr<bool> t_iterable(Renderer&, const Value& in, const CallArgs& args) {
  OMNI_RETURN_IF_ERROR(no_args("iterable", args));
  return in.is_undefined() || in.is_string() || in.is_list() || in.is_dict() || in.is_iterator() ||
         in.is_object();
}
StatusOr<bool> t_callable(Renderer&, const Value& in, const CallArgs& args) {
  OMNI_RETURN_IF_ERROR(no_args("callable", args));
  return in.is_function() || in.is_undefined() || in.is_object();
}
StatusOr<bool> t_sameas(Renderer&, const Value& in, const CallArgs& args) {
  OMNI_ASSIGN_OR_RETURN(Value other, one_arg("sameas", args));
  if (in.kind() != other.kind()) return false;
  switch (in.kind()) {
    case Value::Kind::kNone:
      return true;
    case Value::Kind::kBool:
      return in.as_bool() == other.as_bool();
    case Value::Kind::kInt:  // CPython caches small ints
      return in.as_int() == other.as_int() && in.as_int() >= -5 && in.as_int() <= 256;
    default:
      return in.identity() != nullptr && in.identity() == other.identity();
  }
}
StatusOr<bool> t_escaped(Renderer&, const Value&, const CallArgs& args) {
  OMNI_RETURN_IF_ERROR(no_args("escaped", args));
  return false;
}
StatusOr<bool> t_in(Renderer&, const Value& in, const CallArgs& args) {
  OMNI_ASSIGN_OR_RETURN(BoundArgs a, bind_args("in", args, {"seq"}, 1));
  return contains(*a[0], in);
}
StatusOr<bool> t_eq(Renderer&, const Value& in, const CallArgs& args) {
  OMNI_ASSIGN_OR_RETURN(Value other, one_arg("eq", args));
  return equals(in, other);
}
StatusOr<bool> t_ne(Renderer&, const Value& in, const CallArgs& args) {
  OMNI_ASSIGN_OR_RETURN(Value other, one_arg("ne", args));
  return !equals(in, other);
}
StatusOr<bool> t_lt(Renderer&, const Value& in, const CallArgs& args) {
  OMNI_ASSIGN_OR_RETURN(Value other, one_arg("lt", args));
  return less_than(in, other);
}
StatusOr<bool> t_gt(Renderer&, const Value& in, const CallArgs& args) {
  OMNI_ASSIGN_OR_RETURN(Value other, one_arg("gt", args));
  return less_than(other, in);
}
StatusOr<bool> t_le(Renderer&, const Value& in, const CallArgs& args) {
  OMNI_ASSIGN_OR_RETURN(Value other, one_arg("le", args));
  OMNI_ASSIGN_OR_RETURN(bool lt, less_than(in, other));
  return lt || equals(in, other);
}
StatusOr<bool> t_ge(Renderer&, const Value& in, const CallArgs& args) {
  OMNI_ASSIGN_OR_RETURN(Value other, one_arg("ge", args));
  OMNI_ASSIGN_OR_RETURN(bool gt, less_than(other, in));
  return gt || equals(in, other);
}

constexpr NamedTest kTests[] = {
    {"odd", t_odd},
    {"even", t_even},
    {"divisibleby", t_divisibleby},
    {"defined", t_defined},
    {"undefined", t_undefined},
    {"filter", t_filter},
    {"test", t_test},
    {"none", t_none},
    {"boolean", t_boolean},
    {"false", t_false},
    {"true", t_true},
    {"integer", t_integer},
    {"float", t_float},
    {"lower", t_lower},
    {"upper", t_upper},
    {"string", t_string},
    {"mapping", t_mapping},
    {"number", t_number},
    {"sequence", t_sequence},
    {"iterable", t_iterable},
    {"callable", t_callable},
    {"sameas", t_sameas},
    {"escaped", t_escaped},
    {"in", t_in},
    {"==", t_eq},
    {"eq", t_eq},
    {"equalto", t_eq},
    {"!=", t_ne},
    {"ne", t_ne},
    {">", t_gt},
    {"gt", t_gt},
    {"greaterthan", t_gt},
    {"ge", t_ge},
    {">=", t_ge},
    {"<", t_lt},
    {"lt", t_lt},
    {"lessthan", t_lt},
    {"<=", t_le},
    {"le", t_le},
};

}  // namespace

std::span<const NamedTest> builtin_tests() {
  return kTests;
}

}  // namespace omni::jinja
