// Python's json.dumps over template values: the `tojson` filter as Hugging Face transformers
// defines it for chat templates (json.dumps(x, ensure_ascii=False, indent=None, separators=None,
// sort_keys=False)), byte for byte.
#pragma once

#include <optional>
#include <string>

#include "base/status.h"
#include "tokenizers/jinja/value.h"

namespace omni::jinja {

struct JsonDumpOptions {
  bool ensure_ascii = false;
  std::optional<std::string> indent;          // unset: one line; set: newline + indent per level
  std::optional<std::string> item_separator;  // default ", " (or "," with an indent)
  std::optional<std::string> key_separator;   // default ": "
  bool sort_keys = false;
};

// Fails (TypeError in Python) for values JSON cannot hold: undefined, iterators, namespaces,
// functions, dict keys that are not str/int/float/bool/None.
StatusOr<std::string> json_dump(const Value& v, const JsonDumpOptions& options);

}  // namespace omni::jinja
