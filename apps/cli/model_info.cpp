// omni model info: what a model file contains, without loading the weights.
#include <cstdio>
#include <map>
#include <string>

#include "commands.h"
#include "formats/gguf.h"
#include "formats/safetensors.h"

namespace omni::cli {
namespace {

std::string human_bytes(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (b >= 1024 && u < 4) {
    b /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), u ? "%.2f %s" : "%.0f %s", b, units[u]);
  return buf;
}

struct TypeTotals {
  int count = 0;
  size_t bytes = 0;
  int64_t elements = 0;
};

void print_type_table(const std::map<std::string, TypeTotals>& by_type) {
  size_t total = 0;
  int64_t elements = 0;
  for (const auto& [name, t] : by_type) {
    std::printf("  %-8s %5d tensors  %12s\n", name.c_str(), t.count,
                human_bytes(double(t.bytes)).c_str());
    total += t.bytes;
    elements += t.elements;
  }
  std::printf("  total    %lld parameters, %s (%.2f bits per weight)\n", (long long)elements,
              human_bytes(double(total)).c_str(),
              elements ? 8.0 * double(total) / double(elements) : 0.0);
}

int gguf_info(const char* path) {
  auto file = GgufFile::open(path);
  if (!file.ok()) {
    std::fprintf(stderr, "omni: error: %s\n", file.status().to_string().c_str());
    return 1;
  }
  const GgufFile& g = *file;
  const std::string arch =
      g.get_string("general.architecture").ok() ? *g.get_string("general.architecture") : "(none)";
  std::printf("file:         %s\n", path);
  std::printf("format:       GGUF v%u, alignment %u, %zu metadata keys, %zu tensors\n", g.version(),
              g.alignment(), g.metadata().size(), g.tensors().size());
  std::printf("architecture: %s\n", arch.c_str());
  if (const GgufValue* name = g.find("general.name"))
    std::printf("name:         %s\n", name->summary().c_str());
  if (const GgufValue* ft = g.find("general.file_type"))
    std::printf("file type:    %s\n", ft->summary().c_str());
  std::printf("hyperparameters:\n");
  const std::string prefix = arch + ".";
  for (const auto& [key, value] : g.metadata()) {
    if (key.rfind(prefix, 0) == 0)
      std::printf("  %-40s %s\n", key.substr(prefix.size()).c_str(), value.summary().c_str());
  }
  std::map<std::string, TypeTotals> by_type;
  for (const auto& t : g.tensors()) {
    TypeTotals& tt = by_type[dtype_name(t.view.type)];
    ++tt.count;
    tt.bytes += t.view.n_bytes();
    tt.elements += t.view.n_elements();
  }
  std::printf("tensors by type:\n");
  print_type_table(by_type);
  std::printf("tokenizer:\n");
  const GgufValue* tokens = g.find("tokenizer.ggml.tokens");
  if (!tokens) {
    std::printf("  (none)\n");
    return 0;
  }
  auto show = [&](const char* label, const char* key) {
    if (const GgufValue* v = g.find(key)) std::printf("  %-14s %s\n", label, v->summary().c_str());
  };
  show("model", "tokenizer.ggml.model");
  show("pre-tokenizer", "tokenizer.ggml.pre");
  std::printf("  %-14s %zu\n", "tokens", tokens->array.size());
  if (const GgufValue* merges = g.find("tokenizer.ggml.merges"))
    std::printf("  %-14s %zu\n", "merges", merges->array.size());
  show("bos id", "tokenizer.ggml.bos_token_id");
  show("eos id", "tokenizer.ggml.eos_token_id");
  std::printf("  %-14s %s\n", "chat template", g.find("tokenizer.chat_template") ? "yes" : "no");
  return 0;
}

int safetensors_info(const char* path) {
  auto model = SafetensorsModel::open(path);
  if (!model.ok()) {
    std::fprintf(stderr, "omni: error: %s\n", model.status().to_string().c_str());
    return 1;
  }
  const auto tensors = model->tensors();
  std::printf("file:         %s\n", path);
  std::printf("format:       safetensors, %zu file(s), %zu tensors, config.json %s\n",
              model->n_files(), tensors.size(),
              model->config_json().empty() ? "absent" : "present");
  std::map<std::string, TypeTotals> by_type;
  for (const auto* t : tensors) {
    TypeTotals& tt = by_type[dtype_name(t->view.type)];
    ++tt.count;
    tt.bytes += t->view.n_bytes();
    tt.elements += t->view.n_elements();
  }
  std::printf("tensors by type:\n");
  print_type_table(by_type);
  return 0;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

int print_model_info(const char* path) {
  const std::string p = path;
  if (ends_with(p, ".gguf") || ends_with(p, ".bin")) return gguf_info(path);
  if (ends_with(p, ".safetensors")) return safetensors_info(path);
  // A directory, or a file without a telling extension: sniff.
  FILE* f = std::fopen(path, "rb");
  char magic[4] = {};
  if (f) {
    const size_t n = std::fread(magic, 1, 4, f);
    std::fclose(f);
    if (n == 4 && std::string(magic, 4) == "GGUF") return gguf_info(path);
  }
  return safetensors_info(path);
}

}  // namespace omni::cli
