// Statement execution: output, control flow, assignment, loops, macros.
#include <ctime>

#include "tokenizers/jinja/lexer.h"
#include "tokenizers/jinja/operators.h"
#include "tokenizers/jinja/renderer.h"

namespace omni::jinja {

const Value* Scope::find_local(std::string_view name) const {
  for (const auto& [k, v] : vars)
    if (k == name) return &v;
  return nullptr;
}

void Scope::set(std::string_view name, Value v) {
  for (auto& [k, existing] : vars) {
    if (k == name) {
      existing = std::move(v);
      return;
    }
  }
  vars.emplace_back(std::string(name), std::move(v));
}

namespace {

// The `loop` variable of a for-loop; one object per loop, advanced as the loop runs.
class LoopObject : public Object, public std::enable_shared_from_this<LoopObject> {
 public:
  explicit LoopObject(std::shared_ptr<const Value::Items> items) : items_(std::move(items)) {}

  const char* type_name() const override { return "LoopContext"; }

  std::string repr() const override {
    return "<LoopContext " + std::to_string(index0 + 1) + "/" + std::to_string(items_->size()) +
           ">";
  }

  bool get_attr(std::string_view name, Value& out) const override {
    const int64_t n = static_cast<int64_t>(items_->size());
    const int64_t i = static_cast<int64_t>(index0);
    if (name == "index") {
      out = Value::integer(i + 1);
    } else if (name == "index0") {
      out = Value::integer(i);
    } else if (name == "revindex") {
      out = Value::integer(n - i);
    } else if (name == "revindex0") {
      out = Value::integer(n - i - 1);
    } else if (name == "first") {
      out = Value::boolean(i == 0);
    } else if (name == "last") {
      out = Value::boolean(i == n - 1);
    } else if (name == "length") {
      out = Value::integer(n);
    } else if (name == "depth") {
      out = Value::integer(1);
    } else if (name == "depth0") {
      out = Value::integer(0);
    } else if (name == "previtem") {
      out = i > 0 ? (*items_)[i - 1] : Value::undefined("there is no previous item");
    } else if (name == "nextitem") {
      out = i + 1 < n ? (*items_)[i + 1] : Value::undefined("there is no next item");
    } else if (name == "cycle") {
      auto self = shared_from_this();
      out = Value::function("cycle", [self](Renderer&, CallArgs& args) -> StatusOr<Value> {
        if (args.positional.empty()) return InvalidArgument("no items for cycling given");
        return args.positional[self->index0 % args.positional.size()];
      });
    } else if (name == "changed") {
      auto self = shared_from_this();
      out = Value::function("changed", [self](Renderer&, CallArgs& args) -> StatusOr<Value> {
        Value current = Value::tuple(args.positional);
        if (self->last_changed_ && equals(*self->last_changed_, current))
          return Value::boolean(false);
        self->last_changed_ = std::move(current);
        return Value::boolean(true);
      });
    } else {
      return false;
    }
    return true;
  }

  size_t index0 = 0;

 private:
  std::shared_ptr<const Value::Items> items_;
  mutable std::optional<Value> last_changed_;
};

}  // namespace

Renderer::Renderer(const Program& program, const Value& context, const RenderOptions& options)
    : program_(program), context_(context), options_(options) {
  if (options.now) {
    now_ = *options.now;
  } else {
    const std::time_t t = std::time(nullptr);
    localtime_r(&t, &now_);
  }
}

Renderer::~Renderer() {
  for (const Value& ns : namespaces_) ns.ns().attrs.clear();
  for (const ScopePtr& scope : closures_) scope->vars.clear();
}

StatusOr<std::string> Renderer::render() {
  stack_base_ = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  auto root = std::make_shared<Scope>();
  std::string out;
  Flow flow = Flow::kNormal;
  OMNI_RETURN_IF_ERROR(exec(program_.body, root, out, flow));
  return out;
}

Status Renderer::append(std::string& out, std::string_view text) {
  if (out.size() + text.size() > options_.max_output_bytes)
    return InvalidArgument("the output exceeds the limit of %zu bytes", options_.max_output_bytes);
  out += text;
  return Status::Ok();
}

StatusOr<std::string> Renderer::capture(const Body& body, const ScopePtr& scope) {
  std::string out;
  Flow flow = Flow::kNormal;
  OMNI_RETURN_IF_ERROR(exec(body, scope, out, flow));
  return out;
}

Status Renderer::exec(const Body& body, const ScopePtr& scope, std::string& out, Flow& flow) {
  for (const auto& s : body) {
    OMNI_RETURN_IF_ERROR(exec_stmt(*s, scope, out, flow));
    if (flow != Flow::kNormal) return Status::Ok();
  }
  return Status::Ok();
}

Status Renderer::assign(const Expr& target, Value value, Scope& scope) {
  if (value.depth() > kMaxValueDepth)
    return at(target.pos, InvalidArgument("a value nests deeper than %d levels", kMaxValueDepth));
  if (target.kind == ExprKind::kName) {
    scope.set(target.name, std::move(value));
    return Status::Ok();
  }
  if (target.kind == ExprKind::kGetAttr) {  // set ns.attr = value
    const Value ns = lookup(target.a->name, scope);
    if (!ns.is_namespace())
      return at(target.pos, InvalidArgument("cannot assign attribute on non-namespace object"));
    for (auto& [k, v] : ns.ns().attrs) {
      if (k == target.name) {
        v = std::move(value);
        return Status::Ok();
      }
    }
    ns.ns().attrs.emplace_back(target.name, std::move(value));
    return Status::Ok();
  }
  StatusOr<Value::Items> items = iterate(value);
  if (!items.ok())
    return at(target.pos,
              InvalidArgument("cannot unpack non-iterable %s object", type_name(value)));
  if (items->size() < target.items.size())
    return at(target.pos, InvalidArgument("not enough values to unpack (expected %zu, got %zu)",
                                          target.items.size(), items->size()));
  if (items->size() > target.items.size())
    return at(target.pos,
              InvalidArgument("too many values to unpack (expected %zu)", target.items.size()));
  for (size_t i = 0; i < target.items.size(); ++i)
    OMNI_RETURN_IF_ERROR(assign(*target.items[i], std::move((*items)[i]), scope));
  return Status::Ok();
}

Status Renderer::exec_stmt(const Stmt& s, const ScopePtr& scope, std::string& out, Flow& flow) {
  DepthScope depth(*this);
  if (depth.exceeded())
    return at(s.pos, InvalidArgument("the template nests evaluations too deeply (more than %d "
                                     "levels or %zu bytes of stack)",
                                     kMaxEvalDepth, options_.max_stack_bytes));
  switch (s.kind) {
    case StmtKind::kText:
      return at(s.pos, append(out, s.text));
    case StmtKind::kPrint: {
      OMNI_ASSIGN_OR_RETURN(Value v, eval(*s.expr, scope));
      return at(s.pos, append(out, to_str(v)));
    }
    case StmtKind::kIf:
      for (const auto& [test, body] : s.branches) {
        OMNI_ASSIGN_OR_RETURN(Value cond, eval(*test, scope));
        if (truthy(cond)) return exec(body, scope, out, flow);
      }
      return exec(s.else_body, scope, out, flow);
    case StmtKind::kFor:
      return exec_for(s, scope, out);
    case StmtKind::kSet:
    case StmtKind::kSetBlock:
      return exec_set(s, scope, out);
    case StmtKind::kMacro:
      scope->set(s.macro->name, make_macro(*s.macro, scope));
      return Status::Ok();
    case StmtKind::kCallBlock:
      return exec_call_block(s, scope, out);
    case StmtKind::kFilterBlock: {
      auto inner = std::make_shared<Scope>();
      inner->parent = scope;
      OMNI_ASSIGN_OR_RETURN(std::string text, capture(s.body, inner));
      // The chain's innermost filter takes the body; each outer one the previous result.
      std::vector<const Expr*> chain;
      for (const Expr* f = s.expr.get(); f; f = f->a.get()) chain.push_back(f);
      Value v = Value::string(std::move(text));
      for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
        OMNI_ASSIGN_OR_RETURN(v, eval_filter(**it, scope, &v));
      }
      return at(s.pos, append(out, to_str(v)));
    }
    case StmtKind::kWith: {
      auto inner = std::make_shared<Scope>();
      inner->parent = scope;
      for (size_t i = 0; i < s.targets.size(); ++i) {
        OMNI_ASSIGN_OR_RETURN(Value v, eval(*s.values[i], scope));
        OMNI_RETURN_IF_ERROR(assign(*s.targets[i], std::move(v), *inner));
      }
      return exec(s.body, inner, out, flow);
    }
    case StmtKind::kBreak:
      flow = Flow::kBreak;
      return Status::Ok();
    case StmtKind::kContinue:
      flow = Flow::kContinue;
      return Status::Ok();
    case StmtKind::kScope: {
      auto inner = std::make_shared<Scope>();
      inner->parent = scope;
      return exec(s.body, inner, out, flow);
    }
  }
  return Internal("unknown statement kind");
}

Status Renderer::exec_set(const Stmt& s, const ScopePtr& scope, std::string& out) {
  Value value;
  if (s.kind == StmtKind::kSet) {
    OMNI_ASSIGN_OR_RETURN(value, eval(*s.expr, scope));
  } else {
    auto inner = std::make_shared<Scope>();
    inner->parent = scope;
    OMNI_ASSIGN_OR_RETURN(std::string text, capture(s.body, inner));
    value = Value::string(std::move(text));
    std::vector<const Expr*> chain;
    for (const Expr* f = s.expr.get(); f; f = f->a.get()) chain.push_back(f);
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      OMNI_ASSIGN_OR_RETURN(value, eval_filter(**it, scope, &value));
    }
  }
  return assign(*s.target, std::move(value), *scope);
}

Status Renderer::exec_for(const Stmt& s, const ScopePtr& scope, std::string& out) {
  OMNI_ASSIGN_OR_RETURN(Value iterable, eval(*s.expr, scope));
  StatusOr<Value::Items> all = iterate(iterable);
  if (!all.ok()) return at(s.expr->pos, all.status());
  auto items = std::make_shared<Value::Items>();
  if (s.cond) {
    for (Value& item : *all) {
      OMNI_RETURN_IF_ERROR(at(s.pos, count_iterations(1)));
      auto probe = std::make_shared<Scope>();
      probe->parent = scope;
      OMNI_RETURN_IF_ERROR(assign(*s.target, item, *probe));
      OMNI_ASSIGN_OR_RETURN(Value keep, eval(*s.cond, probe));
      if (truthy(keep)) items->push_back(std::move(item));
    }
  } else {
    *items = std::move(*all);
  }
  if (items->empty()) {
    auto inner = std::make_shared<Scope>();
    inner->parent = scope;
    Flow flow = Flow::kNormal;
    return exec(s.else_body, inner, out, flow);
  }
  auto loop = std::make_shared<LoopObject>(items);
  const Value loop_value = Value::object(loop);
  for (size_t i = 0; i < items->size(); ++i) {
    OMNI_RETURN_IF_ERROR(at(s.pos, count_iterations(1)));
    loop->index0 = i;
    auto iteration = std::make_shared<Scope>();
    iteration->parent = scope;
    OMNI_RETURN_IF_ERROR(assign(*s.target, (*items)[i], *iteration));
    iteration->set("loop", loop_value);
    Flow flow = Flow::kNormal;
    OMNI_RETURN_IF_ERROR(exec(s.body, iteration, out, flow));
    if (flow == Flow::kBreak) break;
  }
  return Status::Ok();
}

Value Renderer::make_macro(const MacroDef& m, const ScopePtr& closure) {
  const MacroDef* def = &m;
  closures_.push_back(closure);
  return Value::function(m.name, [def, closure](Renderer& r, CallArgs& args) {
    return r.invoke_macro(*def, closure, args);
  });
}

StatusOr<Value> Renderer::invoke_macro(const MacroDef& m, const ScopePtr& closure, CallArgs& args) {
  if (call_depth_ >= options_.max_call_depth)
    return InvalidArgument("macro calls nest deeper than %d levels", options_.max_call_depth);
  auto scope = std::make_shared<Scope>();
  scope->parent = closure;
  const size_t n = m.params.size();
  std::vector<std::optional<Value>> bound(n);
  for (size_t i = 0; i < n && i < args.positional.size(); ++i) bound[i] = args.positional[i];
  Value::Pairs extra_kwargs;
  std::optional<Value> caller;
  for (auto& [key, value] : args.keyword) {
    size_t i = 0;
    while (i < n && m.params[i] != key) ++i;
    if (i < n && args.positional.size() < n && !bound[i]) {
      bound[i] = value;
    } else if (key == "caller" && m.uses_caller && !caller) {
      caller = value;
    } else if (m.uses_kwargs) {
      extra_kwargs.emplace_back(Value::string(key), value);
    } else if (key == "caller") {
      return InvalidArgument(
          "macro '%s' was invoked with two values for the special caller "
          "argument",
          m.name.c_str());
    } else {
      return InvalidArgument("macro '%s' takes no keyword argument '%s'", m.name.c_str(),
                             key.c_str());
    }
  }
  if (args.positional.size() > n && !m.uses_varargs)
    return InvalidArgument("macro '%s' takes not more than %zu argument(s)", m.name.c_str(), n);
  const size_t first_default = n - m.defaults.size();
  ++call_depth_;
  struct Exit {
    int& depth;
    ~Exit() { --depth; }
  } exit{call_depth_};
  for (size_t i = 0; i < n; ++i) {
    Value v;
    if (bound[i]) {
      v = std::move(*bound[i]);
    } else if (i >= first_default) {
      OMNI_ASSIGN_OR_RETURN(v, eval(*m.defaults[i - first_default], scope));
    } else {
      v = Value::undefined("parameter '" + m.params[i] + "' was not provided");
    }
    scope->set(m.params[i], std::move(v));
  }
  if (m.uses_varargs) {
    Value::Items rest;
    for (size_t i = n; i < args.positional.size(); ++i) rest.push_back(args.positional[i]);
    scope->set("varargs", Value::tuple(std::move(rest)));
  }
  if (m.uses_kwargs) scope->set("kwargs", Value::dict(std::move(extra_kwargs)));
  if (m.uses_caller) scope->set("caller", caller ? *caller : Value::none());
  OMNI_ASSIGN_OR_RETURN(std::string text, capture(m.body, scope));
  return Value::string(std::move(text));
}

Status Renderer::exec_call_block(const Stmt& s, const ScopePtr& scope, std::string& out) {
  const Expr& call_expr = *s.expr;
  OMNI_ASSIGN_OR_RETURN(Value callee, eval(*call_expr.a, scope));
  CallArgs args;
  OMNI_RETURN_IF_ERROR(eval_args(call_expr, scope, args));
  args.keyword.emplace_back("caller", make_macro(*s.macro, scope));
  StatusOr<Value> r = call(callee, args);
  if (!r.ok()) return at(call_expr.pos, r.status());
  return at(s.pos, append(out, to_str(*r)));
}

}  // namespace omni::jinja
