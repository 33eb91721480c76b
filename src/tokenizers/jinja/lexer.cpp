#include "tokenizers/jinja/lexer.h"

#include <cstdlib>
#include <limits>

#include "tokenizers/jinja/unicode.h"

namespace omni::jinja {

std::string normalize_source(std::string_view source) {
  std::string out;
  out.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      out += '\n';
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      out += source[i];
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::pair<int, int> line_col(std::string_view source, uint32_t pos) {
  int line = 1;
  size_t line_start = 0;
  const size_t end = std::min<size_t>(pos, source.size());
  for (size_t i = 0; i < end; ++i) {
    if (source[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return {line, static_cast<int>(unicode::length(source.substr(line_start, end - line_start))) + 1};
}

std::string location_prefix(std::string_view source, uint32_t pos) {
  const auto [line, col] = line_col(source, pos);
  return "line " + std::to_string(line) + ":" + std::to_string(col) + ": ";
}

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  return (c | 0x20) - 'a' + 10;
}

class Lexer {
 public:
  explicit Lexer(const std::string& src) : src_(src), n_(src.size()) {}

  StatusOr<std::vector<Token>> run() {
    if (n_ > static_cast<size_t>(std::numeric_limits<int32_t>::max()))
      return InvalidArgument("template is larger than 2 GiB");
    if (!unicode::valid(src_)) return InvalidArgument("template is not valid UTF-8");
    size_t pos = 0;
    while (pos < n_) {
      const size_t p = find_tag(pos);
      if (p == std::string::npos) {
        emit_data(pos, std::string_view(src_).substr(pos));
        break;
      }
      const char kind = src_[p + 1];
      size_t raw_body = 0;
      char raw_sign = 0;
      if (kind == '%' && match_raw_begin(p, raw_body, raw_sign)) {
        emit_data(pos, strip_text(std::string_view(src_).substr(pos, p - pos), raw_sign, true));
        line_starting_ = src_[raw_body - 1] == '\n';
        OMNI_ASSIGN_OR_RETURN(pos, lex_raw(p, raw_body));
        continue;
      }
      size_t q = p + 2;
      char sign = 0;
      if (q < n_ && (src_[q] == '-' || src_[q] == '+')) sign = src_[q++];
      emit_data(pos, strip_text(std::string_view(src_).substr(pos, p - pos), sign, kind != '{'));
      if (kind == '#') {
        OMNI_ASSIGN_OR_RETURN(pos, lex_comment(p, q));
      } else {
        emit(kind == '{' ? TokType::kVarBegin : TokType::kBlockBegin, p);
        OMNI_ASSIGN_OR_RETURN(pos, lex_tag(kind == '%', p, q));
      }
    }
    emit(TokType::kEof, static_cast<uint32_t>(n_));
    return std::move(tokens_);
  }

 private:
  Status error(size_t pos, const std::string& msg) const {
    return InvalidArgument("%ssyntax error: %s",
                           location_prefix(src_, static_cast<uint32_t>(pos)).c_str(), msg.c_str());
  }

  bool starts(size_t pos, std::string_view s) const {
    return std::string_view(src_).substr(pos, s.size()) == s;
  }

  size_t skip_space(size_t pos) const {
    while (pos < n_) {
      const size_t len = unicode::space_at(src_, pos);
      if (!len) break;
      pos += len;
    }
    return pos;
  }

  void emit(TokType type, size_t pos, std::string text = {}) {
    Token t;
    t.type = type;
    t.pos = static_cast<uint32_t>(pos);
    t.text = std::move(text);
    tokens_.push_back(std::move(t));
  }

  void emit_data(size_t pos, std::string_view text) {
    if (!text.empty()) emit(TokType::kData, pos, std::string(text));
  }

  size_t find_tag(size_t pos) const {
    for (size_t i = src_.find('{', pos); i != std::string::npos; i = src_.find('{', i + 1)) {
      if (i + 1 < n_ && (src_[i + 1] == '{' || src_[i + 1] == '%' || src_[i + 1] == '#')) return i;
    }
    return std::string::npos;
  }

  // Text before a tag: "-" strips all trailing whitespace; otherwise, for block and comment tags,
  // lstrip_blocks removes the spaces and tabs that alone precede the tag on its line.
  std::string_view strip_text(std::string_view text, char sign, bool lstrip_applies) const {
    if (sign == '-') {
      size_t end = text.size();
      while (end > 0) {
        size_t start = end - 1;
        while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
        if (!unicode::space_at(text, start)) break;
        end = start;
      }
      return text.substr(0, end);
    }
    if (sign == '+' || !lstrip_applies) return text;
    const size_t nl = text.rfind('\n');
    const size_t l_pos = nl == std::string_view::npos ? 0 : nl + 1;
    if (l_pos == 0 && !line_starting_) return text;
    const std::string_view rest = text.substr(l_pos);
    if (rest.empty()) return text;
    for (size_t i = 0; i < rest.size();) {
      const size_t len = unicode::space_at(rest, i);
      if (!len) return text;
      i += len;
    }
    return text.substr(0, l_pos);
  }

  // `{%[-+]? raw [-]%}`: sets the offset after the tag and the sign of its opening.
  bool match_raw_begin(size_t p, size_t& body, char& sign) const {
    size_t q = p + 2;
    sign = 0;
    if (q < n_ && (src_[q] == '-' || src_[q] == '+')) sign = src_[q++];
    q = skip_space(q);
    if (!starts(q, "raw")) return false;
    q = skip_space(q + 3);
    if (starts(q, "-%}")) {
      body = skip_space(q + 3);
      return true;
    }
    if (starts(q, "%}")) {
      body = q + 2;
      return true;
    }
    return false;
  }

  StatusOr<size_t> lex_raw(size_t begin, size_t body) {
    for (size_t p = src_.find("{%", body); p != std::string::npos; p = src_.find("{%", p + 1)) {
      size_t q = p + 2;
      char sign = 0;
      if (q < n_ && (src_[q] == '-' || src_[q] == '+')) sign = src_[q++];
      q = skip_space(q);
      if (!starts(q, "endraw")) continue;
      q = skip_space(q + 6);
      size_t end = 0;
      if (starts(q, "+%}")) {
        end = q + 3;
      } else if (starts(q, "-%}")) {
        end = skip_space(q + 3);
      } else if (starts(q, "%}")) {
        end = q + 2;
        if (end < n_ && src_[end] == '\n') ++end;
      } else {
        continue;
      }
      emit_data(body, strip_text(std::string_view(src_).substr(body, p - body), sign, true));
      line_starting_ = src_[end - 1] == '\n';
      return end;
    }
    return error(begin, "missing end of raw directive ({% endraw %})");
  }

  StatusOr<size_t> lex_comment(size_t begin, size_t q) {
    const size_t e = src_.find("#}", q);
    if (e == std::string::npos) return error(begin, "missing end of comment tag (#})");
    size_t end = e + 2;
    const char sign = (e > q && (src_[e - 1] == '-' || src_[e - 1] == '+')) ? src_[e - 1] : 0;
    if (sign == '-') {
      end = skip_space(end);
    } else if (sign == 0 && end < n_ && src_[end] == '\n') {
      ++end;
    }
    line_starting_ = src_[end - 1] == '\n';
    return end;
  }

  StatusOr<size_t> lex_tag(bool block, size_t begin, size_t pos) {
    std::vector<char> balance;
    while (true) {
      if (pos >= n_)
        return error(begin, block ? "unexpected end of template: missing %}"
                                  : "unexpected end of template: missing }}");
      if (balance.empty()) {
        size_t end = 0;
        if (block) {
          if (starts(pos, "+%}")) {
            end = pos + 3;
          } else if (starts(pos, "-%}")) {
            end = skip_space(pos + 3);
          } else if (starts(pos, "%}")) {
            end = pos + 2;
            if (end < n_ && src_[end] == '\n') ++end;
          }
        } else if (starts(pos, "-}}")) {
          end = skip_space(pos + 3);
        } else if (starts(pos, "}}")) {
          end = pos + 2;
        }
        if (end) {
          emit(block ? TokType::kBlockEnd : TokType::kVarEnd, pos);
          line_starting_ = src_[end - 1] == '\n';
          return end;
        }
      }
      if (const size_t ws = unicode::space_at(src_, pos)) {
        pos += ws;
        continue;
      }
      const char c = src_[pos];
      if (is_digit(c)) {
        OMNI_ASSIGN_OR_RETURN(pos, lex_number(pos));
        continue;
      }
      if (c == '\'' || c == '"') {
        OMNI_ASSIGN_OR_RETURN(pos, lex_string(pos));
        continue;
      }
      if (const size_t len = name_length(pos)) {
        emit(TokType::kName, pos, src_.substr(pos, len));
        pos += len;
        continue;
      }
      OMNI_ASSIGN_OR_RETURN(pos, lex_operator(pos, balance));
    }
  }

  size_t name_length(size_t pos) const {
    size_t i = pos;
    while (i < n_) {
      const char c = src_[i];
      if (c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (i > pos && is_digit(c))) {
        ++i;
        continue;
      }
      if (static_cast<unsigned char>(c) >= 0x80) {
        size_t j = i;
        if (unicode::is_alpha(unicode::decode(src_, j))) {
          i = j;
          continue;
        }
      }
      break;
    }
    return i - pos;
  }

  // Digits with single underscores between them: \d+(_\d+)*. Returns the end, or pos if none.
  size_t digits_end(size_t pos) const {
    size_t i = pos;
    while (i < n_ && is_digit(src_[i])) ++i;
    if (i == pos) return pos;
    while (i + 1 < n_ && src_[i] == '_' && is_digit(src_[i + 1])) {
      i += 2;
      while (i < n_ && is_digit(src_[i])) ++i;
    }
    return i;
  }

  size_t exponent_end(size_t pos) const {
    if (pos >= n_ || (src_[pos] != 'e' && src_[pos] != 'E')) return 0;
    size_t i = pos + 1;
    if (i < n_ && (src_[i] == '+' || src_[i] == '-')) ++i;
    const size_t e = digits_end(i);
    return e == i ? 0 : e;
  }

  StatusOr<size_t> lex_number(size_t pos) {
    // Floats first (as Jinja2 tries them first), unless right after a dot: "a.0.1".
    if (pos == 0 || src_[pos - 1] != '.') {
      const size_t int_end = digits_end(pos);
      size_t end = 0;
      if (int_end < n_ && src_[int_end] == '.' && digits_end(int_end + 1) > int_end + 1) {
        const size_t frac_end = digits_end(int_end + 1);
        const size_t exp_end = exponent_end(frac_end);
        end = exp_end ? exp_end : frac_end;
      } else {
        end = exponent_end(int_end);
      }
      if (end) {
        std::string text;
        for (size_t i = pos; i < end; ++i)
          if (src_[i] != '_') text += src_[i];
        Token t;
        t.type = TokType::kFloat;
        t.pos = static_cast<uint32_t>(pos);
        t.fval = std::strtod(text.c_str(), nullptr);
        tokens_.push_back(std::move(t));
        return end;
      }
    }
    int base = 10;
    size_t start = pos, end = pos;
    auto prefixed = [&](char letter, int b, auto valid) {
      if (src_[pos] != '0' || pos + 1 >= n_ || (src_[pos + 1] | 0x20) != letter) return false;
      size_t i = pos + 2;
      size_t last = i;
      while (i < n_) {
        if (src_[i] == '_' && i + 1 < n_ && valid(src_[i + 1])) {
          i += 2;
        } else if (valid(src_[i])) {
          ++i;
        } else {
          break;
        }
        last = i;
      }
      if (last == pos + 2) return false;
      base = b, start = pos + 2, end = last;
      return true;
    };
    if (!prefixed('b', 2, [](char c) { return c == '0' || c == '1'; }) &&
        !prefixed('o', 8, [](char c) { return c >= '0' && c <= '7'; }) &&
        !prefixed('x', 16, is_hex)) {
      end = pos + 1;
      const bool zero = src_[pos] == '0';
      while (end < n_) {
        const bool ok = zero ? src_[end] == '0' : is_digit(src_[end]);
        if (ok) {
          ++end;
        } else if (src_[end] == '_' && end + 1 < n_ &&
                   (zero ? src_[end + 1] == '0' : is_digit(src_[end + 1]))) {
          end += 2;
        } else {
          break;
        }
      }
    }
    uint64_t value = 0;
    for (size_t i = start; i < end; ++i) {
      if (src_[i] == '_') continue;
      const uint64_t d = static_cast<uint64_t>(hex_value(src_[i]));
      if (value > (static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) - d) / base)
        return error(pos, "integer literal does not fit in 64 bits");
      value = value * base + d;
    }
    Token t;
    t.type = TokType::kInt;
    t.pos = static_cast<uint32_t>(pos);
    t.ival = static_cast<int64_t>(value);
    tokens_.push_back(std::move(t));
    return end;
  }

  StatusOr<size_t> lex_string(size_t pos) {
    const char quote = src_[pos];
    size_t i = pos + 1;
    while (i < n_ && src_[i] != quote) i += src_[i] == '\\' ? 2 : 1;
    if (i >= n_) return error(pos, std::string("unterminated string starting with ") + quote);
    OMNI_ASSIGN_OR_RETURN(std::string value,
                          decode_escapes(std::string_view(src_).substr(pos + 1, i - pos - 1), pos));
    emit(TokType::kString, pos, std::move(value));
    return i + 1;
  }

  // Python's unicode-escape decoding of a string literal's body, as Jinja2 applies it.
  StatusOr<std::string> decode_escapes(std::string_view s, size_t pos) const {
    std::string out;
    for (size_t i = 0; i < s.size();) {
      if (s[i] != '\\') {
        out += s[i++];
        continue;
      }
      if (i + 1 >= s.size()) return error(pos, "\\ at end of string");
      const char c = s[i + 1];
      i += 2;
      auto hex_escape = [&](int digits) -> Status {
        char32_t cp = 0;
        for (int k = 0; k < digits; ++k) {
          if (i >= s.size() || !is_hex(s[i]))
            return error(pos, "truncated \\" + std::string(1, c) + " escape in string literal");
          cp = cp * 16 + hex_value(s[i++]);
        }
        if (cp > 0x10FFFF) return error(pos, "illegal Unicode character in string literal");
        if (cp >= 0xD800 && cp <= 0xDFFF)
          return Unsupported("%sa lone surrogate escape in a string literal is not supported",
                             location_prefix(src_, static_cast<uint32_t>(pos)).c_str());
        unicode::append(out, cp);
        return Status::Ok();
      };
      switch (c) {
        case '\n':
          break;
        case '\\':
          out += '\\';
          break;
        case '\'':
          out += '\'';
          break;
        case '"':
          out += '"';
          break;
        case 'a':
          out += '\a';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'v':
          out += '\v';
          break;
        case 'x':
          OMNI_RETURN_IF_ERROR(hex_escape(2));
          break;
        case 'u':
          OMNI_RETURN_IF_ERROR(hex_escape(4));
          break;
        case 'U':
          OMNI_RETURN_IF_ERROR(hex_escape(8));
          break;
        case 'N':
          return Unsupported("%snamed unicode escapes (\\N{...}) are not supported",
                             location_prefix(src_, static_cast<uint32_t>(pos)).c_str());
        default:
          if (c >= '0' && c <= '7') {
            char32_t cp = c - '0';
            for (int k = 0; k < 2 && i < s.size() && s[i] >= '0' && s[i] <= '7'; ++k)
              cp = cp * 8 + (s[i++] - '0');
            unicode::append(out, cp);
          } else if (static_cast<unsigned char>(c) >= 0x80) {
            // Jinja2 escapes non-ASCII characters before decoding, so "\é" reads as "\\xe9".
            size_t j = i - 1;
            const char32_t cp = unicode::decode(s, j);
            char buf[16];
            if (cp < 0x100) {
              std::snprintf(buf, sizeof(buf), "\\x%02x", static_cast<unsigned>(cp));
            } else if (cp < 0x10000) {
              std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(cp));
            } else {
              std::snprintf(buf, sizeof(buf), "\\U%08x", static_cast<unsigned>(cp));
            }
            out += buf;
            i = j;
          } else {
            out += '\\';
            out += c;
          }
      }
    }
    return out;
  }

  StatusOr<size_t> lex_operator(size_t pos, std::vector<char>& balance) {
    static constexpr std::string_view kTwo[] = {"//", "**", "==", "!=", ">=", "<="};
    for (std::string_view op : kTwo) {
      if (starts(pos, op)) {
        emit(TokType::kOp, pos, std::string(op));
        return pos + 2;
      }
    }
    const char c = src_[pos];
    if (std::string_view("+-/*%~[](){}><=.:|,;").find(c) == std::string_view::npos) {
      size_t j = pos;
      const char32_t cp = unicode::decode(src_, j);
      std::string shown;
      unicode::append(shown, cp);
      return error(pos, "unexpected char '" + shown + "'");
    }
    if (c == '(' || c == '[' || c == '{') {
      balance.push_back(c == '(' ? ')' : c == '[' ? ']' : '}');
    } else if (c == ')' || c == ']' || c == '}') {
      if (balance.empty()) return error(pos, std::string("unexpected '") + c + "'");
      if (balance.back() != c)
        return error(pos, std::string("unexpected '") + c + "', expected '" + balance.back() + "'");
      balance.pop_back();
    }
    emit(TokType::kOp, pos, std::string(1, c));
    return pos + 1;
  }

  const std::string& src_;
  const size_t n_;
  std::vector<Token> tokens_;
  bool line_starting_ = true;
};

}  // namespace

StatusOr<std::vector<Token>> tokenize(const std::string& source) {
  return Lexer(source).run();
}

}  // namespace omni::jinja
