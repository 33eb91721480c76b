// omni tokenize (--vocab FILE.gguf | --encoding NAME) [--json] [--special] [--decode] [TEXT | -]
#include <cstdio>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>

#include "args.h"
#include "commands.h"
#include "formats/gguf.h"
#include "models/vocab_from_gguf.h"
#include "tokenizers/tiktoken.h"

namespace omni::cli {
namespace {

constexpr const char* kUsage =
    "usage: omni tokenize (--vocab FILE.gguf | --encoding NAME) [--json] [--special] [--decode] "
    "[TEXT | -]\n"
    "  Prints the token ids of TEXT (or of standard input with '-', taken verbatim).\n"
    "  --json      one JSON array on one line (default: ids separated by spaces)\n"
    "  --special   special-token texts in the input become special tokens\n"
    "  --decode    the input is token ids (a JSON array or separated by spaces); print the text\n"
    "  --count     print only the number of tokens\n";

int fail(const Status& s) {
  std::fprintf(stderr, "omni: error: %s\n", s.to_string().c_str());
  return 1;
}

StatusOr<std::vector<int32_t>> parse_ids(const std::string& text, int32_t n_vocab) {
  std::string cleaned = text;
  for (char& c : cleaned) {
    if (c == '[' || c == ']' || c == ',') c = ' ';
  }
  std::istringstream in(cleaned);
  std::vector<int32_t> ids;
  std::string word;
  while (in >> word) {
    char* end = nullptr;
    const long v = std::strtol(word.c_str(), &end, 10);
    if (*end || v < 0 || v >= n_vocab) {
      return InvalidArgument("'%s' is not a token id of this vocabulary (0..%d)", word.c_str(),
                             n_vocab - 1);
    }
    ids.push_back(int32_t(v));
  }
  return ids;
}

}  // namespace

int run_tokenize_command(int argc, char** argv) {
  const std::vector<OptionSpec> specs = {
      {{"--vocab", "-m"}, true, "FILE   a GGUF file with a tokenizer"},
      {{"--encoding"},
       true,
       "NAME   o200k_base, cl100k_base, o200k_harmony, qwen2_base, or a .tiktoken path"},
      {{"--json"}, false, ""},
      {{"--special"}, false, ""},
      {{"--decode"}, false, ""},
      {{"--count"}, false, ""},
      {{"-h", "--help"}, false, ""},
  };
  auto args = Args::parse(argc, argv, 2, specs);
  if (!args.ok()) return fail(args.status());
  if (args->has("-h")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (args->has("--vocab") == args->has("--encoding") || args->positional().size() > 1) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::unique_ptr<Tokenizer> tokenizer;
  if (args->has("--vocab")) {
    auto file = GgufFile::open(args->get("--vocab"));
    if (!file.ok()) return fail(file.status());
    auto t = tokenizer_from_gguf(*file);
    if (!t.ok()) return fail(t.status());
    tokenizer = std::move(*t);
  } else {
    auto t = load_tiktoken(args->get("--encoding"));
    if (!t.ok()) return fail(t.status());
    tokenizer = std::move(*t);
  }
  std::string input;
  if (args->positional().empty() || args->positional()[0] == "-") {
    input.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    input = args->positional()[0];
  }
  if (args->has("--decode")) {
    auto ids = parse_ids(input, tokenizer->n_vocab());
    if (!ids.ok()) return fail(ids.status());
    const std::string text = tokenizer->decode(*ids);
    std::fwrite(text.data(), 1, text.size(), stdout);
    return 0;
  }
  const std::vector<int32_t> ids = tokenizer->encode(input, args->has("--special"));
  if (args->has("--count")) {
    std::printf("%zu\n", ids.size());
    return 0;
  }
  const bool json = args->has("--json");
  std::string out = json ? "[" : "";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) out += json ? "," : " ";
    out += std::to_string(ids[i]);
  }
  out += json ? "]\n" : "\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

}  // namespace omni::cli
