// omni run -m MODEL [-p PROMPT] [-n N] [-t THREADS] [--temp T] [--seed S] [--chat] [--json] ...
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>

#include "args.h"
#include "base/mapped_file.h"
#include "chat_format.h"
#include "commands.h"
#include "engine/generate.h"

namespace omni::cli {
namespace {

constexpr const char* kUsage =
    "usage: omni run -m MODEL.gguf [-p PROMPT] [-n N] [-t THREADS] [--temp T] [--seed S] [--chat] "
    "[--json]\n"
    "  -p PROMPT        text to continue (with --chat: the user's message); without -p and with\n"
    "                   --chat, an interactive chat that keeps the session between turns\n"
    "  -n N             most tokens to generate (default 128; 0 evaluates the prompt only)\n"
    "  --temp T         temperature (default 0.8; 0 = greedy)   --seed S   random seed\n"
    "  --top-k K --top-p P --min-p P --repeat-penalty R --presence-penalty X --frequency-penalty "
    "X\n"
    "  --stop TEXT      stop before TEXT (may repeat)   --ctx N   context size (default 4096)\n"
    "  --kv-type T      key/value cache elements: f16 (default) or f32\n"
    "  --json           print {\"prompt_ids\", \"ids\", \"steps\": [{\"id\", \"logprob\", "
    "\"top\"}]} instead of text\n"
    "  --prompt-ids \"ID ID ...\"   start from token ids instead of text\n"
    "  --logits-out FILE          write the prompt's logits, float32 [n_prompt, n_vocab]\n";

int fail(const Status& s) {
  std::fprintf(stderr, "omni: error: %s\n", s.to_string().c_str());
  return 1;
}

std::string json_ids(const std::vector<int32_t>& ids) {
  std::string s = "[";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(ids[i]);
  }
  return s + "]";
}

std::string json_float(float v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6g", double(v));
  return buf;
}

}  // namespace

int run_run_command(int argc, char** argv) {
  const std::vector<OptionSpec> specs = {
      {{"-m", "--model"}, true, ""},
      {{"-p", "--prompt"}, true, ""},
      {{"-n", "--n-predict"}, true, ""},
      {{"-t", "--threads"}, true, ""},
      {{"--temp"}, true, ""},
      {{"--seed"}, true, ""},
      {{"--top-k"}, true, ""},
      {{"--top-p"}, true, ""},
      {{"--min-p"}, true, ""},
      {{"--repeat-penalty"}, true, ""},
      {{"--presence-penalty"}, true, ""},
      {{"--frequency-penalty"}, true, ""},
      {{"--stop"}, true, ""},
      {{"--ctx"}, true, ""},
      {{"--kv-type"}, true, ""},
      {{"--chat"}, false, ""},
      {{"--json"}, false, ""},
      {{"--prompt-ids"}, true, ""},
      {{"--logits-out"}, true, ""},
      {{"-h", "--help"}, false, ""},
  };
  auto args = Args::parse(argc, argv, 2, specs);
  if (!args.ok()) return fail(args.status());
  if (args->has("-h") || args->get("-m").empty()) {
    std::fputs(kUsage, args->has("-h") ? stdout : stderr);
    return args->has("-h") ? 0 : 2;
  }
  auto n_predict = args->get_int("-n", 128);
  auto threads = args->get_int("-t", int64_t(std::max(1u, std::thread::hardware_concurrency())));
  auto ctx = args->get_int("--ctx", 4096);
  auto seed = args->get_int("--seed", 0x5eed);
  auto temp = args->get_float("--temp", 0.8);
  auto top_k = args->get_int("--top-k", 40);
  auto top_p = args->get_float("--top-p", 0.95);
  auto min_p = args->get_float("--min-p", 0.05);
  auto rep = args->get_float("--repeat-penalty", 1.0);
  auto pres = args->get_float("--presence-penalty", 0.0);
  auto freq = args->get_float("--frequency-penalty", 0.0);
  for (const Status* s : {&n_predict.status(), &threads.status(), &ctx.status(), &seed.status(),
                          &temp.status(), &top_k.status(), &top_p.status(), &min_p.status(),
                          &rep.status(), &pres.status(), &freq.status()}) {
    if (!s->ok()) return fail(*s);
  }
  if (*threads < 1 || *threads > 1024)
    return fail(InvalidArgument("-t must be between 1 and 1024"));
  auto kv_type = parse_kv_type(args->get("--kv-type", "f16"));
  if (!kv_type.ok()) return fail(kv_type.status());

  auto model = TextModel::load(args->get("-m"));
  if (!model.ok()) return fail(model.status());
  const Tokenizer* tok = (*model)->tokenizer();
  ThreadPool pool{int(*threads)};
  SessionOptions so;
  so.n_ctx = *ctx;
  so.kv_type = *kv_type;
  TextSession session(**model, so, pool);

  SamplingParams sp;
  sp.temperature = float(*temp);
  sp.top_k = int(*top_k);
  sp.top_p = float(*top_p);
  sp.min_p = float(*min_p);
  sp.repeat_penalty = float(*rep);
  sp.presence_penalty = float(*pres);
  sp.frequency_penalty = float(*freq);
  sp.seed = uint64_t(*seed);
  sp.n_top_logprobs = 5;
  GenerateOptions go;
  go.max_tokens = int(*n_predict);
  if (args->has("--stop")) go.stop.push_back(args->get("--stop"));
  const bool json = args->has("--json");

  // The prompt as token ids.
  std::vector<int32_t> prompt;
  if (args->has("--prompt-ids")) {
    std::string s = args->get("--prompt-ids");
    for (char& c : s) {
      if (c == ',' || c == '[' || c == ']') c = ' ';
    }
    size_t pos = 0;
    while (pos < s.size()) {
      while (pos < s.size() && s[pos] == ' ') ++pos;
      if (pos >= s.size()) break;
      size_t used = 0;
      int v = 0;
      try {
        v = std::stoi(s.substr(pos), &used);
      } catch (...) {
        return fail(InvalidArgument("--prompt-ids: '%s' is not a list of integers",
                                    args->get("--prompt-ids").c_str()));
      }
      prompt.push_back(v);
      pos += used;
    }
  } else if (args->has("--chat")) {
    if (!tok)
      return fail(
          InvalidArgument("%s has no tokenizer; --chat needs one", args->get("-m").c_str()));
    if (!args->has("-p")) return run_interactive_chat(**model, session, sp, go);
    auto rendered = render_chat_prompt(**model, {{"user", args->get("-p")}});
    if (!rendered.ok()) return fail(rendered.status());
    prompt = encode_prompt(*tok, *rendered, /*templated=*/true);
  } else {
    if (!tok)
      return fail(
          InvalidArgument("%s has no tokenizer; give --prompt-ids", args->get("-m").c_str()));
    prompt = encode_prompt(*tok, args->get("-p"), /*templated=*/false);
  }
  if (prompt.empty()) return fail(InvalidArgument("the prompt is empty"));

  if (args->has("--logits-out")) {
    std::vector<float> logits;
    auto st = session.set_tokens(prompt, &logits);
    if (!st.ok()) return fail(st.status());
    Status w =
        write_file_atomic(args->get("--logits-out"), logits.data(), logits.size() * sizeof(float));
    if (!w.ok()) return fail(w);
  }
  Sampler sampler(sp);
  auto result =
      generate(session, prompt, sampler, go, [&](std::string_view text, const TokenChoice&) {
        if (!json) {
          std::fwrite(text.data(), 1, text.size(), stdout);
          std::fflush(stdout);
        }
        return true;
      });
  if (!result.ok()) return fail(result.status());
  if (json) {
    std::vector<int32_t> ids;
    std::string steps;
    for (const TokenChoice& c : result->steps) {
      ids.push_back(c.id);
      std::string top;
      for (const auto& [id, lp] : c.top)
        top += std::string(top.empty() ? "" : ",") + "[" + std::to_string(id) + "," +
               json_float(lp) + "]";
      steps += std::string(steps.empty() ? "" : ",") + "{\"id\":" + std::to_string(c.id) +
               ",\"logprob\":" + json_float(c.logprob) + ",\"top\":[" + top + "]}";
    }
    std::printf("{\"prompt_ids\":%s,\"ids\":%s,\"steps\":[%s]}\n", json_ids(prompt).c_str(),
                json_ids(ids).c_str(), steps.c_str());
  } else {
    std::printf("\n");
  }
  return 0;
}

}  // namespace omni::cli
