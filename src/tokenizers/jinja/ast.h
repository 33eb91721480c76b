// The parsed template: expression and statement trees, immutable after parsing. Every node keeps
// the byte offset of its first token in the (newline-normalized) source, for error messages.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tokenizers/jinja/operators.h"
#include "tokenizers/jinja/value.h"

namespace omni::jinja {

enum class ExprKind : uint8_t {
  kConst,     // value
  kName,      // name
  kGetAttr,   // a.name
  kGetItem,   // a[b]
  kSlice,     // a[b:c:d] (a: object; b, c, d: bounds, each may be null)
  kList,      // [items]
  kTuple,     // (items)
  kDict,      // {items[0]: items[1], ...}
  kNeg,       // -a
  kPos,       // +a
  kNot,       // not a
  kBinary,    // a op b
  kConcat,    // items joined with ~
  kCompare,   // a cmp_ops[0] items[0] cmp_ops[1] items[1] ...
  kAnd,       // a and b
  kOr,        // a or b
  kCondExpr,  // a if b else c (c may be null)
  kFilter,    // a|name(args); a is null inside {% filter %} blocks
  kTest,      // a is name(args)
  kCall,      // a(args)
};

enum class CmpOp : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe, kIn, kNotIn };

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Keyword {
  std::string name;
  ExprPtr value;
};

struct Expr {
  ExprKind kind = ExprKind::kConst;
  uint32_t pos = 0;
  Value value;
  std::string name;
  ExprPtr a, b, c, d;
  std::vector<ExprPtr> items;  // list/tuple/dict/concat elements, compare operands, call args
  std::vector<Keyword> kwargs;
  ExprPtr star_args, star_kwargs;  // *args, **kwargs in calls
  BinOp bin_op = BinOp::kAdd;
  std::vector<CmpOp> cmp_ops;
};

enum class StmtKind : uint8_t {
  kText,         // text
  kPrint,        // {{ expr }}
  kIf,           // branches, else_body
  kFor,          // for target in expr [if cond] body [else else_body]
  kSet,          // set target = expr
  kSetBlock,     // set target [| expr filters] body endset
  kMacro,        // macro
  kCallBlock,    // call [(macro params)] expr body endcall; macro holds the caller
  kFilterBlock,  // filter expr body endfilter
  kWith,         // with targets = values body endwith
  kBreak,
  kContinue,
  kScope,  // a block rendered in place ({% generation %})
};

struct Stmt;
using Body = std::vector<std::unique_ptr<Stmt>>;

struct MacroDef {
  std::string name;
  uint32_t pos = 0;
  std::vector<std::string> params;
  std::vector<ExprPtr> defaults;  // for the last defaults.size() params
  Body body;
  // Whether the body refers to the special names; a call that passes extra positional or keyword
  // arguments (or a caller) is an error unless the body uses them, as in Jinja2.
  bool uses_caller = false;
  bool uses_varargs = false;
  bool uses_kwargs = false;
};

struct Stmt {
  StmtKind kind = StmtKind::kText;
  uint32_t pos = 0;
  std::string text;
  ExprPtr expr;
  ExprPtr target;  // a Name, a Tuple of Names, or (set only) a GetAttr of a Name: ns.attr
  ExprPtr cond;
  std::vector<std::pair<ExprPtr, Body>> branches;
  Body body, else_body;
  std::unique_ptr<MacroDef> macro;
  std::vector<ExprPtr> targets, values;  // with
};

struct Program {
  std::string source;  // newline-normalized, as the positions count
  Body body;
  // 1-based line and column (in code points) of a byte offset.
  std::pair<int, int> line_col(uint32_t pos) const;
};

}  // namespace omni::jinja
