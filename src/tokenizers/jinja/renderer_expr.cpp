// Expression evaluation.
#include "tokenizers/jinja/builtins.h"
#include "tokenizers/jinja/lexer.h"
#include "tokenizers/jinja/operators.h"
#include "tokenizers/jinja/renderer.h"

namespace omni::jinja {

Status Renderer::at(uint32_t pos, const Status& s) const {
  if (s.ok() || s.message().rfind("line ", 0) == 0) return s;
  return Status(s.code(), location_prefix(program_.source, pos) + s.message());
}

Value Renderer::lookup(std::string_view name, const Scope& scope) const {
  for (const Scope* s = &scope; s; s = s->parent.get())
    if (const Value* v = s->find_local(name)) return *v;
  if (const Value* v = context_.find(name)) return *v;
  Value global;
  if (find_global(name, global)) return global;
  return Value::undefined(concat({"'", name, "' is undefined"}));
}

Status Renderer::count_iterations(uint64_t n) {
  iterations_ += n;
  if (iterations_ > options_.max_loop_iterations)
    return InvalidArgument("the template ran more than %llu loop iterations",
                           static_cast<unsigned long long>(options_.max_loop_iterations));
  return Status::Ok();
}

StatusOr<Value> Renderer::call(const Value& callee, CallArgs& args) {
  if (callee.is_undefined()) return undefined_error(callee);
  if (!callee.is_function())
    return InvalidArgument("'%s' object is not callable", type_name(callee));
  return callee.fn().call(*this, args);
}

StatusOr<Value> Renderer::apply_filter(std::string_view name, const Value& input,
                                       const CallArgs& args) {
  const FilterFn fn = find_filter(name);
  if (!fn) return Unsupported("the filter '%s' is not supported", std::string(name).c_str());
  return fn(*this, input, args);
}

StatusOr<bool> Renderer::apply_test(std::string_view name, const Value& input,
                                    const CallArgs& args) {
  const TestFn fn = find_test(name);
  if (!fn) {
    if (test_availability(name) == Availability::kMissing)
      return InvalidArgument("no test named '%s'", std::string(name).c_str());
    return Unsupported("the test '%s' is not supported", std::string(name).c_str());
  }
  return fn(*this, input, args);
}

Status Renderer::eval_args(const Expr& e, const ScopePtr& scope, CallArgs& args) {
  for (const ExprPtr& item : e.items) {
    OMNI_ASSIGN_OR_RETURN(Value v, eval(*item, scope));
    args.positional.push_back(std::move(v));
  }
  if (e.star_args) {
    OMNI_ASSIGN_OR_RETURN(Value v, eval(*e.star_args, scope));
    StatusOr<Value::Items> items = iterate(v);
    if (!items.ok()) return at(e.star_args->pos, items.status());
    for (Value& item : *items) args.positional.push_back(std::move(item));
  }
  for (const Keyword& kw : e.kwargs) {
    OMNI_ASSIGN_OR_RETURN(Value v, eval(*kw.value, scope));
    args.keyword.emplace_back(kw.name, std::move(v));
  }
  if (e.star_kwargs) {
    OMNI_ASSIGN_OR_RETURN(Value v, eval(*e.star_kwargs, scope));
    if (!v.is_dict())
      return at(e.star_kwargs->pos,
                InvalidArgument("argument after ** must be a mapping, not %s", type_name(v)));
    for (const auto& [k, val] : v.pairs()) {
      if (!k.is_string())
        return at(e.star_kwargs->pos, InvalidArgument("keywords must be strings"));
      args.keyword.emplace_back(k.str(), val);
    }
  }
  return Status::Ok();
}

StatusOr<Value> Renderer::eval_compare(const Expr& e, const ScopePtr& scope) {
  OMNI_ASSIGN_OR_RETURN(Value left, eval(*e.a, scope));
  for (size_t i = 0; i < e.cmp_ops.size(); ++i) {
    OMNI_ASSIGN_OR_RETURN(Value right, eval(*e.items[i], scope));
    StatusOr<bool> r = false;
    switch (e.cmp_ops[i]) {
      case CmpOp::kEq:
        r = equals(left, right);
        break;
      case CmpOp::kNe:
        r = !equals(left, right);
        break;
      case CmpOp::kLt:
        r = less_than(left, right);
        break;
      case CmpOp::kGt:
        r = less_than(right, left);
        break;
      case CmpOp::kLe:
      case CmpOp::kGe: {
        const bool le = e.cmp_ops[i] == CmpOp::kLe;
        r = le ? less_than(left, right) : less_than(right, left);
        if (r.ok() && !*r) r = equals(left, right);
        break;
      }
      case CmpOp::kIn:
        r = contains(right, left);
        break;
      case CmpOp::kNotIn:
        r = contains(right, left);
        if (r.ok()) r = !*r;
        break;
    }
    if (!r.ok()) return at(e.pos, r.status());
    if (!*r) return Value::boolean(false);
    left = std::move(right);
  }
  return Value::boolean(true);
}

StatusOr<Value> Renderer::eval_call(const Expr& e, const ScopePtr& scope) {
  OMNI_ASSIGN_OR_RETURN(Value callee, eval(*e.a, scope));
  CallArgs args;
  OMNI_RETURN_IF_ERROR(eval_args(e, scope, args));
  StatusOr<Value> r = call(callee, args);
  if (!r.ok()) return at(e.pos, r.status());
  return r;
}

StatusOr<Value> Renderer::eval_filter(const Expr& e, const ScopePtr& scope, const Value* input) {
  Value value;
  if (input) {
    value = *input;
  } else {
    OMNI_ASSIGN_OR_RETURN(value, eval(*e.a, scope));
  }
  CallArgs args;
  OMNI_RETURN_IF_ERROR(eval_args(e, scope, args));
  StatusOr<Value> r = apply_filter(e.name, value, args);
  if (!r.ok()) return at(e.pos, r.status());
  return r;
}

StatusOr<Value> Renderer::eval_test(const Expr& e, const ScopePtr& scope) {
  OMNI_ASSIGN_OR_RETURN(Value value, eval(*e.a, scope));
  CallArgs args;
  OMNI_RETURN_IF_ERROR(eval_args(e, scope, args));
  StatusOr<bool> r = apply_test(e.name, value, args);
  if (!r.ok()) return at(e.pos, r.status());
  return Value::boolean(*r);
}

StatusOr<Value> Renderer::eval_slice(const Expr& e, const ScopePtr& scope) {
  OMNI_ASSIGN_OR_RETURN(Value obj, eval(*e.a, scope));
  std::optional<Value> bounds[3];
  const Expr* parts[3] = {e.b.get(), e.c.get(), e.d.get()};
  for (int i = 0; i < 3; ++i) {
    if (!parts[i]) continue;
    OMNI_ASSIGN_OR_RETURN(Value v, eval(*parts[i], scope));
    bounds[i] = std::move(v);
  }
  StatusOr<Value> r = get_slice(obj, bounds[0], bounds[1], bounds[2]);
  if (!r.ok()) return at(e.pos, r.status());
  return r;
}

StatusOr<Value> Renderer::eval(const Expr& e, const ScopePtr& scope) {
  DepthScope depth(*this);
  if (depth.exceeded())
    return at(e.pos, InvalidArgument("the template nests evaluations too deeply (more than %d "
                                     "levels or %zu bytes of stack)",
                                     kMaxEvalDepth, options_.max_stack_bytes));
  switch (e.kind) {
    case ExprKind::kConst:
      return e.value;
    case ExprKind::kName:
      return lookup(e.name, *scope);
    case ExprKind::kGetAttr: {
      OMNI_ASSIGN_OR_RETURN(Value obj, eval(*e.a, scope));
      StatusOr<Value> r = get_attr(obj, e.name);
      if (!r.ok()) return at(e.pos, r.status());
      return r;
    }
    case ExprKind::kGetItem: {
      OMNI_ASSIGN_OR_RETURN(Value obj, eval(*e.a, scope));
      OMNI_ASSIGN_OR_RETURN(Value key, eval(*e.b, scope));
      StatusOr<Value> r = get_item(obj, key);
      if (!r.ok()) return at(e.pos, r.status());
      return r;
    }
    case ExprKind::kSlice:
      return eval_slice(e, scope);
    case ExprKind::kList:
    case ExprKind::kTuple: {
      Value::Items items;
      items.reserve(e.items.size());
      for (const ExprPtr& item : e.items) {
        OMNI_ASSIGN_OR_RETURN(Value v, eval(*item, scope));
        items.push_back(std::move(v));
      }
      return e.kind == ExprKind::kList ? Value::list(std::move(items))
                                       : Value::tuple(std::move(items));
    }
    case ExprKind::kDict: {
      Value::Pairs pairs;
      for (size_t i = 0; i + 1 < e.items.size(); i += 2) {
        OMNI_ASSIGN_OR_RETURN(Value key, eval(*e.items[i], scope));
        OMNI_ASSIGN_OR_RETURN(Value value, eval(*e.items[i + 1], scope));
        if (key.is_list() || key.is_dict() || key.is_namespace())
          return at(e.items[i]->pos, InvalidArgument("unhashable type: '%s'", type_name(key)));
        bool replaced = false;
        for (auto& [k, v] : pairs) {
          if (equals(k, key)) {
            v = std::move(value);
            replaced = true;
            break;
          }
        }
        if (!replaced) pairs.emplace_back(std::move(key), std::move(value));
      }
      return Value::dict(std::move(pairs));
    }
    case ExprKind::kNeg:
    case ExprKind::kPos: {
      OMNI_ASSIGN_OR_RETURN(Value v, eval(*e.a, scope));
      StatusOr<Value> r = e.kind == ExprKind::kNeg ? negate(v) : unary_plus(v);
      if (!r.ok()) return at(e.pos, r.status());
      return r;
    }
    case ExprKind::kNot: {
      OMNI_ASSIGN_OR_RETURN(Value v, eval(*e.a, scope));
      return Value::boolean(!truthy(v));
    }
    case ExprKind::kBinary: {
      OMNI_ASSIGN_OR_RETURN(Value a, eval(*e.a, scope));
      OMNI_ASSIGN_OR_RETURN(Value b, eval(*e.b, scope));
      StatusOr<Value> r = binary_op(e.bin_op, a, b, max_bytes());
      if (!r.ok()) return at(e.pos, r.status());
      return r;
    }
    case ExprKind::kConcat: {
      std::string out;
      for (const ExprPtr& item : e.items) {
        OMNI_ASSIGN_OR_RETURN(Value v, eval(*item, scope));
        out += to_str(v);
        if (out.size() > max_bytes())
          return at(e.pos,
                    InvalidArgument("a string exceeds the output limit (%zu bytes)", max_bytes()));
      }
      return Value::string(std::move(out));
    }
    case ExprKind::kCompare:
      return eval_compare(e, scope);
    case ExprKind::kAnd:
    case ExprKind::kOr: {
      OMNI_ASSIGN_OR_RETURN(Value left, eval(*e.a, scope));
      if (truthy(left) == (e.kind == ExprKind::kOr)) return left;
      return eval(*e.b, scope);
    }
    case ExprKind::kCondExpr: {
      OMNI_ASSIGN_OR_RETURN(Value cond, eval(*e.b, scope));
      if (truthy(cond)) return eval(*e.a, scope);
      if (e.c) return eval(*e.c, scope);
      return Value::undefined("the inline if-expression evaluated to false and has no else");
    }
    case ExprKind::kFilter:
      return eval_filter(e, scope, nullptr);
    case ExprKind::kTest:
      return eval_test(e, scope);
    case ExprKind::kCall:
      return eval_call(e, scope);
  }
  return Internal("unknown expression kind");
}

}  // namespace omni::jinja
