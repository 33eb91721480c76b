// The parser's internals, shared by parser.cpp (statements) and parser_expr.cpp (expressions).
// Not part of the library's interface.
#pragma once

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "tokenizers/jinja/ast.h"
#include "tokenizers/jinja/lexer.h"
#include "tokenizers/jinja/parser.h"

namespace omni::jinja::detail {

inline ExprPtr make_expr(ExprKind kind, uint32_t pos) {
  auto e = std::make_unique<Expr>();
  e->kind = kind;
  e->pos = pos;
  return e;
}

inline std::string describe(const Token& t) {
  switch (t.type) {
    case TokType::kData:
      return "template data";
    case TokType::kVarBegin:
      return "begin of print statement";
    case TokType::kVarEnd:
      return "end of print statement";
    case TokType::kBlockBegin:
      return "begin of statement block";
    case TokType::kBlockEnd:
      return "end of statement block";
    case TokType::kName:
    case TokType::kOp:
      return t.text;
    case TokType::kString:
      return "string";
    case TokType::kInt:
      return "integer";
    case TokType::kFloat:
      return "float";
    case TokType::kEof:
      return "end of template";
  }
  return "token";
}

// Recursive descent over the token stream, one method per grammar rule (Jinja2's parser.py
// structure). Every method leaves the stream after what it parsed.
class Parser {
 public:
  Parser(const std::string& source, std::vector<Token> tokens)
      : src_(source), toks_(std::move(tokens)) {}

  StatusOr<Body> parse() {
    Body body;
    OMNI_RETURN_IF_ERROR(subparse({}, body));
    return body;
  }

 private:
  // ---- token stream ------------------------------------------------------------------------
  const Token& cur() const { return toks_[i_]; }
  const Token& look() const { return toks_[std::min(i_ + 1, toks_.size() - 1)]; }
  void advance() {
    if (i_ + 1 < toks_.size()) ++i_;
  }
  bool is_name(const Token& t, std::string_view n) const {
    return t.type == TokType::kName && t.text == n;
  }
  bool is_op(const Token& t, std::string_view op) const {
    return t.type == TokType::kOp && t.text == op;
  }
  bool skip_name(std::string_view n) {
    if (!is_name(cur(), n)) return false;
    advance();
    return true;
  }
  bool skip_op(std::string_view op) {
    if (!is_op(cur(), op)) return false;
    advance();
    return true;
  }

  Status fail(uint32_t pos, const std::string& msg) const {
    return InvalidArgument("%ssyntax error: %s", location_prefix(src_, pos).c_str(), msg.c_str());
  }
  Status unexpected(const std::string& expected) const {
    return fail(cur().pos, "expected " + expected + ", got '" + describe(cur()) + "'");
  }
  Status expect_op(std::string_view op) {
    if (!skip_op(op)) return unexpected(concat({"'", op, "'"}));
    return Status::Ok();
  }
  Status expect_type(TokType type, const char* what) {
    if (cur().type != type) return unexpected(what);
    advance();
    return Status::Ok();
  }
  StatusOr<std::string> expect_name() {
    if (cur().type != TokType::kName) return unexpected("a name");
    std::string name = cur().text;
    advance();
    return name;
  }

  // Guards recursion; every recursive production holds one while it runs.
  class DepthGuard {
   public:
    explicit DepthGuard(Parser& p) : p_(p) { ++p_.depth_; }
    ~DepthGuard() { --p_.depth_; }
    Status check(uint32_t pos) const {
      if (p_.depth_ > kMaxParseDepth)
        return p_.fail(pos, "nesting is deeper than " + std::to_string(kMaxParseDepth) + " levels");
      return Status::Ok();
    }

   private:
    Parser& p_;
  };

  // ---- statements (parser.cpp) -------------------------------------------------------------
  // Parses until a block whose tag is one of `end_tags`; leaves the stream at that tag's name.
  Status subparse(std::initializer_list<std::string_view> end_tags, Body& body);
  // `:`? `%}` body, up to one of `end_tags`; drops the end tag's name when `drop`.
  Status parse_statements(std::initializer_list<std::string_view> end_tags, Body& body, bool drop);
  Status parse_statement(Body& body);
  Status parse_for(Stmt& s);
  Status parse_if(Stmt& s);
  Status parse_set(Stmt& s);
  Status parse_signature(MacroDef& m);
  Status parse_macro_body(MacroDef& m, std::string_view end_tag);
  Status parse_macro(Stmt& s);
  Status parse_call_block(Stmt& s);
  Status parse_with(Stmt& s);
  static bool can_assign(const Expr& e);
  StatusOr<ExprPtr> parse_assign_target(bool with_tuple, bool name_only,
                                        std::initializer_list<std::string_view> extra_end,
                                        bool with_namespace);
  // Marks which of caller/varargs/kwargs a macro body refers to.
  static void scan_special_names(MacroDef& m);

  // ---- expressions (parser_expr.cpp) -------------------------------------------------------
  StatusOr<ExprPtr> parse_expression(bool with_condexpr);
  StatusOr<ExprPtr> parse_or();
  StatusOr<ExprPtr> parse_and();
  StatusOr<ExprPtr> parse_not();
  StatusOr<ExprPtr> parse_compare();
  StatusOr<ExprPtr> binary_chain(std::initializer_list<std::pair<std::string_view, BinOp>> ops,
                                 StatusOr<ExprPtr> (Parser::*next)());
  StatusOr<ExprPtr> parse_math1();
  StatusOr<ExprPtr> parse_concat();
  StatusOr<ExprPtr> parse_math2();
  StatusOr<ExprPtr> parse_pow();
  StatusOr<ExprPtr> parse_unary_filtered();
  StatusOr<ExprPtr> parse_unary(bool with_filter);
  StatusOr<ExprPtr> parse_primary();
  bool is_tuple_end(std::initializer_list<std::string_view> extra_end) const;
  // Expressions separated by commas; a tuple when there is a comma. `simplified` parses only
  // primaries (assignment targets).
  StatusOr<ExprPtr> parse_tuple(bool simplified, bool with_condexpr,
                                std::initializer_list<std::string_view> extra_end,
                                bool explicit_parens);
  StatusOr<ExprPtr> parse_postfix(ExprPtr node);
  StatusOr<ExprPtr> parse_filter_expr(ExprPtr node);
  StatusOr<ExprPtr> parse_subscript(ExprPtr node);
  // An index expression or a slice (start:stop:step), the slice as a kSlice node without object.
  StatusOr<ExprPtr> parse_subscribed();
  Status parse_call_args(Expr& e);
  StatusOr<ExprPtr> parse_call(ExprPtr node);
  StatusOr<std::string> dotted_name();
  // `|name(args)` repeated; with `start_inline` the first filter has no leading pipe.
  StatusOr<ExprPtr> parse_filter(ExprPtr node, bool start_inline);
  StatusOr<ExprPtr> parse_test(ExprPtr node);

  const std::string& src_;
  std::vector<Token> toks_;
  size_t i_ = 0;
  int depth_ = 0;
  int loop_depth_ = 0;
};

}  // namespace omni::jinja::detail
