// Prompt assembly for chat: a conversation rendered with the model's chat template
// (tokenizer.chat_template), then tokenized with special tokens recognized.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "models/text/text_model.h"

namespace omni {

struct ChatMessage {
  std::string role;  // system, user, assistant, tool
  std::string content;
};

// The conversation as the model expects to read it, rendered with its chat template (the
// Jinja2 subset of src/tokenizers/jinja, with the environment Hugging Face uses), ending with the
// assistant's turn opened when add_generation_prompt. Models without a template get ChatML
// (<|im_start|>role ... <|im_end|>).
StatusOr<std::string> render_chat(const TextModel& model, const std::vector<ChatMessage>& messages,
                                  bool add_generation_prompt = true);

// Token ids of a prompt. A rendered template already carries its special tokens as text (they are
// parsed); BOS is added when the vocabulary asks for it and the text does not begin with it.
std::vector<int32_t> encode_prompt(const Tokenizer& tokenizer, const std::string& text,
                                   bool templated);

}  // namespace omni
