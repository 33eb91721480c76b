// Test driver for the chat-template interpreter, used by tests/reference/render_chat_templates.py
// to compare against Jinja2.
//
//   jinja_render --template FILE --inputs FILE.json   renders one chat; the text goes to stdout
//   jinja_render --batch JOBS.json                    renders many; a JSON array goes to stdout
//
// Chat inputs: {"messages": [...], "tools": [...]|null, "add_generation_prompt": bool,
// "bos_token": str, "eos_token": str, "extra": {...}, "now": "YYYY-MM-DDTHH:MM:SS"}.
// A batch is an array of jobs, each {"template": FILE, "inputs": {...}} (a chat) or
// {"source": TEXT, "context": {...}, "now": ...} (a raw template); each result is
// {"ok": true, "text": ...} or {"ok": false, "error": ...}.
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "tokenizers/jinja/chat_template.h"
#include "tokenizers/jinja/template.h"

using nlohmann::ordered_json;
using omni::Status;
using omni::StatusOr;
namespace jinja = omni::jinja;

namespace {

StatusOr<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return omni::IoError("%s: cannot open", path.c_str());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

StatusOr<std::tm> parse_time(const std::string& s) {
  std::tm tm{};
  if (std::sscanf(s.c_str(), "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec) != 6)
    return omni::InvalidArgument("bad time '%s' (want YYYY-MM-DDTHH:MM:SS)", s.c_str());
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const std::time_t t = timegm(&tm);  // fills in the weekday and day of the year
  gmtime_r(&t, &tm);
  return tm;
}

StatusOr<jinja::RenderOptions> options_from(const ordered_json& j) {
  jinja::RenderOptions options;
  if (j.contains("now")) {
    OMNI_ASSIGN_OR_RETURN(options.now, parse_time(j["now"].get<std::string>()));
  }
  return options;
}

StatusOr<std::string> render_chat_job(const std::string& template_path, const ordered_json& in) {
  OMNI_ASSIGN_OR_RETURN(std::string source, read_file(template_path));
  OMNI_ASSIGN_OR_RETURN(jinja::Template tmpl, jinja::Template::parse(source));
  jinja::ChatTemplateInputs inputs;
  inputs.messages = in.value("messages", ordered_json::array());
  inputs.tools = in.value("tools", ordered_json());
  inputs.add_generation_prompt = in.value("add_generation_prompt", false);
  inputs.bos_token = in.value("bos_token", std::string());
  inputs.eos_token = in.value("eos_token", std::string());
  inputs.extra = in.value("extra", ordered_json::object());
  OMNI_ASSIGN_OR_RETURN(jinja::RenderOptions options, options_from(in));
  return jinja::render_chat(tmpl, inputs, options);
}

StatusOr<std::string> render_source_job(const ordered_json& job) {
  OMNI_ASSIGN_OR_RETURN(jinja::Template tmpl,
                        jinja::Template::parse(job.at("source").get<std::string>()));
  OMNI_ASSIGN_OR_RETURN(jinja::RenderOptions options, options_from(job));
  return tmpl.render(jinja::Value::from_json(job.value("context", ordered_json::object())),
                     options);
}

StatusOr<std::string> run_job(const ordered_json& job) {
  try {
    if (job.contains("source")) return render_source_job(job);
    return render_chat_job(job.at("template").get<std::string>(), job.at("inputs"));
  } catch (const std::exception& e) {
    return omni::InvalidArgument("malformed job: %s", e.what());
  }
}

int usage() {
  std::cerr << "usage: jinja_render --template FILE --inputs FILE.json | --batch JOBS.json\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string template_path, inputs_path, batch_path;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--template") {
      template_path = argv[i + 1];
    } else if (flag == "--inputs") {
      inputs_path = argv[i + 1];
    } else if (flag == "--batch") {
      batch_path = argv[i + 1];
    } else {
      return usage();
    }
  }
  if (argc % 2 == 0) return usage();
  if (!batch_path.empty()) {
    StatusOr<std::string> text = read_file(batch_path);
    if (!text.ok()) {
      std::cerr << "omni: error: " << text.status().to_string() << "\n";
      return 1;
    }
    const ordered_json jobs = ordered_json::parse(*text, nullptr, false);
    if (!jobs.is_array()) {
      std::cerr << "omni: error: " << batch_path << ": not a JSON array\n";
      return 1;
    }
    ordered_json results = ordered_json::array();
    for (const ordered_json& job : jobs) {
      StatusOr<std::string> r = run_job(job);
      if (r.ok()) {
        results.push_back({{"ok", true}, {"text", *r}});
      } else {
        results.push_back({{"ok", false}, {"error", r.status().to_string()}});
      }
    }
    std::cout << results.dump(-1, ' ', false, ordered_json::error_handler_t::replace) << "\n";
    return 0;
  }
  if (template_path.empty() || inputs_path.empty()) return usage();
  StatusOr<std::string> inputs_text = read_file(inputs_path);
  if (!inputs_text.ok()) {
    std::cerr << "omni: error: " << inputs_text.status().to_string() << "\n";
    return 1;
  }
  const ordered_json inputs = ordered_json::parse(*inputs_text, nullptr, false);
  if (inputs.is_discarded()) {
    std::cerr << "omni: error: " << inputs_path << ": not valid JSON\n";
    return 1;
  }
  StatusOr<std::string> r = render_chat_job(template_path, inputs);
  if (!r.ok()) {
    std::cerr << "omni: error: " << r.status().to_string() << "\n";
    return 1;
  }
  std::cout << *r;
  return 0;
}
