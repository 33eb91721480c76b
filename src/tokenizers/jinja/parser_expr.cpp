// Expression parsing: Jinja2's precedence from conditional expressions down to primaries.
#include "tokenizers/jinja/builtins.h"
#include "tokenizers/jinja/parser_impl.h"

namespace omni::jinja::detail {

StatusOr<ExprPtr> Parser::parse_expression(bool with_condexpr) {
  DepthGuard guard(*this);
  OMNI_RETURN_IF_ERROR(guard.check(cur().pos));
  if (!with_condexpr) return parse_or();
  const uint32_t pos = cur().pos;
  OMNI_ASSIGN_OR_RETURN(ExprPtr expr, parse_or());
  while (skip_name("if")) {
    auto cond = make_expr(ExprKind::kCondExpr, pos);
    cond->a = std::move(expr);
    OMNI_ASSIGN_OR_RETURN(cond->b, parse_or());
    if (skip_name("else")) {
      OMNI_ASSIGN_OR_RETURN(cond->c, parse_expression(true));
    }
    expr = std::move(cond);
  }
  return expr;
}

StatusOr<ExprPtr> Parser::parse_or() {
  OMNI_ASSIGN_OR_RETURN(ExprPtr left, parse_and());
  while (is_name(cur(), "or")) {
    auto e = make_expr(ExprKind::kOr, cur().pos);
    advance();
    e->a = std::move(left);
    OMNI_ASSIGN_OR_RETURN(e->b, parse_and());
    left = std::move(e);
  }
  return left;
}

StatusOr<ExprPtr> Parser::parse_and() {
  OMNI_ASSIGN_OR_RETURN(ExprPtr left, parse_not());
  while (is_name(cur(), "and")) {
    auto e = make_expr(ExprKind::kAnd, cur().pos);
    advance();
    e->a = std::move(left);
    OMNI_ASSIGN_OR_RETURN(e->b, parse_not());
    left = std::move(e);
  }
  return left;
}

StatusOr<ExprPtr> Parser::parse_not() {
  if (is_name(cur(), "not")) {
    DepthGuard guard(*this);
    OMNI_RETURN_IF_ERROR(guard.check(cur().pos));
    auto e = make_expr(ExprKind::kNot, cur().pos);
    advance();
    OMNI_ASSIGN_OR_RETURN(e->a, parse_not());
    return e;
  }
  return parse_compare();
}

StatusOr<ExprPtr> Parser::parse_compare() {
  const uint32_t pos = cur().pos;
  OMNI_ASSIGN_OR_RETURN(ExprPtr expr, parse_math1());
  ExprPtr cmp;
  while (true) {
    CmpOp op;
    const Token& t = cur();
    if (is_op(t, "==")) {
      op = CmpOp::kEq;
    } else if (is_op(t, "!=")) {
      op = CmpOp::kNe;
    } else if (is_op(t, "<")) {
      op = CmpOp::kLt;
    } else if (is_op(t, "<=")) {
      op = CmpOp::kLe;
    } else if (is_op(t, ">")) {
      op = CmpOp::kGt;
    } else if (is_op(t, ">=")) {
      op = CmpOp::kGe;
    } else if (is_name(t, "in")) {
      op = CmpOp::kIn;
    } else if (is_name(t, "not") && is_name(look(), "in")) {
      op = CmpOp::kNotIn;
      advance();
    } else {
      break;
    }
    advance();
    if (!cmp) {
      cmp = make_expr(ExprKind::kCompare, pos);
      cmp->a = std::move(expr);
    }
    cmp->cmp_ops.push_back(op);
    OMNI_ASSIGN_OR_RETURN(ExprPtr operand, parse_math1());
    cmp->items.push_back(std::move(operand));
  }
  return cmp ? std::move(cmp) : std::move(expr);
}

StatusOr<ExprPtr> Parser::binary_chain(
    std::initializer_list<std::pair<std::string_view, BinOp>> ops,
    StatusOr<ExprPtr> (Parser::*next)()) {
  OMNI_ASSIGN_OR_RETURN(ExprPtr left, (this->*next)());
  while (true) {
    const BinOp* found = nullptr;
    for (const auto& [sym, op] : ops)
      if (is_op(cur(), sym)) found = &op;
    if (!found) return left;
    auto e = make_expr(ExprKind::kBinary, cur().pos);
    e->bin_op = *found;
    advance();
    e->a = std::move(left);
    OMNI_ASSIGN_OR_RETURN(e->b, (this->*next)());
    left = std::move(e);
  }
}

StatusOr<ExprPtr> Parser::parse_math1() {
  return binary_chain({{"+", BinOp::kAdd}, {"-", BinOp::kSub}}, &Parser::parse_concat);
}

StatusOr<ExprPtr> Parser::parse_concat() {
  const uint32_t pos = cur().pos;
  OMNI_ASSIGN_OR_RETURN(ExprPtr first, parse_math2());
  if (!is_op(cur(), "~")) return first;
  auto e = make_expr(ExprKind::kConcat, pos);
  e->items.push_back(std::move(first));
  while (skip_op("~")) {
    OMNI_ASSIGN_OR_RETURN(ExprPtr next, parse_math2());
    e->items.push_back(std::move(next));
  }
  return e;
}

StatusOr<ExprPtr> Parser::parse_math2() {
  return binary_chain(
      {{"*", BinOp::kMul}, {"/", BinOp::kDiv}, {"//", BinOp::kFloorDiv}, {"%", BinOp::kMod}},
      &Parser::parse_pow);
}

StatusOr<ExprPtr> Parser::parse_pow() {
  return binary_chain({{"**", BinOp::kPow}}, &Parser::parse_unary_filtered);
}

StatusOr<ExprPtr> Parser::parse_unary_filtered() {
  return parse_unary(true);
}

StatusOr<ExprPtr> Parser::parse_unary(bool with_filter) {
  DepthGuard guard(*this);
  OMNI_RETURN_IF_ERROR(guard.check(cur().pos));
  ExprPtr node;
  if (is_op(cur(), "-") || is_op(cur(), "+")) {
    node = make_expr(is_op(cur(), "-") ? ExprKind::kNeg : ExprKind::kPos, cur().pos);
    advance();
    OMNI_ASSIGN_OR_RETURN(node->a, parse_unary(false));
  } else {
    OMNI_ASSIGN_OR_RETURN(node, parse_primary());
  }
  OMNI_ASSIGN_OR_RETURN(node, parse_postfix(std::move(node)));
  if (with_filter) {
    OMNI_ASSIGN_OR_RETURN(node, parse_filter_expr(std::move(node)));
  }
  return node;
}

StatusOr<ExprPtr> Parser::parse_primary() {
  const Token& t = cur();
  ExprPtr node;
  if (t.type == TokType::kName) {
    node = make_expr(ExprKind::kConst, t.pos);
    if (t.text == "true" || t.text == "True") {
      node->value = Value::boolean(true);
    } else if (t.text == "false" || t.text == "False") {
      node->value = Value::boolean(false);
    } else if (t.text == "none" || t.text == "None") {
      node->value = Value::none();
    } else {
      node->kind = ExprKind::kName;
      node->name = t.text;
    }
    advance();
  } else if (t.type == TokType::kString) {
    node = make_expr(ExprKind::kConst, t.pos);
    std::string s;
    while (cur().type == TokType::kString) {
      s += cur().text;
      advance();
    }
    node->value = Value::string(std::move(s));
  } else if (t.type == TokType::kInt || t.type == TokType::kFloat) {
    node = make_expr(ExprKind::kConst, t.pos);
    node->value = t.type == TokType::kInt ? Value::integer(t.ival) : Value::number(t.fval);
    advance();
  } else if (is_op(t, "(")) {
    advance();
    OMNI_ASSIGN_OR_RETURN(node, parse_tuple(false, true, {}, true));
    OMNI_RETURN_IF_ERROR(expect_op(")"));
  } else if (is_op(t, "[")) {
    node = make_expr(ExprKind::kList, t.pos);
    advance();
    while (!is_op(cur(), "]")) {
      if (!node->items.empty()) OMNI_RETURN_IF_ERROR(expect_op(","));
      if (is_op(cur(), "]")) break;
      OMNI_ASSIGN_OR_RETURN(ExprPtr item, parse_expression(true));
      node->items.push_back(std::move(item));
    }
    OMNI_RETURN_IF_ERROR(expect_op("]"));
  } else if (is_op(t, "{")) {
    node = make_expr(ExprKind::kDict, t.pos);
    advance();
    while (!is_op(cur(), "}")) {
      if (!node->items.empty()) OMNI_RETURN_IF_ERROR(expect_op(","));
      if (is_op(cur(), "}")) break;
      OMNI_ASSIGN_OR_RETURN(ExprPtr key, parse_expression(true));
      OMNI_RETURN_IF_ERROR(expect_op(":"));
      OMNI_ASSIGN_OR_RETURN(ExprPtr value, parse_expression(true));
      node->items.push_back(std::move(key));
      node->items.push_back(std::move(value));
    }
    OMNI_RETURN_IF_ERROR(expect_op("}"));
  } else {
    return fail(t.pos, "unexpected '" + describe(t) + "'");
  }
  return node;
}

bool Parser::is_tuple_end(std::initializer_list<std::string_view> extra_end) const {
  const Token& t = cur();
  if (t.type == TokType::kVarEnd || t.type == TokType::kBlockEnd || is_op(t, ")")) return true;
  for (std::string_view n : extra_end)
    if (is_name(t, n)) return true;
  return false;
}

// Expressions separated by commas; a tuple when there is a comma. `simplified` parses only
// primaries (assignment targets).
StatusOr<ExprPtr> Parser::parse_tuple(bool simplified, bool with_condexpr,
                                      std::initializer_list<std::string_view> extra_end,
                                      bool explicit_parens) {
  const uint32_t pos = cur().pos;
  std::vector<ExprPtr> args;
  bool is_tuple = false;
  while (true) {
    if (!args.empty()) OMNI_RETURN_IF_ERROR(expect_op(","));
    if (is_tuple_end(extra_end)) break;
    ExprPtr e;
    if (simplified) {
      OMNI_ASSIGN_OR_RETURN(e, parse_primary());
    } else {
      OMNI_ASSIGN_OR_RETURN(e, parse_expression(with_condexpr));
    }
    args.push_back(std::move(e));
    if (is_op(cur(), ",")) {
      is_tuple = true;
    } else {
      break;
    }
  }
  if (!is_tuple) {
    if (!args.empty()) return std::move(args[0]);
    if (!explicit_parens) return unexpected("an expression");
  }
  auto t = make_expr(ExprKind::kTuple, pos);
  t->items = std::move(args);
  return t;
}

StatusOr<ExprPtr> Parser::parse_postfix(ExprPtr node) {
  while (true) {
    if (is_op(cur(), ".") || is_op(cur(), "[")) {
      OMNI_ASSIGN_OR_RETURN(node, parse_subscript(std::move(node)));
    } else if (is_op(cur(), "(")) {
      OMNI_ASSIGN_OR_RETURN(node, parse_call(std::move(node)));
    } else {
      return node;
    }
  }
}

StatusOr<ExprPtr> Parser::parse_filter_expr(ExprPtr node) {
  while (true) {
    if (is_op(cur(), "|")) {
      OMNI_ASSIGN_OR_RETURN(node, parse_filter(std::move(node), false));
    } else if (is_name(cur(), "is")) {
      OMNI_ASSIGN_OR_RETURN(node, parse_test(std::move(node)));
    } else if (is_op(cur(), "(")) {
      OMNI_ASSIGN_OR_RETURN(node, parse_call(std::move(node)));
    } else {
      return node;
    }
  }
}

StatusOr<ExprPtr> Parser::parse_subscript(ExprPtr node) {
  const Token t = cur();
  advance();
  if (t.text == ".") {
    const Token& attr = cur();
    if (attr.type == TokType::kName) {
      auto e = make_expr(ExprKind::kGetAttr, t.pos);
      e->a = std::move(node);
      e->name = attr.text;
      advance();
      return e;
    }
    if (attr.type != TokType::kInt) return unexpected("a name or number after '.'");
    auto e = make_expr(ExprKind::kGetItem, t.pos);
    e->a = std::move(node);
    e->b = make_expr(ExprKind::kConst, attr.pos);
    e->b->value = Value::integer(attr.ival);
    advance();
    return e;
  }
  std::vector<ExprPtr> args;
  while (!is_op(cur(), "]")) {
    if (!args.empty()) OMNI_RETURN_IF_ERROR(expect_op(","));
    OMNI_ASSIGN_OR_RETURN(ExprPtr arg, parse_subscribed());
    args.push_back(std::move(arg));
  }
  OMNI_RETURN_IF_ERROR(expect_op("]"));
  if (args.size() == 1 && args[0]->kind == ExprKind::kSlice) {
    args[0]->a = std::move(node);
    return std::move(args[0]);
  }
  auto e = make_expr(ExprKind::kGetItem, t.pos);
  e->a = std::move(node);
  if (args.size() == 1) {
    e->b = std::move(args[0]);
  } else {
    for (const ExprPtr& arg : args)
      if (arg->kind == ExprKind::kSlice)
        return Unsupported("%smulti-dimensional slicing is not supported",
                           location_prefix(src_, arg->pos).c_str());
    e->b = make_expr(ExprKind::kTuple, t.pos);
    e->b->items = std::move(args);
  }
  return e;
}

// An index expression or a slice (start:stop:step), the slice as a kSlice node without object.
StatusOr<ExprPtr> Parser::parse_subscribed() {
  const uint32_t pos = cur().pos;
  ExprPtr start;
  if (!is_op(cur(), ":")) {
    OMNI_ASSIGN_OR_RETURN(start, parse_expression(true));
    if (!is_op(cur(), ":")) return start;
  }
  advance();  // the first colon
  auto slice = make_expr(ExprKind::kSlice, pos);
  slice->b = std::move(start);
  auto bound_end = [&] { return is_op(cur(), "]") || is_op(cur(), ","); };
  if (!is_op(cur(), ":") && !bound_end()) {
    OMNI_ASSIGN_OR_RETURN(slice->c, parse_expression(true));
  }
  if (skip_op(":") && !bound_end()) {
    OMNI_ASSIGN_OR_RETURN(slice->d, parse_expression(true));
  }
  return slice;
}

Status Parser::parse_call_args(Expr& e) {
  const uint32_t pos = cur().pos;
  OMNI_RETURN_IF_ERROR(expect_op("("));
  bool require_comma = false;
  while (!is_op(cur(), ")")) {
    if (require_comma) {
      OMNI_RETURN_IF_ERROR(expect_op(","));
      if (is_op(cur(), ")")) break;
    }
    auto ensure = [&](bool ok) {
      return ok ? Status::Ok() : fail(pos, "invalid syntax for function call expression");
    };
    if (is_op(cur(), "*")) {
      OMNI_RETURN_IF_ERROR(ensure(!e.star_args && !e.star_kwargs));
      advance();
      OMNI_ASSIGN_OR_RETURN(e.star_args, parse_expression(true));
    } else if (is_op(cur(), "**")) {
      OMNI_RETURN_IF_ERROR(ensure(!e.star_kwargs));
      advance();
      OMNI_ASSIGN_OR_RETURN(e.star_kwargs, parse_expression(true));
    } else if (cur().type == TokType::kName && is_op(look(), "=")) {
      OMNI_RETURN_IF_ERROR(ensure(!e.star_kwargs));
      Keyword kw;
      kw.name = cur().text;
      advance();
      advance();
      OMNI_ASSIGN_OR_RETURN(kw.value, parse_expression(true));
      e.kwargs.push_back(std::move(kw));
    } else {
      OMNI_RETURN_IF_ERROR(ensure(!e.star_args && !e.star_kwargs && e.kwargs.empty()));
      OMNI_ASSIGN_OR_RETURN(ExprPtr arg, parse_expression(true));
      e.items.push_back(std::move(arg));
    }
    require_comma = true;
  }
  return expect_op(")");
}

StatusOr<ExprPtr> Parser::parse_call(ExprPtr node) {
  auto e = make_expr(ExprKind::kCall, cur().pos);
  e->a = std::move(node);
  OMNI_RETURN_IF_ERROR(parse_call_args(*e));
  return e;
}

StatusOr<std::string> Parser::dotted_name() {
  OMNI_ASSIGN_OR_RETURN(std::string name, expect_name());
  while (skip_op(".")) {
    OMNI_ASSIGN_OR_RETURN(std::string part, expect_name());
    name += "." + part;
  }
  return name;
}

// `|name(args)` repeated; with `start_inline` the first filter has no leading pipe.
StatusOr<ExprPtr> Parser::parse_filter(ExprPtr node, bool start_inline) {
  while (is_op(cur(), "|") || start_inline) {
    if (!start_inline) advance();
    start_inline = false;
    const uint32_t pos = cur().pos;
    auto e = make_expr(ExprKind::kFilter, pos);
    OMNI_ASSIGN_OR_RETURN(e->name, dotted_name());
    if (filter_availability(e->name) == Availability::kMissing)
      return fail(pos, "no filter named '" + e->name + "'");
    if (is_op(cur(), "(")) OMNI_RETURN_IF_ERROR(parse_call_args(*e));
    e->a = std::move(node);
    node = std::move(e);
  }
  return node;
}

StatusOr<ExprPtr> Parser::parse_test(ExprPtr node) {
  const uint32_t is_pos = cur().pos;
  advance();  // is
  const bool negated = skip_name("not");
  const uint32_t pos = cur().pos;
  auto e = make_expr(ExprKind::kTest, is_pos);
  OMNI_ASSIGN_OR_RETURN(e->name, dotted_name());
  if (test_availability(e->name) == Availability::kMissing)
    return fail(pos, "no test named '" + e->name + "'");
  const Token& t = cur();
  if (is_op(t, "(")) {
    OMNI_RETURN_IF_ERROR(parse_call_args(*e));
  } else if ((t.type == TokType::kName || t.type == TokType::kString || t.type == TokType::kInt ||
              t.type == TokType::kFloat || is_op(t, "[") || is_op(t, "{")) &&
             !is_name(t, "else") && !is_name(t, "or") && !is_name(t, "and")) {
    if (is_name(t, "is")) return fail(t.pos, "you cannot chain multiple tests with is");
    OMNI_ASSIGN_OR_RETURN(ExprPtr arg, parse_primary());
    OMNI_ASSIGN_OR_RETURN(arg, parse_postfix(std::move(arg)));
    e->items.push_back(std::move(arg));
  }
  e->a = std::move(node);
  if (!negated) return e;
  auto n = make_expr(ExprKind::kNot, is_pos);
  n->a = std::move(e);
  return n;
}

}  // namespace omni::jinja::detail
