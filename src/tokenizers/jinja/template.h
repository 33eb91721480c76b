// A template in the subset of Jinja2 that chat templates use (tokenizer.chat_template in GGUF
// files, chat_template in tokenizer_config.json), rendered exactly as Jinja2 renders it in the
// environment Hugging Face transformers uses: ImmutableSandboxedEnvironment(trim_blocks=True,
// lstrip_blocks=True) with the loop-controls extension, the transformers `tojson` filter and the
// globals raise_exception(message) and strftime_now(format).
//
//   OMNI_ASSIGN_OR_RETURN(Template t, Template::parse(source));
//   OMNI_ASSIGN_OR_RETURN(std::string text, t.render(Value::from_json(context)));
//
// A Template is immutable after parse(); render() may run concurrently from many threads.
#pragma once

#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "tokenizers/jinja/value.h"

namespace omni::jinja {

struct Program;

// Bounds that keep hostile templates from exhausting memory, time or stack: exceeding one is an
// error, never a crash.
struct RenderOptions {
  // Bytes of output, and the largest string or list an expression may build.
  size_t max_output_bytes = 64u << 20;
  // Loop iterations over the whole render (for-loops, and items filters walk).
  uint64_t max_loop_iterations = 10'000'000;
  // Nested macro calls.
  int max_call_depth = 100;
  // Stack the evaluator may use (it recurses with the template's nesting); render() must run on
  // a thread with at least this much stack to spare.
  size_t max_stack_bytes = 1u << 20;
  // The time strftime_now() formats; unset means the local time when render() starts.
  std::optional<std::tm> now;
};

class Template {
 public:
  // Fails with the line:column of the first syntax error, or of the first construct this
  // implementation does not support.
  static StatusOr<Template> parse(std::string_view source);

  // `context` must be a dict; its keys are the template's variables. Errors (undefined values
  // used where Jinja2 raises, type errors, raise_exception(), exceeded limits) name the line and
  // column of the expression that failed.
  StatusOr<std::string> render(const Value& context, const RenderOptions& options = {}) const;

 private:
  explicit Template(std::shared_ptr<const Program> program) : program_(std::move(program)) {}
  std::shared_ptr<const Program> program_;
};

}  // namespace omni::jinja
