#include "engine/text_stream.h"

#include <algorithm>

#include "tokenizers/unicode.h"

namespace omni {

TextStream::TextStream(const Tokenizer* tokenizer, std::vector<std::string> stop)
    : stop_(std::move(stop)) {
  if (tokenizer) decoder_.emplace(*tokenizer, /*skip_special=*/true);
  std::erase_if(stop_, [](const std::string& s) { return s.empty(); });
  for (const auto& s : stop_) max_stop_ = std::max(max_stop_, s.size());
}

void TextStream::release_up_to(size_t end, std::string* released) {
  if (end > released_) {
    released->append(text_, released_, end - released_);
    released_ = end;
  }
}

bool TextStream::push(int32_t id, std::string* released) {
  if (!decoder_) return false;
  text_ += decoder_->push(id);
  // A stop string ends the text where it starts; only a match that overlaps unreleased text is
  // new.
  size_t cut = std::string::npos;
  for (const auto& s : stop_) {
    const size_t from = released_ >= s.size() ? released_ - s.size() + 1 : 0;
    const size_t at = text_.find(s, from);
    if (at != std::string::npos) cut = std::min(cut, at);
  }
  if (cut != std::string::npos) {
    text_.resize(cut);
    release_up_to(cut, released);
    return true;
  }
  // Hold back what could still begin a stop string, without splitting a character.
  size_t safe = text_.size() >= max_stop_ ? text_.size() - (max_stop_ ? max_stop_ - 1 : 0) : 0;
  safe = unicode::complete_utf8_prefix(std::string_view(text_).substr(0, safe));
  release_up_to(std::max(safe, released_), released);
  return false;
}

void TextStream::finish(std::string* released) {
  if (decoder_) text_ += decoder_->flush();
  release_up_to(text_.size(), released);
}

}  // namespace omni
