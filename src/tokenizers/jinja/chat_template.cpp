#include "tokenizers/jinja/chat_template.h"

namespace omni::jinja {

StatusOr<Value> chat_context(const ChatTemplateInputs& inputs) {
  if (!inputs.messages.is_array()) return InvalidArgument("chat messages must be a JSON array");
  if (!inputs.extra.is_null() && !inputs.extra.is_object())
    return InvalidArgument("extra chat template inputs must be a JSON object");
  Value::Pairs pairs;
  pairs.emplace_back(Value::string("messages"), Value::from_json(inputs.messages));
  pairs.emplace_back(Value::string("tools"), Value::from_json(inputs.tools));
  pairs.emplace_back(Value::string("documents"), Value::none());
  pairs.emplace_back(Value::string("add_generation_prompt"),
                     Value::boolean(inputs.add_generation_prompt));
  pairs.emplace_back(Value::string("bos_token"), Value::string(inputs.bos_token));
  pairs.emplace_back(Value::string("eos_token"), Value::string(inputs.eos_token));
  if (inputs.extra.is_object()) {
    for (auto it = inputs.extra.begin(); it != inputs.extra.end(); ++it) {
      const std::string& key = it.key();
      if (key == "messages" || key == "tools" || key == "documents" ||
          key == "add_generation_prompt")
        return InvalidArgument("extra chat template input '%s' collides with a standard input",
                               key.c_str());
      Value v = Value::from_json(it.value());
      bool replaced = false;
      for (auto& [k, existing] : pairs) {
        if (k.str() == key) {
          existing = v;
          replaced = true;
        }
      }
      if (!replaced) pairs.emplace_back(Value::string(key), std::move(v));
    }
  }
  return Value::dict(std::move(pairs));
}

StatusOr<std::string> render_chat(const Template& tmpl, const ChatTemplateInputs& inputs,
                                  const RenderOptions& options) {
  OMNI_ASSIGN_OR_RETURN(Value context, chat_context(inputs));
  return tmpl.render(context, options);
}

}  // namespace omni::jinja
