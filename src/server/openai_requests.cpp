#include "server/openai_requests.h"

#include <cmath>
#include <nlohmann/json.hpp>

namespace omni::server {

using json = nlohmann::json;

namespace {

// Thrown inside the parsers only, caught at their edge.
struct ParamError {
  ApiError error;
};

[[noreturn]] void fail(const std::string& param, const std::string& message) {
  throw ParamError{invalid_param(param, message)};
}

const char* type_name(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::string:
      return "a string";
    case json::value_t::array:
      return "an array";
    case json::value_t::object:
      return "an object";
    default:
      return "a number";
  }
}

// The field if present and not null.
const json* field(const json& obj, const char* name) {
  auto it = obj.find(name);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

double number(const json& obj, const char* name, double fallback, double lo, double hi) {
  const json* v = field(obj, name);
  if (!v) return fallback;
  if (!v->is_number())
    fail(name, std::string("'") + name + "' must be a number, not " + type_name(*v));
  const double x = v->get<double>();
  if (!std::isfinite(x) || x < lo || x > hi) {
    char msg[160];
    std::snprintf(msg, sizeof msg, "'%s' must be between %g and %g, got %g", name, lo, hi, x);
    fail(name, msg);
  }
  return x;
}

int64_t integer(const json& obj, const char* name, int64_t fallback, int64_t lo, int64_t hi) {
  const json* v = field(obj, name);
  if (!v) return fallback;
  if (!v->is_number_integer() &&
      !(v->is_number_float() && std::floor(v->get<double>()) == v->get<double>()))
    fail(name, std::string("'") + name + "' must be an integer, not " + type_name(*v));
  const double x = v->get<double>();
  if (x < double(lo) || x > double(hi)) {
    fail(name, std::string("'") + name + "' must be between " + std::to_string(lo) + " and " +
                   std::to_string(hi) + ", got " + v->dump());
  }
  return v->is_number_unsigned() ? int64_t(v->get<uint64_t>() & 0x7fffffffffffffffull)
                                 : v->get<int64_t>();
}

bool boolean(const json& obj, const char* name, bool fallback) {
  const json* v = field(obj, name);
  if (!v) return fallback;
  if (!v->is_boolean())
    fail(name, std::string("'") + name + "' must be a boolean, not " + type_name(*v));
  return v->get<bool>();
}

json parse_object(const std::string& body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    throw ParamError{invalid_param("",
                                   "the request body is not valid JSON; send a JSON object "
                                   "with Content-Type: application/json")};
  }
  if (!j.is_object())
    fail("", std::string("the request body must be a JSON object, not ") + type_name(j));
  return j;
}

void parse_common(const json& j, CompletionParams& p, bool chat) {
  const json* model = field(j, "model");
  if (!model) fail("model", "you must provide a model parameter");
  if (!model->is_string()) fail("model", "'model' must be a string");
  p.model = model->get<std::string>();

  SamplingParams& s = p.sampling;
  // OpenAI's sampling: temperature and nucleus only (no top-k or min-p).
  s.top_k = 0;
  s.min_p = 0.0f;
  s.repeat_penalty = 1.0f;
  s.temperature = float(number(j, "temperature", 1.0, 0.0, 2.0));
  s.top_p = float(number(j, "top_p", 1.0, 0.0, 1.0));
  s.presence_penalty = float(number(j, "presence_penalty", 0.0, -2.0, 2.0));
  s.frequency_penalty = float(number(j, "frequency_penalty", 0.0, -2.0, 2.0));
  if (const json* seed = field(j, "seed")) {
    if (!seed->is_number_integer()) fail("seed", "'seed' must be an integer");
    s.seed = seed->is_number_unsigned() ? seed->get<uint64_t>() : uint64_t(seed->get<int64_t>());
    p.seed_given = true;
  }
  if (const json* bias = field(j, "logit_bias")) {
    if (!bias->is_object())
      fail("logit_bias", "'logit_bias' must be an object of token id -> bias");
    for (const auto& [key, value] : bias->items()) {
      char* end = nullptr;
      const long id = std::strtol(key.c_str(), &end, 10);
      if (key.empty() || *end || id < 0 || id > INT32_MAX)
        fail("logit_bias", "logit_bias keys must be token ids, got '" + key + "'");
      if (!value.is_number() || value.get<double>() < -100 || value.get<double>() > 100)
        fail("logit_bias", "logit_bias values must be numbers between -100 and 100");
      s.logit_bias.emplace_back(int32_t(id), value.get<float>());
    }
  }

  const char* cap = chat ? "max_completion_tokens" : "max_tokens";
  int64_t max_tokens = integer(j, "max_tokens", chat ? -1 : 16, 1, INT32_MAX);
  max_tokens = integer(j, cap, max_tokens, 1, INT32_MAX);
  p.max_tokens = int(max_tokens);

  if (const json* stop = field(j, "stop")) {
    if (stop->is_string()) {
      p.stop.push_back(stop->get<std::string>());
    } else if (stop->is_array()) {
      if (stop->size() > 4) fail("stop", "'stop' takes at most 4 sequences");
      for (const auto& s : *stop) {
        if (!s.is_string()) fail("stop", "'stop' must be a string or an array of strings");
        p.stop.push_back(s.get<std::string>());
      }
    } else {
      fail("stop", "'stop' must be a string or an array of strings");
    }
  }
  p.n = int(integer(j, "n", 1, 1, 128));
  p.stream = boolean(j, "stream", false);
  if (const json* so = field(j, "stream_options")) {
    if (!so->is_object()) fail("stream_options", "'stream_options' must be an object");
    if (!p.stream) fail("stream_options", "stream_options is only allowed when 'stream' is true");
    p.include_usage = boolean(*so, "include_usage", false);
  }
  if (chat) {
    p.logprobs = boolean(j, "logprobs", false);
    p.top_logprobs = int(integer(j, "top_logprobs", 0, 0, 20));
    if (field(j, "top_logprobs") && !p.logprobs)
      fail("top_logprobs", "'top_logprobs' requires 'logprobs' to be true");
  } else if (const json* lp = field(j, "logprobs")) {  // legacy: an integer 0..5
    if (!lp->is_number_integer()) fail("logprobs", "'logprobs' must be an integer from 0 to 5");
    p.logprobs = true;
    p.top_logprobs = int(integer(j, "logprobs", 0, 0, 5));
  }
  p.sampling.n_top_logprobs = p.logprobs ? p.top_logprobs : 0;
  if (const json* user = field(j, "user"); user && !user->is_string())
    fail("user", "'user' must be a string");
}

// Text of a message's content: a string, or an array of text parts.
std::string content_text(const json& content, const std::string& param, bool allow_refusal) {
  if (content.is_string()) return content.get<std::string>();
  if (!content.is_array()) fail(param, "content must be a string or an array of content parts");
  std::string text;
  for (size_t i = 0; i < content.size(); ++i) {
    const json& part = content[i];
    const std::string at = param + "[" + std::to_string(i) + "]";
    if (!part.is_object() || !part.contains("type") || !part["type"].is_string())
      fail(at + ".type", "each content part must be an object with a 'type'");
    const std::string type = part["type"].get<std::string>();
    if (type == "text" || (allow_refusal && type == "refusal")) {
      const char* key = type == "text" ? "text" : "refusal";
      if (!part.contains(key) || !part[key].is_string())
        fail(at + "." + key, std::string("a ") + type + " part needs a string '" + key + "'");
      text += part[key].get<std::string>();
    } else if (type == "image_url" || type == "input_audio" || type == "file") {
      fail(at + ".type", "content parts of type '" + type +
                             "' are not supported by this model; it reads text only");
    } else {
      fail(at + ".type", "unknown content part type '" + type + "'");
    }
  }
  return text;
}

}  // namespace

std::variant<ChatCompletionRequest, ApiError> parse_chat_completion_request(
    const std::string& body) {
  try {
    const json j = parse_object(body);
    ChatCompletionRequest r;
    parse_common(j, r.params, /*chat=*/true);
    const json* messages = field(j, "messages");
    if (!messages) fail("messages", "you must provide a messages parameter");
    if (!messages->is_array()) fail("messages", "'messages' must be an array");
    if (messages->empty()) fail("messages", "'messages' must contain at least one message");
    for (size_t i = 0; i < messages->size(); ++i) {
      const json& m = (*messages)[i];
      const std::string at = "messages[" + std::to_string(i) + "]";
      if (!m.is_object()) fail(at, "each message must be an object");
      const json* role = field(m, "role");
      if (!role || !role->is_string()) fail(at + ".role", "each message needs a string 'role'");
      std::string r_name = role->get<std::string>();
      static const char* const kRoles[] = {"system",    "developer", "user",
                                           "assistant", "tool",      "function"};
      if (std::find(std::begin(kRoles), std::end(kRoles), r_name) == std::end(kRoles)) {
        fail(at + ".role", "'" + r_name +
                               "' is not one of 'system', 'developer', 'user', 'assistant', "
                               "'tool', 'function'");
      }
      const json* content = field(m, "content");
      ChatMessage msg;
      msg.role = r_name == "developer" ? "system" : r_name == "function" ? "tool" : r_name;
      if (content) {
        msg.content = content_text(*content, at + ".content", r_name == "assistant");
      } else if (r_name != "assistant" || (!field(m, "tool_calls") && !field(m, "function_call"))) {
        fail(at + ".content", "a " + r_name + " message needs 'content'");
      }
      if (r_name == "tool" && !field(m, "tool_call_id"))
        fail(at + ".tool_call_id", "a tool message needs 'tool_call_id'");
      r.messages.push_back(std::move(msg));
    }
    return r;
  } catch (const ParamError& e) {
    return e.error;
  } catch (const json::exception& e) {
    return invalid_param("", std::string("invalid request: ") + e.what());
  }
}

std::variant<TextCompletionRequest, ApiError> parse_text_completion_request(const std::string& body,
                                                                            int32_t n_vocab) {
  try {
    const json j = parse_object(body);
    TextCompletionRequest r;
    parse_common(j, r.params, /*chat=*/false);
    r.echo = boolean(j, "echo", false);
    const json* prompt = field(j, "prompt");
    if (!prompt) fail("prompt", "you must provide a prompt parameter");
    auto token_list = [&](const json& arr) {
      std::vector<int32_t> ids;
      for (const auto& t : arr) {
        if (!t.is_number_integer() || t.get<int64_t>() < 0 || t.get<int64_t>() >= n_vocab)
          fail("prompt",
               "token ids in 'prompt' must be integers from 0 to " + std::to_string(n_vocab - 1));
        ids.push_back(int32_t(t.get<int64_t>()));
      }
      if (ids.empty()) fail("prompt", "a token prompt must not be empty");
      return ids;
    };
    if (prompt->is_string()) {
      r.prompts.emplace_back(prompt->get<std::string>());
    } else if (prompt->is_array() && !prompt->empty() && (*prompt)[0].is_number()) {
      r.prompts.emplace_back(token_list(*prompt));
    } else if (prompt->is_array() && !prompt->empty()) {
      for (const auto& p : *prompt) {
        if (p.is_string()) {
          r.prompts.emplace_back(p.get<std::string>());
        } else if (p.is_array()) {
          r.prompts.emplace_back(token_list(p));
        } else {
          fail("prompt", "'prompt' must be a string, an array of strings, or token ids");
        }
      }
    } else {
      fail("prompt", "'prompt' must be a string, an array of strings, or token ids");
    }
    if (field(j, "suffix")) fail("suffix", "'suffix' (insertion) is not supported by this model");
    return r;
  } catch (const ParamError& e) {
    return e.error;
  } catch (const json::exception& e) {
    return invalid_param("", std::string("invalid request: ") + e.what());
  }
}

}  // namespace omni::server
