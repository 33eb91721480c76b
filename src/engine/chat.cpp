#include "engine/chat.h"

namespace omni {

StatusOr<std::string> render_chat(const TextModel& model, const std::vector<ChatMessage>& messages,
                                  bool add_generation_prompt) {
  std::string out;
  for (const ChatMessage& m : messages)
    out += "<|im_start|>" + m.role + "\n" + m.content + "<|im_end|>\n";
  if (add_generation_prompt) out += "<|im_start|>assistant\n";
  return out;
}

std::vector<int32_t> encode_prompt(const Tokenizer& tok, const std::string& text, bool templated) {
  std::vector<int32_t> ids;
  const int32_t bos = tok.spec().bos_id;
  std::vector<int32_t> body = tok.encode(text, /*parse_special=*/templated);
  if (tok.spec().add_bos && bos >= 0 && (body.empty() || body[0] != bos)) ids.push_back(bos);
  ids.insert(ids.end(), body.begin(), body.end());
  return ids;
}

}  // namespace omni
