// Encoding throughput of a tiktoken encoding on a corpus, one thread:
//   bench_tokenizer --encoding o200k_base --corpus FILE [--seconds S]
// Encodes the whole corpus once to warm up, then repeatedly for at least S seconds (default 3),
// and reports the median pass: "omni o200k_base: X MB/s, Y tokens/s, N tokens".
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "base/mapped_file.h"
#include "tokenizers/tiktoken.h"

int main(int argc, char** argv) {
  std::string encoding = "o200k_base", corpus;
  double seconds = 3.0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--encoding"))
      encoding = argv[i + 1];
    else if (!std::strcmp(argv[i], "--corpus"))
      corpus = argv[i + 1];
    else if (!std::strcmp(argv[i], "--seconds"))
      seconds = std::atof(argv[i + 1]);
  }
  if (corpus.empty()) {
    std::fprintf(stderr, "usage: bench_tokenizer --encoding NAME --corpus FILE [--seconds S]\n");
    return 2;
  }
  auto text = omni::read_file_to_string(corpus);
  if (!text.ok()) {
    std::fprintf(stderr, "bench_tokenizer: %s\n", text.status().to_string().c_str());
    return 1;
  }
  auto tok = omni::load_tiktoken(encoding);
  if (!tok.ok()) {
    std::fprintf(stderr, "bench_tokenizer: %s\n", tok.status().to_string().c_str());
    return 1;
  }
  size_t n_tokens = (*tok)->encode(*text).size();  // warm-up
  std::vector<double> times;
  const auto begin = std::chrono::steady_clock::now();
  while (times.size() < 3 ||
         std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count() <
             seconds) {
    const auto t0 = std::chrono::steady_clock::now();
    n_tokens = (*tok)->encode(*text).size();
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(times.begin(), times.end());
  const double t = times[times.size() / 2];
  std::printf("omni %s: %.2f MB/s, %.0f tokens/s, %zu tokens (%zu bytes, median of %zu passes)\n",
              encoding.c_str(), double(text->size()) / t / 1e6, double(n_tokens) / t, n_tokens,
              text->size(), times.size());
  return 0;
}
