// omni bench -m MODEL [-t 1,2] [-p 512] [-n 128] [-d 0] [-r 3] [-b 256] [--kv-type f16] [--json]
//
// Measures the text engine the way llama-bench does, so that the figures line up with it:
//   pp P: tokens/s evaluating a P-token prompt, in batches of -b tokens;
//   tg N: tokens/s generating N tokens, one token per forward pass;
// both after D tokens already in the cache (-d; "pp512 @ d4096"), from an empty cache by default.
// Each test starts with an untimed evaluation (warm-up: pages in the mapped weights; with -d, it
// fills the D tokens, which every timed run then keeps), then r timed runs; the table gives mean ±
// sample standard deviation of the per-run rates. Token ids are random (the time of a forward pass
// does not depend on them). Peak RSS is the process's, read from getrusage.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "args.h"
#include "commands.h"
#include "engine/session.h"
#include "kernels/cpu_features.h"
#include "kernels/kernels.h"

namespace omni::cli {
namespace {

constexpr const char* kUsage =
    "usage: omni bench -m MODEL.gguf [-t 1,2] [-p 512] [-n 128] [-d 0] [-r 3] [-b 256] [--json]\n"
    "  -t LIST   thread counts to test, comma-separated (default: 1 and this machine's cores)\n"
    "  -p LIST   prompt lengths (pp tests; 0 skips them; default 512)\n"
    "  -n LIST   generated tokens (tg tests; 0 skips them; default 128)\n"
    "  -d LIST   tokens already in the cache when each test starts (default 0)\n"
    "  -r R      timed runs per test, after a short untimed warm-up (default 3)\n"
    "  -b B      prompt tokens per forward pass (default 256: the same speed as 512 here, and\n"
    "            half the activation memory)\n"
    "  --kv-type T  key/value cache elements: f16 (default) or f32\n"
    "  --json    print a JSON array, one object per test, with llama-bench's field names\n"
    "            (n_prompt, n_gen, n_depth, n_threads, avg_ts, stddev_ts, model_size, type_k, "
    "...)\n";

int fail(const Status& s) {
  std::fprintf(stderr, "omni: error: %s\n", s.to_string().c_str());
  return 1;
}

StatusOr<std::vector<int64_t>> parse_list(const std::string& text, const char* option, int64_t lo) {
  std::vector<int64_t> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    const size_t comma = std::min(text.find(',', pos), text.size());
    const std::string item = text.substr(pos, comma - pos);
    char* end = nullptr;
    const long long v = std::strtoll(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || v < lo || v > 1000000)
      return InvalidArgument("%s: '%s' is not a comma-separated list of integers >= %lld", option,
                             text.c_str(), static_cast<long long>(lo));
    out.push_back(v);
    pos = comma + 1;
  }
  return out;
}

struct Test {
  int64_t n_prompt = 0, n_gen = 0, n_depth = 0;
  int n_threads = 1;
  std::vector<double> rates;  // tokens/s of each timed run
  double mean() const {
    double s = 0;
    for (double r : rates) s += r;
    return rates.empty() ? 0 : s / double(rates.size());
  }
  double stddev() const {
    if (rates.size() < 2) return 0;
    const double m = mean();
    double s = 0;
    for (double r : rates) s += (r - m) * (r - m);
    return std::sqrt(s / double(rates.size() - 1));
  }
  std::string name() const {
    return (n_prompt > 0 ? "pp" + std::to_string(n_prompt) : "tg" + std::to_string(n_gen)) +
           (n_depth > 0 ? " @ d" + std::to_string(n_depth) : "");
  }
};

// What the table and the JSON say about the model: parameters, and the matrix types by bytes.
struct ModelSummary {
  int64_t n_params = 0;
  std::string type;  // "qwen2 494M Q4_K+Q6_K"
};

ModelSummary summarize(const TextModel& m) {
  ModelSummary s;
  std::map<size_t, std::string, std::greater<>> by_bytes;
  std::map<std::string, size_t> bytes;
  auto add = [&](const TensorView& t) {
    s.n_params += t.n_elements();
    bytes[dtype_name(t.type)] += t.n_bytes();
  };
  add(m.token_embedding());
  if (m.output().data != m.token_embedding().data) add(m.output());
  for (const TextLayer& l : m.layers()) {
    for (const TensorView* t : {&l.wq, &l.wk, &l.wv, &l.wo, &l.w_gate, &l.w_up, &l.w_down}) add(*t);
    s.n_params += int64_t(l.attn_norm.size() + l.ffn_norm.size() + l.bq.size() + l.bk.size() +
                          l.bv.size() + l.q_norm.size() + l.k_norm.size());
  }
  s.n_params += int64_t(m.output_norm().size());
  for (const auto& [name, b] : bytes) by_bytes[b] = name;
  std::string types;
  for (const auto& [b, name] : by_bytes) types += (types.empty() ? "" : "+") + name;
  char params[32];
  if (s.n_params >= 1000000000)
    std::snprintf(params, sizeof(params), "%.2fB", double(s.n_params) / 1e9);
  else
    std::snprintf(params, sizeof(params), "%.0fM", double(s.n_params) / 1e6);
  s.type = std::string(m.arch().name) + " " + params + " " + types;
  return s;
}

// Random ids whose first token differs from the session's first, so nothing is reused.
std::vector<int32_t> random_tokens(std::mt19937& rng, int64_t n, int64_t n_vocab,
                                   const TextSession& session) {
  std::uniform_int_distribution<int32_t> dist(0, int32_t(n_vocab - 1));
  std::vector<int32_t> t(static_cast<size_t>(n));
  for (auto& id : t) id = dist(rng);
  if (!session.tokens().empty() && !t.empty() && t[0] == session.tokens()[0])
    t[0] = (t[0] + 1) % int32_t(n_vocab);
  return t;
}

// One timed evaluation after `depth` (the cache's first tokens, kept from the warm-up; empty: an
// empty cache): a prompt in one call, or generation one token at a time.
StatusOr<double> run_once(TextSession& session, const Test& test, std::span<const int32_t> depth,
                          std::mt19937& rng) {
  const int64_t n_vocab = session.model().n_vocab();
  using Clock = std::chrono::steady_clock;
  // Back to the depth tokens (untimed); their keys and values stay, only the last is evaluated.
  if (!depth.empty()) {
    if (auto st = session.set_tokens(depth); !st.ok()) return st.status();
  }
  // The first timed call: a fresh sequence, or more tokens after the depth.
  auto first = [&](std::span<const int32_t> t) {
    return depth.empty() ? session.set_tokens(t) : session.append(t);
  };
  if (test.n_prompt > 0) {
    const auto tokens = random_tokens(rng, test.n_prompt, n_vocab, session);
    const auto t0 = Clock::now();
    auto st = first(tokens);
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    if (!st.ok()) return st.status();
    return double(test.n_prompt) / s;
  }
  const auto tokens = random_tokens(rng, test.n_gen, n_vocab, session);
  const auto t0 = Clock::now();
  auto st = first(std::span<const int32_t>(tokens.data(), 1));
  if (!st.ok()) return st.status();
  for (int64_t i = 1; i < test.n_gen; ++i) {
    auto a = session.append(std::span<const int32_t>(&tokens[size_t(i)], 1));
    if (!a.ok()) return a.status();
  }
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  return double(test.n_gen) / s;
}

int64_t peak_rss_bytes() {
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  return int64_t(ru.ru_maxrss) * 1024;  // Linux reports KiB
}

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out;
}

// Bytes of the model's weight files: the GGUF or .safetensors file, or every .safetensors file
// of a Hugging Face directory; 0 when they cannot be read.
int64_t model_file_bytes(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(path, ec)) {
    const auto bytes = fs::file_size(path, ec);
    return ec ? 0 : int64_t(bytes);
  }
  int64_t total = 0;
  for (const fs::directory_entry& e : fs::directory_iterator(path, ec)) {
    if (e.path().extension() != ".safetensors") continue;
    const auto bytes = e.file_size(ec);
    if (!ec) total += int64_t(bytes);
  }
  return total;
}

}  // namespace

int run_bench_command(int argc, char** argv) {
  const std::vector<OptionSpec> specs = {
      {{"-m", "--model"}, true, ""},
      {{"-t", "--threads"}, true, ""},
      {{"-p", "--n-prompt"}, true, ""},
      {{"-n", "--n-gen"}, true, ""},
      {{"-d", "--n-depth"}, true, ""},
      {{"--kv-type"}, true, ""},
      {{"-r", "--repetitions"}, true, ""},
      {{"-b", "--batch-size"}, true, ""},
      {{"--json"}, false, ""},
      {{"-h", "--help"}, false, ""},
  };
  auto args = Args::parse(argc, argv, 2, specs);
  if (!args.ok()) return fail(args.status());
  if (args->has("-h") || args->get("-m").empty()) {
    std::fputs(kUsage, args->has("-h") ? stdout : stderr);
    return args->has("-h") ? 0 : 2;
  }
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  auto threads =
      parse_list(args->get("-t", cores > 1 ? "1," + std::to_string(cores) : "1"), "-t", 1);
  auto prompts = parse_list(args->get("-p", "512"), "-p", 0);
  auto gens = parse_list(args->get("-n", "128"), "-n", 0);
  auto depths = parse_list(args->get("-d", "0"), "-d", 0);
  auto kv_type = parse_kv_type(args->get("--kv-type", "f16"));
  auto reps = args->get_int("-r", 3);
  auto batch = args->get_int("-b", 256);
  for (const Status* s : {&threads.status(), &prompts.status(), &gens.status(), &depths.status(),
                          &reps.status(), &batch.status(), &kv_type.status()}) {
    if (!s->ok()) return fail(*s);
  }
  if (*reps < 1 || *reps > 1000) return fail(InvalidArgument("-r must be between 1 and 1000"));
  if (*batch < 1) return fail(InvalidArgument("-b must be at least 1"));
  for (int64_t t : *threads) {
    if (t > 1024) return fail(InvalidArgument("-t must be between 1 and 1024"));
  }

  const std::string path = args->get("-m");
  auto model = TextModel::load(path);
  if (!model.ok()) return fail(model.status());
  const ModelSummary summary = summarize(**model);
  const int64_t file_size = model_file_bytes(path);

  std::vector<Test> tests;
  for (int64_t t : *threads) {
    for (int64_t d : *depths) {
      for (int64_t p : *prompts) {
        if (p > 0) tests.push_back({p, 0, d, int(t), {}});
      }
      for (int64_t n : *gens) {
        if (n > 0) tests.push_back({0, n, d, int(t), {}});
      }
    }
  }
  if (tests.empty()) return fail(InvalidArgument("nothing to run: every -p and -n is 0"));
  const bool json = args->has("--json");
  if (!json) {
    std::printf("| %-32s | %10s | %8s | %7s | %14s | %20s |\n", "model", "size", "params",
                "threads", "test", "t/s");
    std::printf("| %s | %s | %s | %s | %s | %s |\n", std::string(32, '-').c_str(),
                "---------:", "-------:", "------:", "-------------:", "-------------------:");
  }

  std::mt19937 rng(1234);
  std::string out_json = "[";
  for (size_t i = 0; i < tests.size(); ++i) {
    Test& test = tests[i];
    ThreadPool pool(test.n_threads);
    SessionOptions so;
    so.n_ctx = test.n_depth + std::max(test.n_prompt, test.n_gen);
    so.n_batch = std::min(*batch, std::max<int64_t>(1, std::max(test.n_prompt, test.n_depth)));
    so.kv_type = *kv_type;
    TextSession session(**model, so, pool);
    if (session.n_ctx() < so.n_ctx)
      return fail(InvalidArgument("%s holds at most %lld tokens; test %s needs %lld", path.c_str(),
                                  static_cast<long long>(session.n_ctx()), test.name().c_str(),
                                  static_cast<long long>(so.n_ctx)));
    // Warm-up: one short evaluation reads every weight once (pages in the mapping, wakes the
    // threads); a full-length warm-up would add nothing to that. With a depth, it evaluates the
    // depth's tokens, which the timed runs keep.
    const std::vector<int32_t> depth =
        random_tokens(rng, test.n_depth, (*model)->n_vocab(), session);
    if (!depth.empty()) {
      if (auto st = session.set_tokens(depth); !st.ok()) return fail(st.status());
    }
    const Test warm{std::min<int64_t>(test.n_prompt, 8),
                    test.n_prompt > 0 ? 0 : 1,
                    test.n_depth,
                    test.n_threads,
                    {}};
    if (auto rate = run_once(session, warm, depth, rng); !rate.ok()) return fail(rate.status());
    for (int64_t r = 0; r < *reps; ++r) {
      auto rate = run_once(session, test, depth, rng);
      if (!rate.ok()) return fail(rate.status());
      test.rates.push_back(*rate);
    }
    if (json) {
      char buf[1024];
      std::snprintf(buf, sizeof(buf),
                    "%s\n  {\"model_filename\": \"%s\", \"model_type\": \"%s\", \"model_size\": "
                    "%lld, \"model_n_params\": %lld, \"cpu_info\": \"%s\", \"kernels\": \"%s\", "
                    "\"n_batch\": %lld, \"n_threads\": %d, \"type_k\": \"%s\", \"type_v\": \"%s\", "
                    "\"n_prompt\": %lld, \"n_gen\": %lld, \"n_depth\": %lld, "
                    "\"repetitions\": %lld, \"avg_ts\": %.6f, \"stddev_ts\": %.6f, "
                    "\"peak_rss_bytes\": %lld}",
                    i ? "," : "", json_escape(path).c_str(), json_escape(summary.type).c_str(),
                    static_cast<long long>(file_size), static_cast<long long>(summary.n_params),
                    json_escape(cpu_features().brand).c_str(), isa_name(select_kernels().isa),
                    static_cast<long long>(*batch), test.n_threads, dtype_name(*kv_type),
                    dtype_name(*kv_type), static_cast<long long>(test.n_prompt),
                    static_cast<long long>(test.n_gen), static_cast<long long>(test.n_depth),
                    static_cast<long long>(*reps), test.mean(), test.stddev(),
                    static_cast<long long>(peak_rss_bytes()));
      out_json += buf;
    } else {
      char size[32], params[32], rate[48];
      std::snprintf(size, sizeof(size), "%.2f MiB", double(file_size) / (1024.0 * 1024.0));
      std::snprintf(params, sizeof(params), "%.2fM", double(summary.n_params) / 1e6);
      std::snprintf(rate, sizeof(rate), "%.2f ± %.2f", test.mean(), test.stddev());
      // "±" is two bytes and one column: pad the rate column by one more byte.
      std::printf("| %-32s | %10s | %8s | %7d | %14s | %21s |\n", summary.type.c_str(), size,
                  params, test.n_threads, test.name().c_str(), rate);
      std::fflush(stdout);
    }
  }
  if (json) {
    std::printf("%s\n]\n", out_json.c_str());
  } else {
    std::printf("\nkernels: %s; peak RSS %.1f MiB (file %.1f MiB)\n",
                isa_name(select_kernels().isa), double(peak_rss_bytes()) / (1024.0 * 1024.0),
                double(file_size) / (1024.0 * 1024.0));
  }
  return 0;
}

}  // namespace omni::cli
