#include <gtest/gtest.h>

#include <cstdio>
#include <sstream>

#include "tokenizers/unicode.h"

namespace omni {
namespace {

using unicode::decode_utf8;
using unicode::encode_utf8;

std::vector<uint32_t> parse_cps(const std::string& field) {
  std::vector<uint32_t> cps;
  std::istringstream in(field);
  std::string hex;
  while (in >> hex) cps.push_back(uint32_t(std::stoul(hex, nullptr, 16)));
  return cps;
}

// The Unicode Consortium's conformance test for the normalization forms (every line, part 1
// included): c2 == NFC(c1) == NFC(c2) == NFC(c3), c4 == NFC(c4) == NFC(c5), c3 == NFD(c1..c3),
// c5 == NFD(c4) == NFD(c5).
TEST(Unicode, NormalizationConformance) {
  FILE* f = popen("bzcat /usr/share/unicode/NormalizationTest.txt.bz2", "r");
  ASSERT_NE(f, nullptr) << "needs bzcat and the unicode-data package (setup.sh installs it)";
  char buf[4096];
  int lines = 0, failures = 0;
  while (std::fgets(buf, sizeof(buf), f)) {
    std::string line = buf;
    if (line.empty() || line[0] == '#' || line[0] == '@') continue;
    std::vector<std::vector<uint32_t>> c;
    size_t pos = 0;
    for (int k = 0; k < 5; ++k) {
      const size_t semi = line.find(';', pos);
      if (semi == std::string::npos) break;
      c.push_back(parse_cps(line.substr(pos, semi - pos)));
      pos = semi + 1;
    }
    if (c.size() != 5) continue;
    ++lines;
    const bool ok = unicode::nfc(c[0]) == c[1] && unicode::nfc(c[1]) == c[1] &&
                    unicode::nfc(c[2]) == c[1] && unicode::nfc(c[3]) == c[3] &&
                    unicode::nfc(c[4]) == c[3] && unicode::nfd(c[0]) == c[2] &&
                    unicode::nfd(c[1]) == c[2] && unicode::nfd(c[2]) == c[2] &&
                    unicode::nfd(c[3]) == c[4] && unicode::nfd(c[4]) == c[4];
    if (!ok && ++failures <= 10) ADD_FAILURE() << "NormalizationTest line: " << line;
  }
  pclose(f);
  EXPECT_GT(lines, 18000);
  EXPECT_EQ(failures, 0);
  std::printf("  %d normalization test lines, %d failures\n", lines, failures);
}

TEST(Unicode, Utf8DecodingNeverFails) {
  EXPECT_EQ(decode_utf8("a\xc3\xa9"), (std::vector<uint32_t>{'a', 0xe9}));
  EXPECT_EQ(decode_utf8("\xff"), (std::vector<uint32_t>{0xfffd}));
  EXPECT_EQ(decode_utf8("\xc0\xaf"), (std::vector<uint32_t>{0xfffd, 0xfffd}));  // overlong
  EXPECT_EQ(decode_utf8("\xed\xa0\x80"),
            (std::vector<uint32_t>{0xfffd, 0xfffd, 0xfffd}));                   // surrogate
  EXPECT_EQ(decode_utf8("\xe2\x82"), (std::vector<uint32_t>{0xfffd, 0xfffd}));  // truncated
  EXPECT_EQ(encode_utf8({0x1f680, 0x41}),
            "\xf0\x9f\x9a\x80"
            "A");
  EXPECT_TRUE(unicode::is_valid_utf8("\xef\xbf\xbd ok"));
  EXPECT_FALSE(unicode::is_valid_utf8("\x80"));
}

TEST(Unicode, CompletePrefixHoldsBackOnlyAnUnfinishedCharacter) {
  EXPECT_EQ(unicode::complete_utf8_prefix("ab"), 2u);
  EXPECT_EQ(unicode::complete_utf8_prefix("a\xf0\x9f"), 1u);
  EXPECT_EQ(unicode::complete_utf8_prefix("a\xf0\x9f\x9a\x80"), 5u);
  EXPECT_EQ(unicode::complete_utf8_prefix("\xe2"), 0u);
}

TEST(Unicode, CategoriesAndCase) {
  EXPECT_EQ(unicode::category('A'), unicode::Category::Lu);
  EXPECT_EQ(unicode::category(0xD55C), unicode::Category::Lo);  // 한
  EXPECT_EQ(unicode::category(0x0301), unicode::Category::Mn);
  EXPECT_EQ(unicode::category(0x0662), unicode::Category::Nd);
  EXPECT_EQ(unicode::category(0x10FFFF), unicode::Category::Cn);
  EXPECT_TRUE(unicode::is_white_space(0x3000));
  EXPECT_FALSE(unicode::is_white_space(0x200B));
  EXPECT_EQ(unicode::to_lower(0x0130), 0x69u);
  EXPECT_EQ(unicode::to_lower(0x0411), 0x0431u);
}

}  // namespace
}  // namespace omni
