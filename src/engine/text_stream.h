// Sampled tokens to final text (control tokens such as <|im_end|> are not text), for streaming:
// text is released only when it can no longer
// change — never part of a UTF-8 character, never text that might still turn out to be the start
// of a stop string — and a stop string ends the text where it begins (it is not part of it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tokenizers/tokenizer.h"

namespace omni {

class TextStream {
 public:
  // Without a tokenizer there is no text: push() releases nothing and never stops.
  TextStream(const Tokenizer* tokenizer, std::vector<std::string> stop);

  // Adds a generated token; appends the text that became final to *released. Returns true when a
  // stop string now ends the text (push must not be called again).
  bool push(int32_t id, std::string* released);
  // The end of generation without a stop string: releases whatever was held back.
  void finish(std::string* released);

  const std::string& text() const { return text_; }  // all text so far (released or held)

 private:
  void release_up_to(size_t end, std::string* released);

  std::optional<StreamingDecoder> decoder_;
  std::vector<std::string> stop_;
  size_t max_stop_ = 0;
  std::string text_;
  size_t released_ = 0;  // bytes of text_ released so far
};

}  // namespace omni
