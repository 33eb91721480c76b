#include "args.h"

#include <cerrno>
#include <cstdlib>

namespace omni::cli {

StatusOr<Args> Args::parse(int argc, char** argv, int first, const std::vector<OptionSpec>& specs) {
  Args args;
  for (int i = first; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.size() < 2 || a[0] != '-' || a == "-") {
      args.positional_.push_back(a);
      continue;
    }
    const OptionSpec* spec = nullptr;
    for (const auto& s : specs) {
      for (const auto& n : s.names) {
        if (n == a) spec = &s;
      }
    }
    if (!spec)
      return InvalidArgument("unknown option '%s'; accepted:\n%s", a.c_str(),
                             usage_lines(specs).c_str());
    const std::string& key = spec->names.front();
    if (spec->takes_value) {
      if (i + 1 >= argc) return InvalidArgument("option %s needs a value", a.c_str());
      args.values_[key] = argv[++i];
      args.all_values_[key].push_back(argv[i]);
    } else {
      args.flags_.insert(key);
    }
  }
  return args;
}

bool Args::has(const std::string& name) const {
  return flags_.count(name) || values_.count(name);
}

std::vector<std::string> Args::get_all(const std::string& name) const {
  auto it = all_values_.find(name);
  return it == all_values_.end() ? std::vector<std::string>() : it->second;
}

std::string Args::get(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

StatusOr<int64_t> Args::get_int(const std::string& name, int64_t fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(it->second.c_str(), &end, 10);
  if (errno || end == it->second.c_str() || *end) {
    return InvalidArgument("%s expects an integer, got '%s'", name.c_str(), it->second.c_str());
  }
  return int64_t(v);
}

StatusOr<double> Args::get_float(const std::string& name, double fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(it->second.c_str(), &end);
  if (errno || end == it->second.c_str() || *end) {
    return InvalidArgument("%s expects a number, got '%s'", name.c_str(), it->second.c_str());
  }
  return v;
}

std::string usage_lines(const std::vector<OptionSpec>& specs) {
  std::string out;
  for (const auto& s : specs) {
    std::string names;
    for (const auto& n : s.names) names += (names.empty() ? "" : ", ") + n;
    out += "  " + names + (s.help.empty() ? "" : "  " + s.help) + "\n";
  }
  return out;
}

StatusOr<DType> parse_kv_type(const std::string& text) {
  if (text == "f16") return DType::F16;
  if (text == "f32") return DType::F32;
  return InvalidArgument("--kv-type must be f16 or f32, got '%s'", text.c_str());
}

}  // namespace omni::cli
