// Server metrics in Prometheus' text exposition format (version 0.0.4): counters of requests by
// endpoint and status and of tokens in and out, gauges read at scrape time (queue depth, busy
// slots, open connections), and histograms of time to first token, inter-token latency and
// request duration. Safe to update from any thread.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace omni::server {

class Histogram {
 public:
  static constexpr std::array<double, 14> kBounds = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                     1,     2.5,  5,     10,   30,  60,   120};
  void observe(double seconds);
  // Appends the _bucket, _sum and _count lines of metric `name`.
  void render(const std::string& name, std::string* out) const;

 private:
  mutable std::mutex mutex_;
  std::array<uint64_t, kBounds.size() + 1> counts_{};  // last: +Inf
  double sum_ = 0;
  uint64_t count_ = 0;
};

class Metrics {
 public:
  void count_request(const std::string& endpoint, int status);
  void add_tokens(int64_t prompt, int64_t completion, int64_t cached);
  Histogram time_to_first_token;
  Histogram inter_token_latency;
  Histogram request_duration;

  // Gauges are read when rendering: name, help, and a function returning the value.
  void add_gauge(std::string name, std::string help, std::function<double()> read);
  std::string render() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::atomic<int64_t> prompt_tokens_{0}, completion_tokens_{0}, cached_tokens_{0};
  struct Gauge {
    std::string name, help;
    std::function<double()> read;
  };
  std::vector<Gauge> gauges_;
};

}  // namespace omni::server
