#include "server/openai_requests.h"

#include <gtest/gtest.h>

namespace omni::server {
namespace {

ChatCompletionRequest chat_ok(const std::string& body) {
  auto r = parse_chat_completion_request(body);
  if (auto* e = std::get_if<ApiError>(&r)) ADD_FAILURE() << e->param << ": " << e->message;
  return std::holds_alternative<ChatCompletionRequest>(r) ? std::get<ChatCompletionRequest>(r)
                                                          : ChatCompletionRequest{};
}

ApiError chat_error(const std::string& body) {
  auto r = parse_chat_completion_request(body);
  EXPECT_TRUE(std::holds_alternative<ApiError>(r)) << body;
  return std::holds_alternative<ApiError>(r) ? std::get<ApiError>(r) : ApiError{};
}

TEST(OpenAiRequests, ChatFieldsBecomeNativeTypes) {
  const ChatCompletionRequest r = chat_ok(R"({
    "model": "m", "temperature": 0.25, "top_p": 0.5, "max_completion_tokens": 7, "stop": "END",
    "seed": 9, "n": 2, "presence_penalty": 1.5, "frequency_penalty": -0.5,
    "logit_bias": {"42": -100, "7": 3}, "logprobs": true, "top_logprobs": 4, "user": "u",
    "stream": true, "stream_options": {"include_usage": true}, "metadata": {"k": "v"},
    "messages": [{"role": "developer", "content": "be brief"},
                 {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]},
                 {"role": "assistant", "content": null, "tool_calls": [{"id": "c"}]},
                 {"role": "tool", "content": "r", "tool_call_id": "c"}]})");
  EXPECT_EQ(r.params.model, "m");
  EXPECT_FLOAT_EQ(r.params.sampling.temperature, 0.25f);
  EXPECT_FLOAT_EQ(r.params.sampling.top_p, 0.5f);
  EXPECT_EQ(r.params.sampling.top_k, 0);  // OpenAI sampling: no top-k or min-p
  EXPECT_EQ(r.params.sampling.min_p, 0.0f);
  EXPECT_EQ(r.params.max_tokens, 7);
  EXPECT_EQ(r.params.stop, std::vector<std::string>{"END"});
  EXPECT_EQ(r.params.sampling.seed, 9u);
  EXPECT_TRUE(r.params.seed_given);
  EXPECT_EQ(r.params.n, 2);
  EXPECT_FLOAT_EQ(r.params.sampling.presence_penalty, 1.5f);
  EXPECT_FLOAT_EQ(r.params.sampling.frequency_penalty, -0.5f);
  ASSERT_EQ(r.params.sampling.logit_bias.size(), 2u);
  EXPECT_EQ(r.params.sampling.n_top_logprobs, 4);
  EXPECT_TRUE(r.params.stream && r.params.include_usage);
  ASSERT_EQ(r.messages.size(), 4u);
  EXPECT_EQ(r.messages[0].role, "system");  // developer is the system role to a template
  EXPECT_EQ(r.messages[1].content, "ab");
  EXPECT_EQ(r.messages[2].content, "");
  EXPECT_EQ(r.messages[3].role, "tool");
}

TEST(OpenAiRequests, DefaultsFollowTheApi) {
  const ChatCompletionRequest r =
      chat_ok(R"({"model":"m","messages":[{"role":"user","content":"x"}]})");
  EXPECT_FLOAT_EQ(r.params.sampling.temperature, 1.0f);
  EXPECT_FLOAT_EQ(r.params.sampling.top_p, 1.0f);
  EXPECT_EQ(r.params.max_tokens, -1);
  EXPECT_EQ(r.params.n, 1);
  EXPECT_FALSE(r.params.stream || r.params.logprobs || r.params.seed_given);
  auto legacy = parse_text_completion_request(R"({"model":"m","prompt":"x"})", 100);
  ASSERT_TRUE(std::holds_alternative<TextCompletionRequest>(legacy));
  EXPECT_EQ(std::get<TextCompletionRequest>(legacy).params.max_tokens, 16);  // legacy default
}

TEST(OpenAiRequests, ErrorsNameTheParameter) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"messages":[{"role":"user","content":"x"}]})", "model"},
      {R"({"model":"m"})", "messages"},
      {R"({"model":"m","messages":[]})", "messages"},
      {R"({"model":"m","messages":"hi"})", "messages"},
      {R"({"model":"m","messages":[{"content":"x"}]})", "messages[0].role"},
      {R"({"model":"m","messages":[{"role":"robot","content":"x"}]})", "messages[0].role"},
      {R"({"model":"m","messages":[{"role":"user"}]})", "messages[0].content"},
      {R"({"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]})",
       "messages[0].content[0].type"},
      {R"({"model":"m","messages":[{"role":"tool","content":"x"}]})", "messages[0].tool_call_id"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"temperature":2.5})",
       "temperature"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"temperature":"hot"})",
       "temperature"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"top_p":-0.1})", "top_p"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":0})", "max_tokens"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"n":0})", "n"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"stop":["a","b","c","d","e"]})",
       "stop"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"logit_bias":{"x":1}})",
       "logit_bias"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"logit_bias":{"1":101}})",
       "logit_bias"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"top_logprobs":3})",
       "top_logprobs"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"top_logprobs":21,"logprobs":true})",
       "top_logprobs"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"stream_options":{"include_usage":true}})",
       "stream_options"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"presence_penalty":3})",
       "presence_penalty"},
  };
  for (const auto& [body, param] : cases) {
    const ApiError e = chat_error(body);
    EXPECT_EQ(e.http_status, 400) << body;
    EXPECT_EQ(e.param, param) << body << " -> " << e.message;
    EXPECT_FALSE(e.message.empty());
  }
  for (const char* body : {"", "{", "[1,2]", "null", "{\"model\":\"m\",}", "\xff\xfe"}) {
    const ApiError e = chat_error(body);
    EXPECT_EQ(e.http_status, 400);
    EXPECT_FALSE(e.message.empty()) << body;
  }
}

TEST(OpenAiRequests, LegacyPrompts) {
  auto r = parse_text_completion_request(
      R"({"model":"m","prompt":["a",[1,2]],"echo":true,"logprobs":3})", 10);
  ASSERT_TRUE(std::holds_alternative<TextCompletionRequest>(r));
  const auto& t = std::get<TextCompletionRequest>(r);
  ASSERT_EQ(t.prompts.size(), 2u);
  EXPECT_EQ(std::get<std::string>(t.prompts[0]), "a");
  EXPECT_EQ(std::get<std::vector<int32_t>>(t.prompts[1]), (std::vector<int32_t>{1, 2}));
  EXPECT_TRUE(t.echo);
  EXPECT_EQ(t.params.top_logprobs, 3);
  auto bad = parse_text_completion_request(R"({"model":"m","prompt":[1,99]})", 10);
  ASSERT_TRUE(std::holds_alternative<ApiError>(bad));
  EXPECT_EQ(std::get<ApiError>(bad).param, "prompt");
}

TEST(OpenAiRequests, EngineStatusesMapToApiErrors) {
  EXPECT_EQ(api_error_from_status(OutOfRange("context_length_exceeded: too long")).code,
            "context_length_exceeded");
  EXPECT_EQ(api_error_from_status(Unavailable("queue full")).http_status, 429);
  EXPECT_EQ(api_error_from_status(Internal("boom")).http_status, 500);
  EXPECT_EQ(
      error_body(invalid_param("n", "bad n")),
      R"({"error":{"message":"bad n","type":"invalid_request_error","param":"n","code":null}})");
}

}  // namespace
}  // namespace omni::server
