// Unicode for tokenizers: UTF-8 conversion, general categories, case mapping and the NFC / NFD
// normalization forms, from the Unicode Character Database (tables in unicode_tables.inc).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace omni::unicode {

// General category, one value per Unicode two-letter category.
enum class Category : uint8_t {
  Cn,
  Lu,
  Ll,
  Lt,
  Lm,
  Lo,
  Mn,
  Mc,
  Me,
  Nd,
  Nl,
  No,
  Pc,
  Pd,
  Ps,
  Pe,
  Pi,
  Pf,
  Po,
  Sm,
  Sc,
  Sk,
  So,
  Zs,
  Zl,
  Zp,
  Cc,
  Cf,
  Cs,
  Co,
};

Category category(uint32_t cp);
inline bool is_letter(Category c) {
  return c >= Category::Lu && c <= Category::Lo;
}
inline bool is_mark(Category c) {
  return c >= Category::Mn && c <= Category::Me;
}
inline bool is_number(Category c) {
  return c >= Category::Nd && c <= Category::No;
}
inline bool is_punctuation(Category c) {
  return c >= Category::Pc && c <= Category::Po;
}
inline bool is_symbol(Category c) {
  return c >= Category::Sm && c <= Category::So;
}
inline bool is_separator(Category c) {
  return c >= Category::Zs && c <= Category::Zp;
}
inline bool is_control(Category c) {
  return c >= Category::Cc;
}  // Cc, Cf, Cs, Co
bool is_white_space(uint32_t cp);  // the White_Space property
uint32_t to_lower(uint32_t cp);    // simple lowercase mapping

// UTF-8. Decoding never fails: each byte that does not start a valid sequence (overlong,
// surrogate, truncated, beyond U+10FFFF) decodes as U+FFFD and consumes one byte.
uint32_t decode_utf8(std::string_view s, size_t* pos);
std::vector<uint32_t> decode_utf8(std::string_view s);
void append_utf8(uint32_t cp, std::string* out);
std::string encode_utf8(const std::vector<uint32_t>& cps);
// Length of the longest prefix of s that does not end inside an incomplete but so far valid
// multi-byte sequence (what a streaming decoder may emit now).
size_t complete_utf8_prefix(std::string_view s);
bool is_valid_utf8(std::string_view s);

// Canonical normalization forms.
std::vector<uint32_t> nfd(const std::vector<uint32_t>& cps);
std::vector<uint32_t> nfc(const std::vector<uint32_t>& cps);
std::string nfc(std::string_view utf8);

}  // namespace omni::unicode
