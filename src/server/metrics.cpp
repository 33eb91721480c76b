#include "server/metrics.h"

#include <cstdio>

namespace omni::server {

void Histogram::observe(double seconds) {
  std::lock_guard lock(mutex_);
  size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  ++counts_[i];
  sum_ += seconds;
  ++count_;
}

void Histogram::render(const std::string& name, std::string* out) const {
  std::lock_guard lock(mutex_);
  char line[256];
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kBounds.size(); ++i) {
    cumulative += counts_[i];
    std::snprintf(line, sizeof line, "%s_bucket{le=\"%g\"} %llu\n", name.c_str(), kBounds[i],
                  (unsigned long long)cumulative);
    *out += line;
  }
  cumulative += counts_.back();
  std::snprintf(line, sizeof line, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.6f\n%s_count %llu\n",
                name.c_str(), (unsigned long long)cumulative, name.c_str(), sum_, name.c_str(),
                (unsigned long long)count_);
  *out += line;
}

void Metrics::count_request(const std::string& endpoint, int status) {
  std::lock_guard lock(mutex_);
  ++requests_[{endpoint, status}];
}

void Metrics::add_tokens(int64_t prompt, int64_t completion, int64_t cached) {
  prompt_tokens_ += prompt;
  completion_tokens_ += completion;
  cached_tokens_ += cached;
}

void Metrics::add_gauge(std::string name, std::string help, std::function<double()> read) {
  std::lock_guard lock(mutex_);
  gauges_.push_back({std::move(name), std::move(help), std::move(read)});
}

std::string Metrics::render() const {
  std::string out;
  char line[512];
  out += "# HELP omni_requests_total HTTP requests by endpoint and status code.\n";
  out += "# TYPE omni_requests_total counter\n";
  std::vector<Gauge> gauges;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [key, n] : requests_) {
      std::snprintf(line, sizeof line, "omni_requests_total{endpoint=\"%s\",status=\"%d\"} %llu\n",
                    key.first.c_str(), key.second, (unsigned long long)n);
      out += line;
    }
    gauges = gauges_;
  }
  auto counter = [&](const char* name, const char* help, int64_t v) {
    std::snprintf(line, sizeof line, "# HELP %s %s\n# TYPE %s counter\n%s %lld\n", name, help, name,
                  name, (long long)v);
    out += line;
  };
  counter("omni_prompt_tokens_total", "Prompt tokens of finished requests.", prompt_tokens_.load());
  counter("omni_completion_tokens_total", "Tokens generated.", completion_tokens_.load());
  counter("omni_cached_prompt_tokens_total", "Prompt tokens served from a cached prefix.",
          cached_tokens_.load());
  for (const Gauge& g : gauges) {
    std::snprintf(line, sizeof line, "# HELP %s %s\n# TYPE %s gauge\n%s %g\n", g.name.c_str(),
                  g.help.c_str(), g.name.c_str(), g.name.c_str(), g.read());
    out += line;
  }
  auto histogram = [&](const char* name, const char* help, const Histogram& h) {
    std::snprintf(line, sizeof line, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
    out += line;
    h.render(name, &out);
  };
  histogram("omni_time_to_first_token_seconds",
            "From a request's arrival to its first generated token.", time_to_first_token);
  histogram("omni_inter_token_latency_seconds", "Between consecutive generated tokens.",
            inter_token_latency);
  histogram("omni_request_duration_seconds", "From a request's arrival to its last byte.",
            request_duration);
  return out;
}

}  // namespace omni::server
