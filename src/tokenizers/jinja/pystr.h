// Python str algorithms over UTF-8 (indices and lengths count code points, as in Python), shared
// by the string methods and the filters.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace omni::jinja::pystr {

// str.strip/lstrip/rstrip: `chars` unset strips whitespace.
std::string strip(std::string_view s, const std::optional<std::string>& chars, bool left,
                  bool right);
// str.split/rsplit: `sep` unset splits on whitespace runs; maxsplit < 0 means no limit.
// `sep` must not be empty (the caller reports Python's ValueError).
std::vector<std::string> split(std::string_view s, const std::optional<std::string>& sep,
                               int64_t maxsplit);
std::vector<std::string> rsplit(std::string_view s, const std::optional<std::string>& sep,
                                int64_t maxsplit);
std::vector<std::string> splitlines(std::string_view s, bool keepends);
// str.replace; count < 0 replaces all.
std::string replace(std::string_view s, std::string_view old, std::string_view repl, int64_t count);
std::string title(std::string_view s);       // str.title()
std::string capitalize(std::string_view s);  // str.capitalize()
std::string swapcase(std::string_view s);
// str.center/ljust/rjust with CPython's placement of the odd fill character.
enum class Align { kLeft, kRight, kCenter };
std::string pad(std::string_view s, int64_t width, std::string_view fill, Align align);
// str.find/rfind in code points; -1 when absent.
int64_t find(std::string_view s, std::string_view sub, bool from_right);
// str.count (non-overlapping).
int64_t count(std::string_view s, std::string_view sub);
// str[start:end] with Python's clamping of negative and out-of-range indices.
std::string substr(std::string_view s, std::optional<int64_t> start, std::optional<int64_t> end);

enum class CharClass { kAlpha, kDigit, kAlnum, kSpace };
// str.isalpha()/isdigit()/isalnum()/isspace(): non-empty and every code point in the class.
bool all_of(std::string_view s, CharClass cls);
bool is_lower(std::string_view s);  // str.islower()
bool is_upper(std::string_view s);  // str.isupper()

}  // namespace omni::jinja::pystr
