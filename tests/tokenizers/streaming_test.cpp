#include <gtest/gtest.h>

#include "tokenizers/tiktoken.h"
#include "tokenizers/unicode.h"

namespace omni {
namespace {

// Token by token, the decoder's output is always valid UTF-8 and adds up to the whole text, even
// where one character is split across tokens (emoji, Hindi, Korean under cl100k).
TEST(StreamingDecoder, NeverEmitsBrokenCharacters) {
  auto tok = load_tiktoken("cl100k_base");
  ASSERT_TRUE(tok.ok()) << tok.status().to_string();
  const std::string text = "Hello 🦙🚀 नमस्ते 안녕하세요 😶‍🌫️ done";
  const std::vector<int32_t> ids = (*tok)->encode(text);
  StreamingDecoder dec(**tok);
  std::string joined;
  int split_characters = 0;
  for (int32_t id : ids) {
    const std::string piece = dec.push(id);
    EXPECT_TRUE(unicode::is_valid_utf8(piece)) << "token " << id;
    if (!unicode::is_valid_utf8((*tok)->token_bytes(id))) ++split_characters;
    joined += piece;
  }
  joined += dec.flush();
  EXPECT_EQ(joined, text);
  EXPECT_GT(split_characters, 0) << "the test text should contain characters split across tokens";
}

TEST(StreamingDecoder, FlushReplacesAnUnfinishedCharacter) {
  auto tok = load_tiktoken("cl100k_base");
  ASSERT_TRUE(tok.ok());
  const std::vector<int32_t> ids = (*tok)->encode("🦙");
  ASSERT_GT(ids.size(), 1u);
  StreamingDecoder dec(**tok);
  EXPECT_EQ(dec.push(ids[0]), "");
  const std::string rest = dec.flush();  // the held bytes, each shown as U+FFFD
  EXPECT_TRUE(unicode::is_valid_utf8(rest));
  EXPECT_EQ(rest.rfind("\xef\xbf\xbd", 0), 0u);
}

}  // namespace
}  // namespace omni
