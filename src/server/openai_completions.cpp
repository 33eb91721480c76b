// POST /v1/chat/completions and POST /v1/completions: a request becomes n generations on the
// scheduler; their events become one JSON response or an SSE stream of chunks.
#include <nlohmann/json.hpp>
#include <random>

#include "engine/chat.h"
#include "server/openai_requests.h"
#include "server/openai_server.h"

namespace omni::server {

using json = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

namespace {

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string random_id(const char* prefix) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string id = prefix;
  for (int i = 0; i < 24; ++i) id += kAlphabet[rng() % (sizeof kAlphabet - 1)];
  return id;
}

// One choice: a generation and what it has produced.
struct Choice {
  int index = 0;
  std::shared_ptr<Generation> generation;
  std::string text;
  std::vector<TokenChoice> tokens;
  std::string finish_reason;
  GenerationUsage usage;
  bool done = false;
  Clock::time_point last_token;
};

// Callbacks of drive(): on_step for each event with a token or text, on_done when a choice ends.
// Returning false from either means the client is gone.
struct DriveCallbacks {
  std::function<bool(Choice&, const GenerationEvent&)> on_step;
  std::function<bool(Choice&)> on_done;
};

enum class DriveResult { kFinished, kClientGone, kError };

// Pumps the choices' events until all are done, the client disconnects (every generation is then
// cancelled at once) or the engine reports an error (*error set).
DriveResult drive(OpenAiServer& server, OpenAiServer::RequestContext& ctx,
                  std::vector<Choice>& choices, HttpExchange& ex, const DriveCallbacks& cb,
                  Status* error) {
  auto cancel_all = [&] {
    for (Choice& c : choices) c.generation->cancel();
  };
  const auto wait =
      choices.size() == 1 ? std::chrono::milliseconds(50) : std::chrono::milliseconds(2);
  size_t remaining = choices.size();
  std::vector<GenerationEvent> events;
  auto last_peer_check = Clock::now();
  while (remaining > 0) {
    bool got_any = false;
    for (Choice& c : choices) {
      if (c.done) continue;
      events.clear();
      if (!c.generation->wait(&events, wait)) continue;
      got_any = true;
      for (GenerationEvent& e : events) {
        if (e.kind == GenerationEvent::Kind::kError) {
          *error = e.error;
          cancel_all();
          return DriveResult::kError;
        }
        const auto now = Clock::now();
        if (e.kind == GenerationEvent::Kind::kStep) {
          if (c.tokens.empty() && c.index == 0) {
            ctx.ttft_ms = std::chrono::duration<double, std::milli>(now - ctx.start).count();
            server.metrics().time_to_first_token.observe(ctx.ttft_ms / 1000.0);
          } else if (!c.tokens.empty()) {
            server.metrics().inter_token_latency.observe(
                std::chrono::duration<double>(now - c.last_token).count());
          }
          c.last_token = now;
          c.tokens.push_back(e.token);
        }
        c.text += e.text;
        if (!cb.on_step(c, e)) {
          cancel_all();
          return DriveResult::kClientGone;
        }
        if (e.kind == GenerationEvent::Kind::kDone) {
          c.done = true;
          c.finish_reason = e.finish_reason;
          c.usage = e.usage;
          --remaining;
          if (!cb.on_done(c)) {
            cancel_all();
            return DriveResult::kClientGone;
          }
        }
      }
    }
    // A client that hangs up cancels its generation at once, even before anything is written.
    if (!got_any || Clock::now() - last_peer_check > std::chrono::milliseconds(50)) {
      last_peer_check = Clock::now();
      if (ex.peer_closed()) {
        cancel_all();
        return DriveResult::kClientGone;
      }
    }
  }
  return DriveResult::kFinished;
}

json usage_json(const std::vector<Choice>& choices) {
  int64_t completion = 0;
  for (const Choice& c : choices) completion += c.usage.completion_tokens;
  const GenerationUsage& first = choices.front().usage;
  json u;
  u["prompt_tokens"] = first.prompt_tokens;
  u["completion_tokens"] = completion;
  u["total_tokens"] = first.prompt_tokens + completion;
  u["prompt_tokens_details"] = {{"cached_tokens", first.cached_tokens}, {"audio_tokens", 0}};
  u["completion_tokens_details"] = {{"reasoning_tokens", 0},
                                    {"audio_tokens", 0},
                                    {"accepted_prediction_tokens", 0},
                                    {"rejected_prediction_tokens", 0}};
  return u;
}

json token_bytes_json(std::string_view bytes) {
  json arr = json::array();
  for (unsigned char b : bytes) arr.push_back(int(b));
  return arr;
}

// Chat logprobs entries ({token, logprob, bytes, top_logprobs}) for `tokens`.
json chat_logprobs(const Tokenizer& tok, std::span<const TokenChoice> tokens) {
  json content = json::array();
  for (const TokenChoice& t : tokens) {
    const std::string_view bytes = tok.token_bytes(t.id);
    json entry;
    entry["token"] = std::string(bytes);
    entry["logprob"] = t.logprob;
    entry["bytes"] = token_bytes_json(bytes);
    entry["top_logprobs"] = json::array();
    for (const auto& [id, lp] : t.top) {
      const std::string_view b = tok.token_bytes(id);
      entry["top_logprobs"].push_back(
          {{"token", std::string(b)}, {"logprob", lp}, {"bytes", token_bytes_json(b)}});
    }
    content.push_back(std::move(entry));
  }
  return json{{"content", std::move(content)}, {"refusal", nullptr}};
}

// Legacy completions logprobs ({tokens, token_logprobs, top_logprobs, text_offset}).
json legacy_logprobs(const Tokenizer& tok, std::span<const TokenChoice> tokens, size_t offset) {
  json l;
  l["tokens"] = json::array();
  l["token_logprobs"] = json::array();
  l["top_logprobs"] = json::array();
  l["text_offset"] = json::array();
  for (const TokenChoice& t : tokens) {
    const std::string bytes(tok.token_bytes(t.id));
    l["tokens"].push_back(bytes);
    l["token_logprobs"].push_back(t.logprob);
    json top = json::object();
    for (const auto& [id, lp] : t.top) top[std::string(tok.token_bytes(id))] = lp;
    l["top_logprobs"].push_back(std::move(top));
    l["text_offset"].push_back(offset);
    offset += bytes.size();
  }
  return l;
}

// Submits one generation per (prompt, n); on failure cancels those already submitted.
std::variant<std::vector<Choice>, ApiError> submit_all(
    OpenAiServer& server, const CompletionParams& p,
    const std::vector<std::vector<int32_t>>& prompts) {
  std::vector<Choice> choices;
  uint64_t seed = p.sampling.seed;
  if (!p.seed_given) seed = std::random_device{}() ^ (uint64_t(std::random_device{}()) << 32);
  for (const auto& prompt : prompts) {
    for (int i = 0; i < p.n; ++i) {
      GenerationRequest g;
      g.prompt = prompt;
      g.sampling = p.sampling;
      g.sampling.seed = seed + uint64_t(choices.size());
      g.max_tokens = p.max_tokens;
      g.stop = p.stop;
      auto submitted = server.scheduler().submit(std::move(g));
      if (!submitted.ok()) {
        for (Choice& c : choices) c.generation->cancel();
        return api_error_from_status(submitted.status());
      }
      Choice c;
      c.index = int(choices.size());
      c.generation = std::move(*submitted);
      choices.push_back(std::move(c));
    }
  }
  return choices;
}

bool model_matches(OpenAiServer& server, OpenAiServer::RequestContext& ctx, HttpExchange& ex,
                   const std::string& model) {
  ctx.model = model;
  if (server.model() && model == server.options().model_id) return true;
  ApiError e;
  e.http_status = 404;
  e.code = "model_not_found";
  e.param = "model";
  e.message = server.model() ? "The model '" + model +
                                   "' does not exist; this server's text "
                                   "model is '" +
                                   server.options().model_id + "' (GET /v1/models)"
                             : "The model '" + model +
                                   "' does not exist; this server has no "
                                   "text model (start omni serve with -m MODEL)";
  send_error(ctx, ex, e);
  return false;
}

// The common part of both endpoints: drive the choices and answer, as a stream or at once.
// `chunk(choice, text, tokens, finish_reason)` makes a streamed choice object and `whole(choice)`
// a final one; `object` names the response object.
struct Shape {
  std::string id, object, chunk_object;
  std::function<json(const Choice&, const std::string& text, std::span<const TokenChoice> tokens,
                     const char* finish_reason)>
      chunk_choice;
  std::function<json(const Choice&)> whole_choice;
  std::function<json(const Choice&)> first_chunk_choice;  // may be null
};

void respond(OpenAiServer& server, OpenAiServer::RequestContext& ctx, HttpExchange& ex,
             const CompletionParams& p, std::vector<Choice>& choices, const Shape& shape) {
  const int64_t created = unix_now();
  auto envelope = [&](const char* object) {
    json j;
    j["id"] = shape.id;
    j["object"] = object;
    j["created"] = created;
    j["model"] = p.model;
    j["system_fingerprint"] = server.system_fingerprint();
    return j;
  };
  auto record = [&] {
    ctx.prompt_tokens = choices.front().usage.prompt_tokens;
    ctx.cached_tokens = choices.front().usage.cached_tokens;
    for (const Choice& c : choices) ctx.completion_tokens += c.usage.completion_tokens;
    ctx.finish_reason = choices.front().finish_reason;
  };
  Status error;
  if (!p.stream) {
    DriveCallbacks cb{[](Choice&, const GenerationEvent&) { return true; },
                      [](Choice&) { return true; }};
    const DriveResult r = drive(server, ctx, choices, ex, cb, &error);
    if (r == DriveResult::kClientGone) {
      ctx.status = 499;  // client closed the request
      ctx.finish_reason = "client_gone";
      return;
    }
    if (r == DriveResult::kError) return send_error(ctx, ex, api_error_from_status(error));
    for (const Choice& c : choices) {
      if (c.finish_reason == "cancelled") {
        ApiError e;
        e.http_status = 503;
        e.type = "server_error";
        e.message = "the server is shutting down; the request was cancelled";
        return send_error(ctx, ex, e);
      }
    }
    record();
    json body = envelope(shape.object.c_str());
    body["choices"] = json::array();
    for (const Choice& c : choices) body["choices"].push_back(shape.whole_choice(c));
    body["usage"] = usage_json(choices);
    ex.respond(200, "application/json", dump(body), {{"x-request-id", ctx.id}});
    return;
  }

  // Streaming: every chunk has the same id and created; usage: null on each when include_usage.
  auto send_chunk = [&](json choice) {
    json j = envelope(shape.chunk_object.c_str());
    j["choices"] = json::array({std::move(choice)});
    if (p.include_usage) j["usage"] = nullptr;
    return ex.write("data: " + dump(j) + "\n\n");
  };
  if (!ex.begin_stream(200, "text/event-stream",
                       {{"x-request-id", ctx.id}, {"connection", "keep-alive"}})) {
    for (Choice& c : choices) c.generation->cancel();
    ctx.status = 499;
    return;
  }
  if (shape.first_chunk_choice) {
    for (const Choice& c : choices) {
      if (!send_chunk(shape.first_chunk_choice(c))) {
        for (Choice& c2 : choices) c2.generation->cancel();
        ctx.status = 499;
        return;
      }
    }
  }
  bool cancelled = false;
  DriveCallbacks cb;
  cb.on_step = [&](Choice& c, const GenerationEvent& e) {
    const bool has_token = e.kind == GenerationEvent::Kind::kStep;
    if (e.text.empty() && !(has_token && p.logprobs)) return true;
    std::span<const TokenChoice> tokens;
    if (has_token && p.logprobs) tokens = std::span<const TokenChoice>(&e.token, 1);
    return send_chunk(shape.chunk_choice(c, e.text, tokens, nullptr));
  };
  cb.on_done = [&](Choice& c) {
    if (c.finish_reason == "cancelled") {
      cancelled = true;
      return true;
    }
    return send_chunk(shape.chunk_choice(c, "", {}, c.finish_reason.c_str()));
  };
  const DriveResult r = drive(server, ctx, choices, ex, cb, &error);
  if (r == DriveResult::kClientGone) {
    ctx.status = 499;
    ctx.finish_reason = "client_gone";
    return;
  }
  if (r == DriveResult::kError || cancelled) {
    // Headers are gone already: the error travels as an SSE event, as OpenAI's SDKs expect.
    ApiError e = r == DriveResult::kError ? api_error_from_status(error) : ApiError{};
    if (cancelled) {
      e.type = "server_error";
      e.code = "server_shutting_down";
      e.message = "the server is shutting down; the stream was cancelled";
    }
    ctx.status = 500;
    ctx.finish_reason = "error";
    ex.write("data: " + error_body(e) + "\n\n");
    ex.end_stream();
    return;
  }
  record();
  if (p.include_usage) {
    json j = envelope(shape.chunk_object.c_str());
    j["choices"] = json::array();
    j["usage"] = usage_json(choices);
    ex.write("data: " + dump(j) + "\n\n");
  }
  ex.write("data: [DONE]\n\n");
  ex.end_stream();
}

}  // namespace

void handle_chat_completions(OpenAiServer& server, OpenAiServer::RequestContext& ctx,
                             const HttpRequest& req, HttpExchange& ex) {
  auto parsed = parse_chat_completion_request(req.body);
  if (auto* e = std::get_if<ApiError>(&parsed)) return send_error(ctx, ex, *e);
  ChatCompletionRequest& r = std::get<ChatCompletionRequest>(parsed);
  if (!model_matches(server, ctx, ex, r.params.model)) return;
  const TextModel& model = *server.model();
  const Tokenizer* tok = model.tokenizer();
  if (!tok) return send_error(ctx, ex, invalid_param("model", "the model has no tokenizer"));
  auto rendered = render_chat(model, r.messages, /*add_generation_prompt=*/true);
  if (!rendered.ok()) {
    return send_error(ctx, ex,
                      invalid_param("messages", "the chat template rejected the conversation: " +
                                                    rendered.status().message()));
  }
  auto submitted = submit_all(server, r.params, {encode_prompt(*tok, *rendered, true)});
  if (auto* e = std::get_if<ApiError>(&submitted)) return send_error(ctx, ex, *e);
  std::vector<Choice>& choices = std::get<std::vector<Choice>>(submitted);

  const bool logprobs = r.params.logprobs;
  Shape shape;
  shape.id = random_id("chatcmpl-");
  shape.object = "chat.completion";
  shape.chunk_object = "chat.completion.chunk";
  shape.first_chunk_choice = [&](const Choice& c) {
    json j;
    j["index"] = c.index;
    j["delta"] = {{"role", "assistant"}, {"content", ""}, {"refusal", nullptr}};
    j["logprobs"] = nullptr;
    j["finish_reason"] = nullptr;
    return j;
  };
  shape.chunk_choice = [&](const Choice& c, const std::string& text,
                           std::span<const TokenChoice> tokens, const char* finish) {
    json j;
    j["index"] = c.index;
    j["delta"] = finish ? json::object() : json{{"content", text}};
    j["logprobs"] = logprobs && !finish ? chat_logprobs(*tok, tokens) : json();
    j["finish_reason"] = finish ? json(finish) : json();
    return j;
  };
  shape.whole_choice = [&](const Choice& c) {
    json j;
    j["index"] = c.index;
    j["message"] = {{"role", "assistant"},
                    {"content", c.text},
                    {"refusal", nullptr},
                    {"annotations", json::array()}};
    j["logprobs"] = logprobs ? chat_logprobs(*tok, c.tokens) : json();
    j["finish_reason"] = c.finish_reason;
    return j;
  };
  respond(server, ctx, ex, r.params, choices, shape);
}

void handle_text_completions(OpenAiServer& server, OpenAiServer::RequestContext& ctx,
                             const HttpRequest& req, HttpExchange& ex) {
  const int32_t n_vocab = server.model() ? int32_t(server.model()->n_vocab()) : 0;
  auto parsed = parse_text_completion_request(req.body, n_vocab);
  if (auto* e = std::get_if<ApiError>(&parsed)) return send_error(ctx, ex, *e);
  TextCompletionRequest& r = std::get<TextCompletionRequest>(parsed);
  if (!model_matches(server, ctx, ex, r.params.model)) return;
  const Tokenizer* tok = server.model()->tokenizer();
  std::vector<std::vector<int32_t>> prompts;
  std::vector<std::string> prompt_texts;
  for (const auto& p : r.prompts) {
    if (const auto* text = std::get_if<std::string>(&p)) {
      if (!tok) return send_error(ctx, ex, invalid_param("prompt", "the model has no tokenizer"));
      prompts.push_back(encode_prompt(*tok, *text, false));
      if (prompts.back().empty())
        return send_error(ctx, ex, invalid_param("prompt", "the prompt is empty"));
      prompt_texts.push_back(*text);
    } else {
      prompts.push_back(std::get<std::vector<int32_t>>(p));
      prompt_texts.push_back(tok ? tok->decode(prompts.back()) : "");
    }
  }
  auto submitted = submit_all(server, r.params, prompts);
  if (auto* e = std::get_if<ApiError>(&submitted)) return send_error(ctx, ex, *e);
  std::vector<Choice>& choices = std::get<std::vector<Choice>>(submitted);

  const bool logprobs = r.params.logprobs && tok;
  const int n = r.params.n;
  auto echo_of = [&](const Choice& c) {
    return r.echo ? prompt_texts[size_t(c.index / n)] : std::string();
  };
  Shape shape;
  shape.id = random_id("cmpl-");
  shape.object = "text_completion";
  shape.chunk_object = "text_completion";
  if (r.echo) {
    shape.first_chunk_choice = [&](const Choice& c) {
      return json{{"text", echo_of(c)},
                  {"index", c.index},
                  {"logprobs", nullptr},
                  {"finish_reason", nullptr}};
    };
  }
  shape.chunk_choice = [&](const Choice& c, const std::string& text,
                           std::span<const TokenChoice> tokens, const char* finish) {
    const size_t offset = c.text.size() - text.size();
    return json{{"text", text},
                {"index", c.index},
                {"logprobs", logprobs && !finish ? legacy_logprobs(*tok, tokens, offset) : json()},
                {"finish_reason", finish ? json(finish) : json()}};
  };
  shape.whole_choice = [&](const Choice& c) {
    const std::string echo = echo_of(c);
    return json{{"text", echo + c.text},
                {"index", c.index},
                {"logprobs", logprobs ? legacy_logprobs(*tok, c.tokens, echo.size()) : json()},
                {"finish_reason", c.finish_reason}};
  };
  respond(server, ctx, ex, r.params, choices, shape);
}

}  // namespace omni::server
