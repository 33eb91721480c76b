#include "tokenizers/jinja/pystr.h"

#include <algorithm>

#include "tokenizers/jinja/unicode.h"

namespace omni::jinja::pystr {
namespace {

bool in_set(char32_t c, const std::u32string& set) {
  return set.find(c) != std::u32string::npos;
}

}  // namespace

std::string strip(std::string_view s, const std::optional<std::string>& chars, bool left,
                  bool right) {
  const std::u32string u = unicode::to_u32(s);
  const std::u32string set = chars ? unicode::to_u32(*chars) : std::u32string();
  auto strip_it = [&](char32_t c) { return chars ? in_set(c, set) : unicode::is_space(c); };
  size_t b = 0, e = u.size();
  if (left)
    while (b < e && strip_it(u[b])) ++b;
  if (right)
    while (e > b && strip_it(u[e - 1])) --e;
  return unicode::to_u8(std::u32string_view(u).substr(b, e - b));
}

std::vector<std::string> split(std::string_view s, const std::optional<std::string>& sep,
                               int64_t maxsplit) {
  std::vector<std::string> out;
  if (sep) {
    size_t pos = 0;
    while (maxsplit < 0 || static_cast<int64_t>(out.size()) < maxsplit) {
      const size_t hit = s.find(*sep, pos);
      if (hit == std::string_view::npos) break;
      out.emplace_back(s.substr(pos, hit - pos));
      pos = hit + sep->size();
    }
    out.emplace_back(s.substr(pos));
    return out;
  }
  const std::u32string u = unicode::to_u32(s);
  size_t i = 0;
  const size_t n = u.size();
  while (i < n) {
    while (i < n && unicode::is_space(u[i])) ++i;
    if (i == n) break;
    if (maxsplit >= 0 && static_cast<int64_t>(out.size()) >= maxsplit) {
      out.push_back(unicode::to_u8(std::u32string_view(u).substr(i)));
      break;
    }
    size_t j = i;
    while (j < n && !unicode::is_space(u[j])) ++j;
    out.push_back(unicode::to_u8(std::u32string_view(u).substr(i, j - i)));
    i = j;
  }
  return out;
}

std::vector<std::string> rsplit(std::string_view s, const std::optional<std::string>& sep,
                                int64_t maxsplit) {
  std::vector<std::string> out;
  if (sep) {
    size_t end = s.size();
    while (maxsplit < 0 || static_cast<int64_t>(out.size()) < maxsplit) {
      if (end < sep->size()) break;
      const size_t hit = s.rfind(*sep, end - sep->size());
      if (hit == std::string_view::npos) break;
      out.emplace_back(s.substr(hit + sep->size(), end - hit - sep->size()));
      end = hit;
    }
    out.emplace_back(s.substr(0, end));
    std::reverse(out.begin(), out.end());
    return out;
  }
  const std::u32string u = unicode::to_u32(s);
  size_t j = u.size();
  while (j > 0) {
    while (j > 0 && unicode::is_space(u[j - 1])) --j;
    if (j == 0) break;
    if (maxsplit >= 0 && static_cast<int64_t>(out.size()) >= maxsplit) {
      out.push_back(unicode::to_u8(std::u32string_view(u).substr(0, j)));
      break;
    }
    size_t i = j;
    while (i > 0 && !unicode::is_space(u[i - 1])) --i;
    out.push_back(unicode::to_u8(std::u32string_view(u).substr(i, j - i)));
    j = i;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

std::vector<std::string> splitlines(std::string_view s, bool keepends) {
  std::vector<std::string> out;
  const std::u32string u = unicode::to_u32(s);
  size_t start = 0;
  for (size_t i = 0; i < u.size();) {
    if (!unicode::is_line_break(u[i])) {
      ++i;
      continue;
    }
    size_t eol = i + 1;
    if (u[i] == '\r' && eol < u.size() && u[eol] == '\n') ++eol;
    const size_t end = keepends ? eol : i;
    out.push_back(unicode::to_u8(std::u32string_view(u).substr(start, end - start)));
    start = i = eol;
  }
  if (start < u.size()) out.push_back(unicode::to_u8(std::u32string_view(u).substr(start)));
  return out;
}

std::string replace(std::string_view s, std::string_view old, std::string_view repl,
                    int64_t count) {
  std::string out;
  if (old.empty()) {
    int64_t done = 0;
    size_t i = 0;
    while (i <= s.size()) {
      if (count < 0 || done < count) {
        out += repl;
        ++done;
      }
      if (i == s.size()) break;
      const size_t start = i;
      unicode::decode(s, i);
      out += s.substr(start, i - start);
    }
    return out;
  }
  size_t pos = 0;
  int64_t done = 0;
  while (count < 0 || done < count) {
    const size_t hit = s.find(old, pos);
    if (hit == std::string_view::npos) break;
    out += s.substr(pos, hit - pos);
    out += repl;
    pos = hit + old.size();
    ++done;
  }
  out += s.substr(pos);
  return out;
}

std::string title(std::string_view s) {
  std::string out;
  bool prev_cased = false;
  for (size_t i = 0; i < s.size();) {
    const char32_t c = unicode::decode(s, i);
    if (prev_cased) {
      unicode::append(out, unicode::to_lower(c));
    } else {
      unicode::append(out, unicode::to_title(c));
    }
    prev_cased = unicode::is_cased(c);
  }
  return out;
}

std::string capitalize(std::string_view s) {
  std::string out;
  bool first = true;
  for (size_t i = 0; i < s.size();) {
    const char32_t c = unicode::decode(s, i);
    unicode::append(out, first ? unicode::to_title(c) : unicode::to_lower(c));
    first = false;
  }
  return out;
}

std::string swapcase(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    const char32_t c = unicode::decode(s, i);
    unicode::append(out, unicode::is_upper(c) ? unicode::to_lower(c) : unicode::to_upper(c));
  }
  return out;
}

std::string pad(std::string_view s, int64_t width, std::string_view fill, Align align) {
  const int64_t len = static_cast<int64_t>(unicode::length(s));
  if (width <= len) return std::string(s);
  const int64_t marg = width - len;
  int64_t left = 0;
  switch (align) {
    case Align::kLeft:
      left = 0;
      break;
    case Align::kRight:
      left = marg;
      break;
    case Align::kCenter:
      left = marg / 2 + (marg & width & 1);
      break;
  }
  std::string out;
  for (int64_t i = 0; i < left; ++i) out += fill;
  out += s;
  for (int64_t i = 0; i < marg - left; ++i) out += fill;
  return out;
}

int64_t find(std::string_view s, std::string_view sub, bool from_right) {
  const size_t hit = from_right ? s.rfind(sub) : s.find(sub);
  if (hit == std::string_view::npos) return -1;
  return static_cast<int64_t>(unicode::length(s.substr(0, hit)));
}

int64_t count(std::string_view s, std::string_view sub) {
  if (sub.empty()) return static_cast<int64_t>(unicode::length(s)) + 1;
  int64_t n = 0;
  for (size_t pos = s.find(sub); pos != std::string_view::npos; pos = s.find(sub, pos + sub.size()))
    ++n;
  return n;
}

std::string substr(std::string_view s, std::optional<int64_t> start, std::optional<int64_t> end) {
  const std::u32string u = unicode::to_u32(s);
  const int64_t n = static_cast<int64_t>(u.size());
  auto clamp = [n](int64_t i) {
    if (i < 0) i += n;
    return std::clamp<int64_t>(i, 0, n);
  };
  const int64_t b = start ? clamp(*start) : 0;
  const int64_t e = end ? clamp(*end) : n;
  if (e <= b) return {};
  return unicode::to_u8(std::u32string_view(u).substr(b, e - b));
}

bool all_of(std::string_view s, CharClass cls) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size();) {
    const char32_t c = unicode::decode(s, i);
    bool ok = false;
    switch (cls) {
      case CharClass::kAlpha:
        ok = unicode::is_alpha(c);
        break;
      case CharClass::kDigit:
        ok = unicode::is_digit(c);
        break;
      case CharClass::kAlnum:
        ok = unicode::is_alpha(c) || unicode::is_digit(c);
        break;
      case CharClass::kSpace:
        ok = unicode::is_space(c);
        break;
    }
    if (!ok) return false;
  }
  return true;
}

bool is_lower(std::string_view s) {
  bool cased = false;
  for (size_t i = 0; i < s.size();) {
    const char32_t c = unicode::decode(s, i);
    if (unicode::is_upper(c)) return false;
    if (unicode::is_lower(c)) cased = true;
  }
  return cased;
}

bool is_upper(std::string_view s) {
  bool cased = false;
  for (size_t i = 0; i < s.size();) {
    const char32_t c = unicode::decode(s, i);
    if (unicode::is_lower(c)) return false;
    if (unicode::is_upper(c)) cased = true;
  }
  return cased;
}

}  // namespace omni::jinja::pystr
