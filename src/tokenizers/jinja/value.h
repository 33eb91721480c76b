// The dynamic value of the template language: what Python objects are to Jinja2. Copies are cheap
// (containers and strings are shared, immutable after construction); the two mutable kinds are
// namespace() objects and iterators, which Python shares by reference too.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "base/status.h"

namespace omni::jinja {

class Value;
class Renderer;  // the evaluator; builtin functions receive it

// Arguments of a call, as written: positional first, then keywords.
struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;
};

// A callable: a builtin function, a bound method or a macro.
struct Function {
  std::string name;
  std::function<StatusOr<Value>(Renderer&, CallArgs&)> call;
};

// namespace() objects: attributes in insertion order, assignable with `set ns.attr = ...`.
struct Namespace {
  std::vector<std::pair<std::string, Value>> attrs;
};

// Other objects with attributes (the loop variable). Attributes are computed on access.
class Object {
 public:
  virtual ~Object() = default;
  virtual const char* type_name() const = 0;
  // Returns false when the object has no such attribute.
  virtual bool get_attr(std::string_view name, Value& out) const = 0;
  virtual std::string repr() const = 0;
};

class Value {
 public:
  enum class Kind : uint8_t {
    kUndefined,
    kNone,
    kBool,
    kInt,
    kBigInt,  // an integer in (INT64_MAX, UINT64_MAX], from JSON input; no arithmetic
    kFloat,
    kString,
    kList,  // list, tuple or a dict view (see SeqKind)
    kDict,
    kIterator,  // a one-pass iterator (Python generators, reversed(), ...)
    kNamespace,
    kObject,
    kFunction,
  };
  enum class SeqKind : uint8_t { kList, kTuple, kDictKeys, kDictValues, kDictItems };
  using Items = std::vector<Value>;
  using Pairs = std::vector<std::pair<Value, Value>>;

  struct Iterator {
    Items items;
    size_t pos = 0;
    const char* type_name = "generator";
  };

  // Undefined. `hint` is what an error names when the value is used ("'x' is undefined").
  Value() = default;
  static Value undefined(std::string hint = {});
  static Value none();
  static Value boolean(bool b);
  static Value integer(int64_t i);
  static Value big_integer(uint64_t u);  // for u > INT64_MAX
  static Value number(double d);
  static Value string(std::string s);
  static Value list(Items items, SeqKind kind = SeqKind::kList);
  static Value tuple(Items items) { return list(std::move(items), SeqKind::kTuple); }
  // Keys must be unique under Python equality (the caller ensures it).
  static Value dict(Pairs pairs);
  static Value iterator(Items items, const char* type_name = "generator");
  static Value make_namespace(std::vector<std::pair<std::string, Value>> attrs);
  static Value object(std::shared_ptr<const Object> obj);
  static Value function(std::string name,
                        std::function<StatusOr<Value>(Renderer&, CallArgs&)> call);

  // JSON objects keep their key order (ordered_json); nlohmann::json has sorted its keys already.
  // Unsigned integers beyond int64 are kept exactly (kBigInt); larger ones are floats already.
  static Value from_json(const nlohmann::ordered_json& j);
  static Value from_json(const nlohmann::json& j);

  Kind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == Kind::kUndefined; }
  bool is_none() const { return kind_ == Kind::kNone; }
  bool is_bool() const { return kind_ == Kind::kBool; }
  bool is_int() const { return kind_ == Kind::kInt; }
  bool is_float() const { return kind_ == Kind::kFloat; }
  bool is_big_int() const { return kind_ == Kind::kBigInt; }
  // Python's numbers.Number: bool, int (any size) or float.
  bool is_number() const { return is_bool() || is_int() || is_big_int() || is_float(); }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_list() const { return kind_ == Kind::kList; }
  bool is_dict() const { return kind_ == Kind::kDict; }
  bool is_iterator() const { return kind_ == Kind::kIterator; }
  bool is_namespace() const { return kind_ == Kind::kNamespace; }
  bool is_object() const { return kind_ == Kind::kObject; }
  bool is_function() const { return kind_ == Kind::kFunction; }

  // Accessors; each requires the matching kind.
  bool as_bool() const { return std::get<bool>(data_); }
  int64_t as_int() const { return std::get<int64_t>(data_); }
  double as_float() const { return std::get<double>(data_); }
  uint64_t as_big_int() const { return std::get<uint64_t>(data_); }
  // bool, int or float as a double.
  double to_double() const;
  // bool, int or big int as a 128-bit integer (exact comparisons).
  __int128 to_int128() const { return is_big_int() ? __int128(as_big_int()) : __int128(to_int()); }
  bool is_int_like() const { return is_integral() || is_big_int(); }
  // bool or int as an int64 (Python treats True as 1).
  int64_t to_int() const { return is_bool() ? (as_bool() ? 1 : 0) : as_int(); }
  bool is_integral() const { return is_bool() || is_int(); }
  const std::string& str() const { return *std::get<std::shared_ptr<const std::string>>(data_); }
  const Items& items() const;  // kList
  SeqKind seq_kind() const { return seq_kind_; }
  const Pairs& pairs() const;  // kDict
  Iterator& iter() const { return *std::get<std::shared_ptr<Iterator>>(data_); }
  Namespace& ns() const { return *std::get<std::shared_ptr<Namespace>>(data_); }
  const Object& obj() const { return *std::get<std::shared_ptr<const Object>>(data_); }
  const Function& fn() const { return *std::get<std::shared_ptr<const Function>>(data_); }
  // The hint of an undefined value (may be empty).
  const std::string& undefined_hint() const;

  // Dict lookup under Python equality; nullptr when absent.
  const Value* find(const Value& key) const;
  const Value* find(std::string_view key) const;

  // Identity of shared objects (Python `is`), for containers, namespaces, objects and functions.
  const void* identity() const;

  // Container nesting: 0 for scalars, 1 + the deepest element for lists, dicts and iterators
  // (namespaces count 1 whatever they hold). Saturates at 65535.
  int depth() const { return depth_; }

 private:
  using Data = std::variant<
      std::monostate, bool, int64_t, uint64_t, double, std::shared_ptr<const std::string>,
      std::shared_ptr<const Items>, std::shared_ptr<const Pairs>, std::shared_ptr<Iterator>,
      std::shared_ptr<Namespace>, std::shared_ptr<const Object>, std::shared_ptr<const Function>>;
  Kind kind_ = Kind::kUndefined;
  SeqKind seq_kind_ = SeqKind::kList;
  uint16_t depth_ = 0;
  Data data_;
};

// Values nested deeper than this are refused where templates store them (`set`), and JSON input
// nested deeper becomes undefined: deep recursion in printing, comparing and freeing is bounded.
inline constexpr int kMaxValueDepth = 1000;

// Python truthiness (bool(x)); undefined is false, iterators and objects are true.
bool truthy(const Value& v);
// Python str(x) as Jinja prints it: undefined prints as "", None as "None", containers as repr.
std::string to_str(const Value& v);
// Python repr(x).
std::string repr(const Value& v);
// Python float repr (shortest round-trip digits; "1e-05", "1e+16", "2.0", "nan", "inf").
std::string float_repr(double d);
// Python repr() of a string, quotes included.
std::string string_repr(std::string_view s);
// Python ==. Undefined equals only undefined; 1 == 1.0 == True; [1] != (1,).
bool equals(const Value& a, const Value& b);
// Joins string pieces (for messages).
std::string concat(std::initializer_list<std::string_view> parts);
// The name Python gives the value's type in messages ("str", "int", "dict", "NoneType", ...).
const char* type_name(const Value& v);

}  // namespace omni::jinja
