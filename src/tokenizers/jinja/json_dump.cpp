#include "tokenizers/jinja/json_dump.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "tokenizers/jinja/operators.h"
#include "tokenizers/jinja/unicode.h"

namespace omni::jinja {
namespace {

void append_u_escape(std::string& out, unsigned cp) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "\\u%04x", cp);
  out += buf;
}

void dump_string(std::string& out, std::string_view s, bool ensure_ascii) {
  out += '"';
  for (size_t i = 0; i < s.size();) {
    const char32_t c = unicode::decode(s, i);
    switch (c) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\r':
        out += "\\r";
        continue;
      case '\t':
        out += "\\t";
        continue;
      case '\b':
        out += "\\b";
        continue;
      case '\f':
        out += "\\f";
        continue;
      default:
        break;
    }
    if (c < 0x20 || (ensure_ascii && c >= 0x7F)) {
      if (c >= 0x10000) {
        const unsigned v = static_cast<unsigned>(c) - 0x10000;
        append_u_escape(out, 0xD800 | (v >> 10));
        append_u_escape(out, 0xDC00 | (v & 0x3FF));
      } else {
        append_u_escape(out, static_cast<unsigned>(c));
      }
    } else {
      unicode::append(out, c);
    }
  }
  out += '"';
}

std::string float_json(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d < 0 ? "-Infinity" : "Infinity";
  return float_repr(d);
}

class Dumper {
 public:
  explicit Dumper(const JsonDumpOptions& o) : o_(o) {
    item_sep_ = o.item_separator ? *o.item_separator : (o.indent ? "," : ", ");
    key_sep_ = o.key_separator ? *o.key_separator : ": ";
  }

  Status dump(std::string& out, const Value& v, int level) {
    if (level > 200) return InvalidArgument("tojson: nesting is deeper than 200 levels");
    switch (v.kind()) {
      case Value::Kind::kNone:
        out += "null";
        return Status::Ok();
      case Value::Kind::kBool:
        out += v.as_bool() ? "true" : "false";
        return Status::Ok();
      case Value::Kind::kInt:
      case Value::Kind::kBigInt:
        out += to_str(v);
        return Status::Ok();
      case Value::Kind::kFloat:
        out += float_json(v.as_float());
        return Status::Ok();
      case Value::Kind::kString:
        dump_string(out, v.str(), o_.ensure_ascii);
        return Status::Ok();
      case Value::Kind::kList:
        if (v.seq_kind() == Value::SeqKind::kList || v.seq_kind() == Value::SeqKind::kTuple)
          return dump_list(out, v.items(), level);
        break;
      case Value::Kind::kDict:
        return dump_dict(out, v.pairs(), level);
      default:
        break;
    }
    return InvalidArgument("tojson: Object of type %s is not JSON serializable", type_name(v));
  }

 private:
  void newline(std::string& out, int level) {
    out += '\n';
    for (int i = 0; i < level; ++i) out += *o_.indent;
  }

  Status dump_list(std::string& out, const Value::Items& items, int level) {
    if (items.empty()) {
      out += "[]";
      return Status::Ok();
    }
    out += '[';
    if (o_.indent) newline(out, level + 1);
    for (size_t i = 0; i < items.size(); ++i) {
      if (i) {
        out += item_sep_;
        if (o_.indent) newline(out, level + 1);
      }
      OMNI_RETURN_IF_ERROR(dump(out, items[i], level + 1));
    }
    if (o_.indent) newline(out, level);
    out += ']';
    return Status::Ok();
  }

  Status key_string(const Value& k, std::string& out) {
    switch (k.kind()) {
      case Value::Kind::kString:
        out = k.str();
        return Status::Ok();
      case Value::Kind::kFloat:
        out = float_json(k.as_float());
        return Status::Ok();
      case Value::Kind::kBool:
        out = k.as_bool() ? "true" : "false";
        return Status::Ok();
      case Value::Kind::kInt:
      case Value::Kind::kBigInt:
        out = to_str(k);
        return Status::Ok();
      case Value::Kind::kNone:
        out = "null";
        return Status::Ok();
      default:
        return InvalidArgument("tojson: keys must be str, int, float, bool or None, not %s",
                               type_name(k));
    }
  }

  Status dump_dict(std::string& out, const Value::Pairs& pairs, int level) {
    if (pairs.empty()) {
      out += "{}";
      return Status::Ok();
    }
    std::vector<const std::pair<Value, Value>*> order;
    order.reserve(pairs.size());
    for (const auto& p : pairs) order.push_back(&p);
    if (o_.sort_keys) {
      Status error;
      std::stable_sort(order.begin(), order.end(), [&](const auto* a, const auto* b) {
        if (!error.ok()) return false;
        StatusOr<bool> lt = less_than(a->first, b->first);
        if (!lt.ok()) {
          error = lt.status();
          return false;
        }
        return *lt;
      });
      OMNI_RETURN_IF_ERROR(error);
    }
    out += '{';
    if (o_.indent) newline(out, level + 1);
    bool first = true;
    for (const auto* p : order) {
      if (!first) {
        out += item_sep_;
        if (o_.indent) newline(out, level + 1);
      }
      first = false;
      std::string key;
      OMNI_RETURN_IF_ERROR(key_string(p->first, key));
      dump_string(out, key, o_.ensure_ascii);
      out += key_sep_;
      OMNI_RETURN_IF_ERROR(dump(out, p->second, level + 1));
    }
    if (o_.indent) newline(out, level);
    out += '}';
    return Status::Ok();
  }

  const JsonDumpOptions& o_;
  std::string item_sep_, key_sep_;
};

}  // namespace

StatusOr<std::string> json_dump(const Value& v, const JsonDumpOptions& options) {
  std::string out;
  Dumper d(options);
  OMNI_RETURN_IF_ERROR(d.dump(out, v, 0));
  return out;
}

}  // namespace omni::jinja
