// Python's operators and protocols over template values, as Jinja2's sandboxed environment applies
// them: arithmetic, comparison, `in`, len(), iteration, attribute and item lookup, slicing.
// Failures that raise in Python (TypeError, ZeroDivisionError, UndefinedError...) return an error
// status without a location; the evaluator adds it.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "tokenizers/jinja/value.h"

namespace omni::jinja {

enum class BinOp : uint8_t { kAdd, kSub, kMul, kDiv, kFloorDiv, kMod, kPow };
const char* binop_symbol(BinOp op);

// The error Jinja2 raises when an undefined value is used ("'x' is undefined").
Status undefined_error(const Value& v);

// `max_bytes` bounds the size of a string or list the operation creates (repetition,
// concatenation).
StatusOr<Value> binary_op(BinOp op, const Value& a, const Value& b, size_t max_bytes);
StatusOr<Value> negate(const Value& v);
StatusOr<Value> unary_plus(const Value& v);
// Python `a < b`.
StatusOr<bool> less_than(const Value& a, const Value& b);
// Python `item in container`.
StatusOr<bool> contains(const Value& container, const Value& item);
// Python len().
StatusOr<size_t> length(const Value& v);
// Python iter() drained into a list: strings give code points, dicts their keys, undefined nothing.
// Consumes iterators.
StatusOr<Value::Items> iterate(const Value& v);

// Jinja2's sandboxed `obj.name`: the Python attribute (a method, a namespace attribute) if there is
// one, else `obj[name]`, else undefined. Unsafe attributes (private names, methods that mutate)
// give an undefined value that names the problem.
StatusOr<Value> get_attr(const Value& obj, std::string_view name);
// The Python attribute `name` of obj (a method, a namespace or loop attribute), without falling
// back to items; std::nullopt when there is none. Unsafe attributes give an undefined value.
std::optional<Value> python_attribute(const Value& obj, std::string_view name);
// Jinja2's sandboxed `obj[key]`: the item if there is one, else the attribute for a string key,
// else undefined.
StatusOr<Value> get_item(const Value& obj, const Value& key);
// `obj[start:stop:step]` with Python's rules; unset parts are std::nullopt. Unlike item access
// this raises (Jinja2 compiles slices to plain Python subscription).
StatusOr<Value> get_slice(const Value& obj, const std::optional<Value>& start,
                          const std::optional<Value>& stop, const std::optional<Value>& step);

}  // namespace omni::jinja
