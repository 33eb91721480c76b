// Tables of the builtin filters and tests, grouped by theme; builtins.cpp merges them into the
// lookup used by the parser and the renderer.
#pragma once

#include <span>
#include <string_view>

#include "tokenizers/jinja/builtins.h"

namespace omni::jinja {

struct NamedFilter {
  std::string_view name;
  FilterFn fn;
};
struct NamedTest {
  std::string_view name;
  TestFn fn;
};

std::span<const NamedFilter> text_filters();      // filters_text.cpp
std::span<const NamedFilter> sequence_filters();  // filters_seq.cpp
std::span<const NamedTest> builtin_tests();       // tests.cpp

// Jinja2's attribute getter for filters (`attribute="a.b.0"`): each dot-separated part is looked
// up with item access first; parts made of digits are integer indices.
StatusOr<Value> get_attribute_path(const Value& item, const Value& attribute);

}  // namespace omni::jinja
