// Filters on sequences and mappings. Like Jinja2, select/reject/map/unique/items/reverse return
// one-pass iterators (truthy even when empty, no len()), sort/dictsort/list return lists.
#include <algorithm>

#include "tokenizers/jinja/args.h"
#include "tokenizers/jinja/filters.h"
#include "tokenizers/jinja/operators.h"
#include "tokenizers/jinja/renderer.h"
#include "tokenizers/jinja/unicode.h"

namespace omni::jinja {

StatusOr<Value> get_attribute_path(const Value& item, const Value& attribute) {
  if (!attribute.is_string()) return get_item(item, attribute);
  Value v = item;
  const std::string& path = attribute.str();
  size_t start = 0;
  while (true) {
    const size_t dot = path.find('.', start);
    const std::string part = path.substr(start, dot == std::string::npos ? dot : dot - start);
    const bool digits = !part.empty() && std::all_of(part.begin(), part.end(),
                                                     [](char c) { return c >= '0' && c <= '9'; });
    Value key = Value::string(part);
    if (digits && part.size() < 18) key = Value::integer(std::stoll(part));
    OMNI_ASSIGN_OR_RETURN(v, get_item(v, key));
    if (dot == std::string::npos) return v;
    start = dot + 1;
  }
}

namespace {

Value ignore_case(const Value& v) {
  return v.is_string() ? Value::string(unicode::lower(v.str())) : v;
}

// Jinja2's make_attrgetter: the attribute (or the item itself), an optional default for undefined
// results, and lowercasing for case-insensitive comparisons.
StatusOr<Value> attr_key(const Value& item, const std::optional<Value>& attribute,
                         const std::optional<Value>& dflt, bool lower) {
  Value v = item;
  if (attribute && !attribute->is_none()) {
    OMNI_ASSIGN_OR_RETURN(v, get_attribute_path(item, *attribute));
  }
  if (dflt && !dflt->is_none() && v.is_undefined()) v = *dflt;
  return lower ? ignore_case(v) : v;
}

StatusOr<Value::Items> items_of(Renderer& r, const Value& in) {
  OMNI_ASSIGN_OR_RETURN(Value::Items items, iterate(in));
  OMNI_RETURN_IF_ERROR(r.count_iterations(items.size()));
  return items;
}

StatusOr<Value> f_length(Renderer&, const Value& in, const CallArgs& args) {
  OMNI_RETURN_IF_ERROR(bind_args("length", args, {}).status());
  OMNI_ASSIGN_OR_RETURN(size_t n, length(in));
  return Value::integer(static_cast<int64_t>(n));
}

// Sorts `items` by `keys` (Python's stable sorted(); reverse keeps equal items in order).
Status sort_by_keys(Value::Items& items, std::vector<Value>& keys, bool reverse) {
  std::vector<size_t> order(items.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  Status error;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (!error.ok()) return false;
    StatusOr<bool> lt = reverse ? less_than(keys[b], keys[a]) : less_than(keys[a], keys[b]);
    if (!lt.ok()) {
      error = lt.status();
      return false;
    }
    return *lt;
  });
  OMNI_RETURN_IF_ERROR(error);
  Value::Items sorted;
  sorted.reserve(items.size());
  for (size_t i : order) sorted.push_back(std::move(items[i]));
  items = std::move(sorted);
  return Status::Ok();
}

StatusOr<Value> f_dictsort(Renderer& r, const Value& in, const CallArgs& args) {
  OMNI_ASSIGN_OR_RETURN(BoundArgs a,
                        bind_args("dictsort", args, {"case_sensitive", "by", "reverse"}));
  if (in.is_undefined()) return undefined_error(in);
  if (!in.is_dict()) return InvalidArgument("'%s' object has no attribute 'items'", type_name(in));
  const bool case_sensitive = truthy(a.get(0, Value::boolean(false)));
  const Value by = a.get(1, Value::string("key"));
  int pos = 0;
  if (by.is_string() && by.str() == "value") {
    pos = 1;
  } else if (!by.is_string() || by.str() != "key") {
    return InvalidArgument("You can only sort by either \"key\" or \"value\"");
  }
  OMNI_RETURN_IF_ERROR(r.count_iterations(in.pairs().size()));
  Value::Items items;
  std::vector<Value> keys;
  for (const auto& [k, v] : in.pairs()) {
    items.push_back(Value::tuple({k, v}));
    const Value& key = pos == 0 ? k : v;
    keys.push_back(case_sensitive ? key : ignore_case(key));
  }
  OMNI_RETURN_IF_ERROR(sort_by_keys(items, keys, truthy(a.get(2, Value::boolean(false)))));
  return Value::list(std::move(items));
}

StatusOr<Value> f_first(Renderer&, const Value& in, const CallArgs& args) {
  OMNI_RETURN_IF_ERROR(bind_args("first", args, {}).status());
  const Value empty = Value::undefined("No first item, sequence was empty.");
  if (in.is_iterator()) {
    Value::Iterator& it = in.iter();
    if (it.pos >= it.items.size()) return empty;
    return it.items[it.pos++];
  }
  if (in.is_string()) {
    if (in.str().empty()) return empty;
    size_t i = 0;
    unicode::decode(in.str(), i);
    return Value::string(in.str().substr(0, i));
  }
  if (in.is_dict()) return in.pairs().empty() ? empty : in.pairs().front().first;
  OMNI_ASSIGN_OR_RETURN(Value::Items items, iterate(in));
  return items.empty() ? empty : items.front();
}

StatusOr<Value> f_last(Renderer&, const Value& in, const CallArgs& args) {
  OMNI_RETURN_IF_ERROR(bind_args("last", args, {}).status());
  if (in.is_iterator()) return InvalidArgument("'%s' object is not reversible", type_name(in));
  if (!in.is_undefined() && !in.is_string() && !in.is_list() && !in.is_dict())
    return InvalidArgument("'%s' object is not reversible", type_name(in));
  OMNI_ASSIGN_OR_RETURN(Value::Items items, iterate(in));
  if (items.empty()) return Value::undefined("No last item, sequence was empty.");
  return items.back();
}

StatusOr<Value> f_items(Renderer& r, const Value& in, const CallArgs& args) {
  OMNI_RETURN_IF_ERROR(bind_args("items", args, {}).status());
  if (in.is_undefined()) return Value::iterator({});
  if (!in.is_dict()) return InvalidArgument("Can only get item pairs from a mapping.");
  OMNI_RETURN_IF_ERROR(r.count_iterations(in.pairs().size()));
  Value::Items items;
  for (const auto& [k, v] : in.pairs()) items.push_back(Value::tuple({k, v}));
  return Value::iterator(std::move(items));
}

StatusOr<Value> f_join(Renderer& r, const Value& in, const CallArgs& args) {
  OMNI_ASSIGN_OR_RETURN(BoundArgs a, bind_args("join", args, {"d", "attribute"}));
  const std::string sep = to_str(a.get(0, Value::string("")));
  OMNI_ASSIGN_OR_RETURN(Value::Items items, items_of(r, in));
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    OMNI_ASSIGN_OR_RETURN(Value v, attr_key(items[i], a[1], std::nullopt, false));
    if (i) out += sep;
    out += to_str(v);
    if (out.size() > r.max_bytes()) return InvalidArgument("join() exceeds the output limit");
  }
  return Value::string(std::move(out));
}

StatusOr<Value> f_list(Renderer& r, const Value& in, const CallArgs& args) {
  OMNI_RETURN_IF_ERROR(bind_args("list", args, {}).status());
  OMNI_ASSIGN_OR_RETURN(Value::Items items, items_of(r, in));
  return Value::list(std::move(items));
}

StatusOr<Value> f_map(Renderer& r, const Value& in, const CallArgs& args) {
  OMNI_ASSIGN_OR_RETURN(Value::Items items, items_of(r, in));
  Value::Items out;
  out.reserve(items.size());
  if (args.positional.empty()) {
    std::optional<Value> attribute, dflt;
    for (const auto& [k, v] : args.keyword) {
      if (k == "attribute") {
        attribute = v;
      } else if (k == "default") {
        dflt = v;
      } else {
        return InvalidArgument("Unexpected keyword argument '%s'", k.c_str());
      }
    }
    if (!attribute) return InvalidArgument("map requires a filter argument");
    for (const Value& item : items) {
      OMNI_ASSIGN_OR_RETURN(Value v, attr_key(item, attribute, dflt, false));
      out.push_back(std::move(v));
    }
    return Value::iterator(std::move(out));
  }
  if (!args.positional[0].is_string()) return InvalidArgument("map() filter name must be a string");
  const std::string name = args.positional[0].str();
  CallArgs rest;
  rest.positional.assign(args.positional.begin() + 1, args.positional.end());
  rest.keyword = args.keyword;
  for (const Value& item : items) {
    OMNI_ASSIGN_OR_RETURN(Value v, r.apply_filter(name, item, rest));
    out.push_back(std::move(v));
  }
  return Value::iterator(std::move(out));
}

StatusOr<Value> select_or_reject(Renderer& r, const Value& in, const CallArgs& args,
                                 bool by_attribute, bool select) {
  size_t off = 0;
  Value attribute;
  if (by_attribute) {
    if (args.positional.empty()) return InvalidArgument("Missing parameter for attribute name");
    attribute = args.positional[0];
    off = 1;
  }
  std::optional<std::string> test;
  CallArgs test_args;
  if (args.positional.size() > off) {
    if (!args.positional[off].is_string()) return InvalidArgument("test name must be a string");
    test = args.positional[off].str();
    test_args.positional.assign(args.positional.begin() + off + 1, args.positional.end());
  }
  test_args.keyword = args.keyword;
  OMNI_ASSIGN_OR_RETURN(Value::Items items, items_of(r, in));
  Value::Items out;
  for (Value& item : items) {
    Value v = item;
    if (by_attribute) {
      OMNI_ASSIGN_OR_RETURN(v, get_attribute_path(item, attribute));
    }
    bool keep = false;
    if (test) {
      OMNI_ASSIGN_OR_RETURN(keep, r.apply_test(*test, v, test_args));
    } else {
      keep = truthy(v);
    }
    if (keep == select) out.push_back(std::move(item));
  }
  return Value::iterator(std::move(out));
}

StatusOr<Value> f_select(Renderer& r, const Value& in, const CallArgs& args) {
  return select_or_reject(r, in, args, false, true);
}
StatusOr<Value> f_reject(Renderer& r, const Value& in, const CallArgs& args) {
  return select_or_reject(r, in, args, false, false);
}
StatusOr<Value> f_selectattr(Renderer& r, const Value& in, const CallArgs& args) {
  return select_or_reject(r, in, args, true, true);
}
StatusOr<Value> f_rejectattr(Renderer& r, const Value& in, const CallArgs& args) {
  return select_or_reject(r, in, args, true, false);
}

StatusOr<Value> min_or_max(Renderer& r, const Value& in, const CallArgs& args, bool is_max) {
  OMNI_ASSIGN_OR_RETURN(BoundArgs a,
                        bind_args(is_max ? "max" : "min", args, {"case_sensitive", "attribute"}));
  const bool lower = !truthy(a.get(0, Value::boolean(false)));
  OMNI_ASSIGN_OR_RETURN(Value::Items items, items_of(r, in));
  if (items.empty()) return Value::undefined("No aggregated item, sequence was empty.");
  size_t best = 0;
  OMNI_ASSIGN_OR_RETURN(Value best_key, attr_key(items[0], a[1], std::nullopt, lower));
  for (size_t i = 1; i < items.size(); ++i) {
    OMNI_ASSIGN_OR_RETURN(Value key, attr_key(items[i], a[1], std::nullopt, lower));
    OMNI_ASSIGN_OR_RETURN(bool better,
                          is_max ? less_than(best_key, key) : less_than(key, best_key));
    if (better) {
      best = i;
      best_key = std::move(key);
    }
  }
  return items[best];
}

StatusOr<Value> f_max(Renderer& r, const Value& in, const CallArgs& args) {
  return min_or_max(r, in, args, true);
}
StatusOr<Value> f_min(Renderer& r, const Value& in, const CallArgs& args) {
  return min_or_max(r, in, args, false);
}

StatusOr<Value> f_reverse(Renderer& r, const Value& in, const CallArgs& args) {
  OMNI_RETURN_IF_ERROR(bind_args("reverse", args, {}).status());
  if (in.is_string()) {
    std::u32string u = unicode::to_u32(in.str());
    std::reverse(u.begin(), u.end());
    return Value::string(unicode::to_u8(u));
  }
  if (!in.is_undefined() && !in.is_list() && !in.is_dict() && !in.is_iterator())
    return InvalidArgument("argument must be iterable");
  OMNI_ASSIGN_OR_RETURN(Value::Items items, items_of(r, in));
  std::reverse(items.begin(), items.end());
  if (in.is_iterator()) return Value::list(std::move(items));
  return Value::iterator(std::move(items), "list_reverseiterator");
}

StatusOr<Value> f_sort(Renderer& r, const Value& in, const CallArgs& args) {
  OMNI_ASSIGN_OR_RETURN(BoundArgs a,
                        bind_args("sort", args, {"reverse", "case_sensitive", "attribute"}));
  const bool lower = !truthy(a.get(1, Value::boolean(false)));
  OMNI_ASSIGN_OR_RETURN(Value::Items items, items_of(r, in));
  // Comma-separated attributes sort by each in turn (Jinja2's make_multi_attrgetter).
  std::vector<Value> attributes;
  const Value attribute = a.get(2, Value::none());
  if (attribute.is_string()) {
    const std::string& s = attribute.str();
    for (size_t start = 0;;) {
      const size_t comma = s.find(',', start);
      attributes.push_back(
          Value::string(s.substr(start, comma == std::string::npos ? comma : comma - start)));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  } else if (!attribute.is_none()) {
    attributes.push_back(attribute);
  }
  std::vector<Value> keys;
  keys.reserve(items.size());
  for (const Value& item : items) {
    Value::Items parts;
    if (attributes.empty()) {
      parts.push_back(lower ? ignore_case(item) : item);
    } else {
      for (const Value& attr : attributes) {
        OMNI_ASSIGN_OR_RETURN(Value v, attr_key(item, attr, std::nullopt, lower));
        parts.push_back(std::move(v));
      }
    }
    keys.push_back(Value::list(std::move(parts)));
  }
  OMNI_RETURN_IF_ERROR(sort_by_keys(items, keys, truthy(a.get(0, Value::boolean(false)))));
  return Value::list(std::move(items));
}

StatusOr<Value> f_sum(Renderer& r, const Value& in, const CallArgs& args) {
  OMNI_ASSIGN_OR_RETURN(BoundArgs a, bind_args("sum", args, {"attribute", "start"}));
  Value total = a.get(1, Value::integer(0));
  if (total.is_string())
    return InvalidArgument("sum() can't sum strings [use ''.join(seq) instead]");
  OMNI_ASSIGN_OR_RETURN(Value::Items items, items_of(r, in));
  for (const Value& item : items) {
    OMNI_ASSIGN_OR_RETURN(Value v, attr_key(item, a[0], std::nullopt, false));
    OMNI_ASSIGN_OR_RETURN(total, binary_op(BinOp::kAdd, total, v, r.max_bytes()));
  }
  return total;
}

StatusOr<Value> f_unique(Renderer& r, const Value& in, const CallArgs& args) {
  OMNI_ASSIGN_OR_RETURN(BoundArgs a, bind_args("unique", args, {"case_sensitive", "attribute"}));
  const bool lower = !truthy(a.get(0, Value::boolean(false)));
  OMNI_ASSIGN_OR_RETURN(Value::Items items, items_of(r, in));
  std::vector<Value> seen;
  Value::Items out;
  for (Value& item : items) {
    OMNI_ASSIGN_OR_RETURN(Value key, attr_key(item, a[1], std::nullopt, lower));
    if (key.is_list() || key.is_dict() || key.is_namespace())
      return InvalidArgument("unhashable type: '%s'", type_name(key));
    const bool dup =
        std::any_of(seen.begin(), seen.end(), [&](const Value& s) { return equals(s, key); });
    if (dup) continue;
    seen.push_back(std::move(key));
    out.push_back(std::move(item));
  }
  return Value::iterator(std::move(out));
}

constexpr NamedFilter kSequenceFilters[] = {
    {"count", f_length},
    {"dictsort", f_dictsort},
    {"first", f_first},
    {"items", f_items},
    {"join", f_join},
    {"last", f_last},
    {"length", f_length},
    {"list", f_list},
    {"map", f_map},
    {"max", f_max},
    {"min", f_min},
    {"reject", f_reject},
    {"rejectattr", f_rejectattr},
    {"reverse", f_reverse},
    {"select", f_select},
    {"selectattr", f_selectattr},
    {"sort", f_sort},
    {"sum", f_sum},
    {"unique", f_unique},
};

}  // namespace

std::span<const NamedFilter> sequence_filters() {
  return kSequenceFilters;
}

}  // namespace omni::jinja
