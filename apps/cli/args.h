// A small command-line parser: named options with values (-o FILE, --type q4_0), flags, and
// positional arguments. Unknown options are errors that list what is accepted.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "tensor/dtype.h"

namespace omni::cli {

struct OptionSpec {
  std::vector<std::string> names;  // {"-o", "--output"}
  bool takes_value;
  std::string help;  // "FILE  output path"
};

class Args {
 public:
  // Parses argv[first..argc) against `specs`.
  static StatusOr<Args> parse(int argc, char** argv, int first,
                              const std::vector<OptionSpec>& specs);

  bool has(const std::string& name) const;  // name: the first name of the spec
  std::string get(const std::string& name, const std::string& fallback = "") const;
  // Every value given for a repeatable option, in order (get() returns the last).
  std::vector<std::string> get_all(const std::string& name) const;
  StatusOr<int64_t> get_int(const std::string& name, int64_t fallback) const;
  StatusOr<double> get_float(const std::string& name, double fallback) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::string> values_;
  std::map<std::string, std::vector<std::string>> all_values_;
  std::set<std::string> flags_;
  std::vector<std::string> positional_;
};

std::string usage_lines(const std::vector<OptionSpec>& specs);

// The key/value cache type named by `text` ("f16" or "f32"; llama.cpp's -ctk / -ctv names).
StatusOr<DType> parse_kv_type(const std::string& text);

}  // namespace omni::cli
