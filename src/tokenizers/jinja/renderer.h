// The evaluator: renders a parsed Program against a context. One Renderer per render() call; it
// owns the render's state (scopes, counters), the Program and context are shared read-only.
//
// Scoping follows Jinja2: the template's top level is one scope; every for-loop iteration, macro
// call and {% with %} opens a child scope, so `set` inside them is invisible outside (namespace()
// objects are the way out); `if` opens none. Names resolve through the scopes, then the context,
// then the globals. Macros see the scope they were defined in, as it is when they are called.
#pragma once

#include <cstdint>
#include <ctime>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "tokenizers/jinja/ast.h"
#include "tokenizers/jinja/template.h"
#include "tokenizers/jinja/value.h"

namespace omni::jinja {

struct Scope {
  std::shared_ptr<Scope> parent;
  std::vector<std::pair<std::string, Value>> vars;

  const Value* find_local(std::string_view name) const;
  void set(std::string_view name, Value v);
};
using ScopePtr = std::shared_ptr<Scope>;

class Renderer {
 public:
  Renderer(const Program& program, const Value& context, const RenderOptions& options);
  // Breaks the reference cycles a render can create (a macro stored in the scope it closes over,
  // a namespace holding itself), so that nothing outlives the render.
  ~Renderer();
  Renderer(const Renderer&) = delete;
  Renderer& operator=(const Renderer&) = delete;

  StatusOr<std::string> render();

  // ---- services for builtins -----------------------------------------------------------------
  size_t max_bytes() const { return options_.max_output_bytes; }
  // Counts loop iterations against the limit.
  Status count_iterations(uint64_t n);
  // Calls any callable value (builtin, method, macro).
  StatusOr<Value> call(const Value& callee, CallArgs& args);
  StatusOr<Value> apply_filter(std::string_view name, const Value& input, const CallArgs& args);
  StatusOr<bool> apply_test(std::string_view name, const Value& input, const CallArgs& args);
  const std::tm& now() const { return now_; }
  // Registers a namespace() object created during the render (see ~Renderer).
  void track_namespace(const Value& ns) { namespaces_.push_back(ns); }

 private:
  enum class Flow { kNormal, kBreak, kContinue };

  // ---- statements (renderer_stmt.cpp) --------------------------------------------------------
  Status exec(const Body& body, const ScopePtr& scope, std::string& out, Flow& flow);
  Status exec_stmt(const Stmt& s, const ScopePtr& scope, std::string& out, Flow& flow);
  Status exec_for(const Stmt& s, const ScopePtr& scope, std::string& out);
  Status exec_set(const Stmt& s, const ScopePtr& scope, std::string& out);
  Status exec_call_block(const Stmt& s, const ScopePtr& scope, std::string& out);
  Status assign(const Expr& target, Value value, Scope& scope);
  Status append(std::string& out, std::string_view text);
  // Renders `body` in `scope` into a new string.
  StatusOr<std::string> capture(const Body& body, const ScopePtr& scope);
  Value make_macro(const MacroDef& m, const ScopePtr& closure);
  StatusOr<Value> invoke_macro(const MacroDef& m, const ScopePtr& closure, CallArgs& args);

  // ---- expressions (renderer_expr.cpp) -------------------------------------------------------
  StatusOr<Value> eval(const Expr& e, const ScopePtr& scope);
  StatusOr<Value> eval_compare(const Expr& e, const ScopePtr& scope);
  StatusOr<Value> eval_call(const Expr& e, const ScopePtr& scope);
  StatusOr<Value> eval_filter(const Expr& e, const ScopePtr& scope, const Value* input);
  StatusOr<Value> eval_test(const Expr& e, const ScopePtr& scope);
  StatusOr<Value> eval_slice(const Expr& e, const ScopePtr& scope);
  Status eval_args(const Expr& e, const ScopePtr& scope, CallArgs& args);
  Value lookup(std::string_view name, const Scope& scope) const;
  // Prefixes "line L:C: " unless the message already has a location.
  Status at(uint32_t pos, const Status& s) const;

  const Program& program_;
  const Value& context_;
  const RenderOptions& options_;
  std::tm now_{};
  uint64_t iterations_ = 0;
  int call_depth_ = 0;
  int eval_depth_ = 0;
  uintptr_t stack_base_ = 0;        // frame address where render() started
  std::vector<ScopePtr> closures_;  // scopes captured by macros
  std::vector<Value> namespaces_;

  friend class DepthScope;
};

// Nested evaluation frames (expressions, statements, macro bodies) beyond this fail, bounding
// stack use whatever the template does.
inline constexpr int kMaxEvalDepth = 2000;

// Counts one nested evaluation frame; exceeded() when the nesting or the stack the render has
// used passes its bound.
class DepthScope {
 public:
  explicit DepthScope(Renderer& r) : r_(r) { ++r_.eval_depth_; }
  ~DepthScope() { --r_.eval_depth_; }
  DepthScope(const DepthScope&) = delete;
  DepthScope& operator=(const DepthScope&) = delete;
  bool exceeded() const {
    const auto here = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
    const uintptr_t used = r_.stack_base_ > here ? r_.stack_base_ - here : 0;
    return r_.eval_depth_ > kMaxEvalDepth || used > r_.options_.max_stack_bytes;
  }

 private:
  Renderer& r_;
};

}  // namespace omni::jinja
