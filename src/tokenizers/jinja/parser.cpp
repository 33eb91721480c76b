#include "tokenizers/jinja/parser.h"

#include <functional>
#include <initializer_list>

#include "tokenizers/jinja/builtins.h"
#include "tokenizers/jinja/lexer.h"
#include "tokenizers/jinja/parser_impl.h"

namespace omni::jinja {

std::pair<int, int> Program::line_col(uint32_t pos) const {
  return jinja::line_col(source, pos);
}

namespace detail {
namespace {

// Names of Jinja2 statements this implementation does not support.
bool unsupported_statement(std::string_view name) {
  static constexpr std::string_view kNames[] = {"block",  "extends", "include",
                                                "import", "from",    "autoescape"};
  for (std::string_view n : kNames)
    if (n == name) return true;
  return false;
}

}  // namespace

// Parses until a block whose tag is one of `end_tags`; leaves the stream at that tag's name.
Status Parser::subparse(std::initializer_list<std::string_view> end_tags, Body& body) {
  while (cur().type != TokType::kEof) {
    const Token& t = cur();
    if (t.type == TokType::kData) {
      auto s = std::make_unique<Stmt>();
      s->kind = StmtKind::kText;
      s->pos = t.pos;
      s->text = t.text;
      body.push_back(std::move(s));
      advance();
    } else if (t.type == TokType::kVarBegin) {
      advance();
      auto s = std::make_unique<Stmt>();
      s->kind = StmtKind::kPrint;
      s->pos = cur().pos;
      OMNI_ASSIGN_OR_RETURN(s->expr, parse_tuple(false, true, {}, false));
      OMNI_RETURN_IF_ERROR(expect_type(TokType::kVarEnd, "end of print statement"));
      body.push_back(std::move(s));
    } else if (t.type == TokType::kBlockBegin) {
      advance();
      for (std::string_view tag : end_tags)
        if (is_name(cur(), tag)) return Status::Ok();
      OMNI_RETURN_IF_ERROR(parse_statement(body));
      OMNI_RETURN_IF_ERROR(expect_type(TokType::kBlockEnd, "end of statement block"));
    } else {
      return fail(t.pos, "unexpected '" + describe(t) + "'");
    }
  }
  if (end_tags.size() != 0) {
    std::string tags;
    for (std::string_view tag : end_tags)
      tags += (tags.empty() ? "'" : " or '") + std::string(tag) + "'";
    return fail(cur().pos, "unexpected end of template; looking for " + tags);
  }
  return Status::Ok();
}

// `:`? `%}` body, up to one of `end_tags`; drops the end tag's name when `drop`.
Status Parser::parse_statements(std::initializer_list<std::string_view> end_tags, Body& body,
                                bool drop) {
  skip_op(":");
  OMNI_RETURN_IF_ERROR(expect_type(TokType::kBlockEnd, "end of statement block"));
  OMNI_RETURN_IF_ERROR(subparse(end_tags, body));
  if (drop) advance();
  return Status::Ok();
}

Status Parser::parse_statement(Body& body) {
  DepthGuard guard(*this);
  OMNI_RETURN_IF_ERROR(guard.check(cur().pos));
  if (cur().type != TokType::kName) return fail(cur().pos, "tag name expected");
  const std::string tag = cur().text;
  const uint32_t pos = cur().pos;
  auto s = std::make_unique<Stmt>();
  s->pos = pos;
  if (tag == "for") {
    OMNI_RETURN_IF_ERROR(parse_for(*s));
  } else if (tag == "if") {
    OMNI_RETURN_IF_ERROR(parse_if(*s));
  } else if (tag == "set") {
    OMNI_RETURN_IF_ERROR(parse_set(*s));
  } else if (tag == "macro") {
    OMNI_RETURN_IF_ERROR(parse_macro(*s));
  } else if (tag == "call") {
    OMNI_RETURN_IF_ERROR(parse_call_block(*s));
  } else if (tag == "filter") {
    advance();
    s->kind = StmtKind::kFilterBlock;
    OMNI_ASSIGN_OR_RETURN(s->expr, parse_filter(nullptr, true));
    OMNI_RETURN_IF_ERROR(parse_statements({"endfilter"}, s->body, true));
  } else if (tag == "with") {
    OMNI_RETURN_IF_ERROR(parse_with(*s));
  } else if (tag == "print") {
    advance();
    bool first = true;
    while (cur().type != TokType::kBlockEnd) {
      if (!first) OMNI_RETURN_IF_ERROR(expect_op(","));
      first = false;
      auto p = std::make_unique<Stmt>();
      p->kind = StmtKind::kPrint;
      p->pos = cur().pos;
      OMNI_ASSIGN_OR_RETURN(p->expr, parse_expression(true));
      body.push_back(std::move(p));
    }
    return Status::Ok();
  } else if (tag == "break" || tag == "continue") {
    if (loop_depth_ == 0) return fail(pos, concat({"'", tag, "' outside of a loop"}));
    advance();
    s->kind = tag == "break" ? StmtKind::kBreak : StmtKind::kContinue;
  } else if (tag == "generation") {
    advance();
    s->kind = StmtKind::kScope;
    OMNI_RETURN_IF_ERROR(parse_statements({"endgeneration"}, s->body, true));
  } else if (unsupported_statement(tag)) {
    return Unsupported("%s'{%% %s %%}' is not supported", location_prefix(src_, pos).c_str(),
                       tag.c_str());
  } else {
    return fail(pos, "unknown tag '" + tag + "'");
  }
  body.push_back(std::move(s));
  return Status::Ok();
}

Status Parser::parse_for(Stmt& s) {
  advance();
  s.kind = StmtKind::kFor;
  OMNI_ASSIGN_OR_RETURN(s.target, parse_assign_target(true, false, {"in"}, false));
  if (!skip_name("in")) return unexpected("'in'");
  OMNI_ASSIGN_OR_RETURN(s.expr, parse_tuple(false, false, {"recursive"}, false));
  if (skip_name("if")) {
    OMNI_ASSIGN_OR_RETURN(s.cond, parse_expression(true));
  }
  if (is_name(cur(), "recursive"))
    return Unsupported("%srecursive for loops are not supported",
                       location_prefix(src_, cur().pos).c_str());
  ++loop_depth_;
  Status st = parse_statements({"endfor", "else"}, s.body, false);
  --loop_depth_;
  OMNI_RETURN_IF_ERROR(st);
  const bool has_else = is_name(cur(), "else");
  advance();
  if (has_else) OMNI_RETURN_IF_ERROR(parse_statements({"endfor"}, s.else_body, true));
  return Status::Ok();
}

Status Parser::parse_if(Stmt& s) {
  advance();
  s.kind = StmtKind::kIf;
  while (true) {
    OMNI_ASSIGN_OR_RETURN(ExprPtr test, parse_tuple(false, false, {}, false));
    Body body;
    OMNI_RETURN_IF_ERROR(parse_statements({"elif", "else", "endif"}, body, false));
    s.branches.emplace_back(std::move(test), std::move(body));
    if (skip_name("elif")) continue;
    if (skip_name("else")) return parse_statements({"endif"}, s.else_body, true);
    advance();  // endif
    return Status::Ok();
  }
}

Status Parser::parse_set(Stmt& s) {
  advance();
  OMNI_ASSIGN_OR_RETURN(s.target, parse_assign_target(true, false, {}, true));
  if (skip_op("=")) {
    s.kind = StmtKind::kSet;
    OMNI_ASSIGN_OR_RETURN(s.expr, parse_tuple(false, true, {}, false));
    return Status::Ok();
  }
  s.kind = StmtKind::kSetBlock;
  OMNI_ASSIGN_OR_RETURN(s.expr, parse_filter(nullptr, false));
  return parse_statements({"endset"}, s.body, true);
}

Status Parser::parse_signature(MacroDef& m) {
  OMNI_RETURN_IF_ERROR(expect_op("("));
  while (!is_op(cur(), ")")) {
    if (!m.params.empty()) OMNI_RETURN_IF_ERROR(expect_op(","));
    const uint32_t pos = cur().pos;
    OMNI_ASSIGN_OR_RETURN(std::string name, expect_name());
    if (skip_op("=")) {
      OMNI_ASSIGN_OR_RETURN(ExprPtr dflt, parse_expression(true));
      m.defaults.push_back(std::move(dflt));
    } else if (!m.defaults.empty()) {
      return fail(pos, "non-default argument follows default argument");
    }
    m.params.push_back(std::move(name));
  }
  return expect_op(")");
}

Status Parser::parse_macro_body(MacroDef& m, std::string_view end_tag) {
  const int saved_loops = loop_depth_;
  loop_depth_ = 0;  // break/continue cannot cross a macro boundary
  Status st = parse_statements({end_tag}, m.body, true);
  loop_depth_ = saved_loops;
  OMNI_RETURN_IF_ERROR(st);
  scan_special_names(m);
  return Status::Ok();
}

Status Parser::parse_macro(Stmt& s) {
  advance();
  s.kind = StmtKind::kMacro;
  s.macro = std::make_unique<MacroDef>();
  s.macro->pos = cur().pos;
  OMNI_ASSIGN_OR_RETURN(s.macro->name, expect_name());
  OMNI_RETURN_IF_ERROR(parse_signature(*s.macro));
  return parse_macro_body(*s.macro, "endmacro");
}

Status Parser::parse_call_block(Stmt& s) {
  advance();
  s.kind = StmtKind::kCallBlock;
  s.macro = std::make_unique<MacroDef>();
  s.macro->name = "caller";
  s.macro->pos = s.pos;
  if (is_op(cur(), "(")) OMNI_RETURN_IF_ERROR(parse_signature(*s.macro));
  const uint32_t pos = cur().pos;
  OMNI_ASSIGN_OR_RETURN(s.expr, parse_expression(true));
  if (s.expr->kind != ExprKind::kCall) return fail(pos, "expected a call after {% call %}");
  return parse_macro_body(*s.macro, "endcall");
}

Status Parser::parse_with(Stmt& s) {
  advance();
  s.kind = StmtKind::kWith;
  while (cur().type != TokType::kBlockEnd) {
    if (!s.targets.empty()) OMNI_RETURN_IF_ERROR(expect_op(","));
    OMNI_ASSIGN_OR_RETURN(ExprPtr target, parse_assign_target(true, false, {}, false));
    OMNI_RETURN_IF_ERROR(expect_op("="));
    OMNI_ASSIGN_OR_RETURN(ExprPtr value, parse_expression(true));
    s.targets.push_back(std::move(target));
    s.values.push_back(std::move(value));
  }
  return parse_statements({"endwith"}, s.body, true);
}

bool Parser::can_assign(const Expr& e) {
  if (e.kind == ExprKind::kName) return true;
  if (e.kind != ExprKind::kTuple) return false;
  for (const ExprPtr& item : e.items)
    if (!can_assign(*item)) return false;
  return true;
}

StatusOr<ExprPtr> Parser::parse_assign_target(bool with_tuple, bool name_only,
                                              std::initializer_list<std::string_view> extra_end,
                                              bool with_namespace) {
  const uint32_t pos = cur().pos;
  ExprPtr target;
  if (with_namespace && cur().type == TokType::kName && is_op(look(), ".")) {
    auto ns = make_expr(ExprKind::kName, pos);
    ns->name = cur().text;
    advance();
    advance();
    target = make_expr(ExprKind::kGetAttr, pos);
    target->a = std::move(ns);
    OMNI_ASSIGN_OR_RETURN(target->name, expect_name());
    return target;
  }
  if (name_only) {
    target = make_expr(ExprKind::kName, pos);
    OMNI_ASSIGN_OR_RETURN(target->name, expect_name());
  } else if (with_tuple) {
    OMNI_ASSIGN_OR_RETURN(target, parse_tuple(true, true, extra_end, false));
  } else {
    OMNI_ASSIGN_OR_RETURN(target, parse_primary());
  }
  if (!can_assign(*target)) return fail(pos, "can't assign to this expression");
  return target;
}

// Marks which of caller/varargs/kwargs a macro body refers to.
void Parser::scan_special_names(MacroDef& m) {
  std::function<void(const Expr*)> expr = [&](const Expr* e) {
    if (!e) return;
    if (e->kind == ExprKind::kName) {
      if (e->name == "caller") m.uses_caller = true;
      if (e->name == "varargs") m.uses_varargs = true;
      if (e->name == "kwargs") m.uses_kwargs = true;
    }
    for (const Expr* c :
         {e->a.get(), e->b.get(), e->c.get(), e->d.get(), e->star_args.get(), e->star_kwargs.get()})
      expr(c);
    for (const ExprPtr& item : e->items) expr(item.get());
    for (const Keyword& kw : e->kwargs) expr(kw.value.get());
  };
  std::function<void(const Body&)> body = [&](const Body& b) {
    for (const auto& s : b) {
      expr(s->expr.get());
      expr(s->target.get());
      expr(s->cond.get());
      for (const auto& [test, branch] : s->branches) {
        expr(test.get());
        body(branch);
      }
      body(s->body);
      body(s->else_body);
      for (const ExprPtr& v : s->values) expr(v.get());
      if (s->macro) {
        for (const ExprPtr& d : s->macro->defaults) expr(d.get());
        body(s->macro->body);
      }
    }
  };
  body(m.body);
}

}  // namespace detail

StatusOr<std::unique_ptr<Program>> parse_program(std::string_view source) {
  auto program = std::make_unique<Program>();
  program->source = normalize_source(source);
  OMNI_ASSIGN_OR_RETURN(std::vector<Token> tokens, tokenize(program->source));
  detail::Parser parser(program->source, std::move(tokens));
  OMNI_ASSIGN_OR_RETURN(program->body, parser.parse());
  return program;
}

}  // namespace omni::jinja
