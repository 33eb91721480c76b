#include "engine/chat.h"

#include "tokenizers/jinja/chat_template.h"

namespace omni {

StatusOr<std::string> render_chat(const TextModel& model, const std::vector<ChatMessage>& messages,
                                  bool add_generation_prompt) {
  if (model.chat_template().empty()) {
    std::string out;
    for (const ChatMessage& m : messages)
      out += "<|im_start|>" + m.role + "\n" + m.content + "<|im_end|>\n";
    if (add_generation_prompt) out += "<|im_start|>assistant\n";
    return out;
  }
  auto tmpl = jinja::Template::parse(model.chat_template());
  if (!tmpl.ok()) return tmpl.status().with_context("the model's chat template");
  jinja::ChatTemplateInputs in;
  for (const ChatMessage& m : messages)
    in.messages.push_back({{"role", m.role}, {"content", m.content}});
  in.add_generation_prompt = add_generation_prompt;
  if (const Tokenizer* t = model.tokenizer()) {
    in.bos_token = std::string(t->token_bytes(t->spec().bos_id));
    in.eos_token = std::string(t->token_bytes(t->spec().eos_id));
  }
  auto text = jinja::render_chat(*tmpl, in);
  if (!text.ok()) return text.status().with_context("the model's chat template");
  return text;
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
