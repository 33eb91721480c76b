#include <gtest/gtest.h>

#include "engine/chat.h"
#include "models/synth/synth.h"
#include "test_util.h"

namespace omni {
namespace {

// A model carrying Qwen2.5's vocabulary and chat template (from the shared vocab GGUF): the
// conversation is rendered by that template and tokenized with its special tokens.
TEST(Chat, RendersTheModelsTemplateAndTokenizesSpecialTokens) {
  SynthOptions o;
  o.arch = "qwen2";
  o.type = "q8_0";
  o.vocab_path = test::shared_data("tokenizers/vocab-qwen25.gguf");
  o.out_path = test::process_tmp_path("chat-qwen25.gguf");
  ThreadPool pool(2);
  ASSERT_TRUE(synth_text_model(o, pool).ok());
  auto model = TextModel::load(o.out_path);
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  ASSERT_FALSE((*model)->chat_template().empty());
  auto text = render_chat(**model, {{"user", "안녕하세요"}}, true);
  ASSERT_TRUE(text.ok()) << text.status().to_string();
  EXPECT_EQ(*text,
            "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful "
            "assistant.<|im_end|>\n"
            "<|im_start|>user\n안녕하세요<|im_end|>\n<|im_start|>assistant\n");
  const std::vector<int32_t> ids = encode_prompt(*(*model)->tokenizer(), *text, true);
  ASSERT_GT(ids.size(), 4u);
  EXPECT_EQ(ids[0], 151644);  // <|im_start|> as one token
  EXPECT_EQ(ids[ids.size() - 3], 151644);
  EXPECT_EQ(ids.back(), 198);  // "\n"
}

}  // namespace
}  // namespace omni
