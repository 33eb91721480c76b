// Rendering a chat template the way Hugging Face transformers' apply_chat_template does: the
// template sees `messages`, `tools` (None when there are none), `documents` (None),
// `add_generation_prompt`, `bos_token`, `eos_token`, and any extra keyword arguments
// (e.g. `enable_thinking` for Qwen3).
#pragma once

#include <ctime>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "tokenizers/jinja/template.h"
#include "tokenizers/jinja/value.h"

namespace omni::jinja {

// JSON inputs keep their key order (ordered_json): `tojson` prints dicts in insertion order, so a
// tool schema must reach the template in the order the caller wrote it to render byte-identically.
struct ChatTemplateInputs {
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  nlohmann::ordered_json tools;  // null when there are none
  bool add_generation_prompt = false;
  std::string bos_token;
  std::string eos_token;
  // More template variables, e.g. {"enable_thinking": false}. They may replace bos_token and
  // eos_token; the other standard names are reserved (Python would raise a TypeError).
  nlohmann::ordered_json extra = nlohmann::ordered_json::object();
};

// The context dict the template is rendered with.
StatusOr<Value> chat_context(const ChatTemplateInputs& inputs);

StatusOr<std::string> render_chat(const Template& tmpl, const ChatTemplateInputs& inputs,
                                  const RenderOptions& options = {});

}  // namespace omni::jinja
