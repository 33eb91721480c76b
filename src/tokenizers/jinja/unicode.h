// UTF-8 and the character classes that Python's str methods use, as far as chat templates need
// them. Strings are UTF-8 everywhere; code points are char32_t. Decoding never fails: a byte that
// does not start a valid sequence decodes to itself (U+0080..U+00FF), so hostile input cannot
// cause out-of-bounds reads.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace omni::jinja::unicode {

// Decodes the code point at s[i] and advances i past it. Requires i < s.size().
char32_t decode(std::string_view s, size_t& i);
void append(std::string& out, char32_t cp);

std::u32string to_u32(std::string_view s);
std::string to_u8(std::u32string_view s);
// Number of code points (Python len()).
size_t length(std::string_view s);
// True when s is well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF).
bool valid(std::string_view s);

// Python str.isspace() for one code point (also what `\s` matches in re).
bool is_space(char32_t c);
// Byte length of the whitespace code point at s[i], or 0 when it is not whitespace.
size_t space_at(std::string_view s, size_t i);

// Simple case mapping. Covers ASCII, Latin-1, Latin Extended-A and most of B, Greek, Cyrillic,
// Latin Extended Additional and fullwidth Latin; other scripts are uncased here (Python would map a
// few more, e.g. Armenian).
char32_t to_upper(char32_t c);
char32_t to_lower(char32_t c);
// Titlecase (what str.title() and str.capitalize() use for a word's first letter).
char32_t to_title(char32_t c);
bool is_cased(char32_t c);
bool is_upper(char32_t c);
bool is_lower(char32_t c);
// Python str.upper()/lower(), including the one common expansion (U+00DF -> "SS").
std::string upper(std::string_view s);
std::string lower(std::string_view s);

// Approximations of Python's str.isalpha/isdigit/isalnum and re's \w for non-ASCII: letters are
// code points >= U+00AA outside whitespace, punctuation and symbol blocks.
bool is_alpha(char32_t c);
bool is_digit(char32_t c);
bool is_word(char32_t c);
// Python str.isprintable() for one code point (what repr() leaves unescaped).
bool is_printable(char32_t c);
// Python str.splitlines() line boundaries (\n \r \v \f \x1c-\x1e \x85 U+2028 U+2029).
bool is_line_break(char32_t c);

}  // namespace omni::jinja::unicode
