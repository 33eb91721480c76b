// An HTTP/1.1 server on Boost.Beast: one thread per connection (keep-alive), blocking I/O.
// It knows nothing of OpenAI or the engine: a Handler gets each parsed request and answers it
// through an HttpExchange, either with one whole response or as a chunked stream (SSE).
//
// Limits: request bodies over max_body_bytes get 413 before the body is read; more than
// max_connections open connections get 503. shutdown() stops accepting, wakes idle keep-alive
// connections so they close, and waits for requests in progress to end.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "base/status.h"

namespace omni::server {

struct HttpRequest {
  std::string method;                          // "GET", "POST", ...
  std::string target;                          // path and query, as sent
  std::string path;                            // target without the query
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string header(const std::string& lower_name) const;
};

// One request's answer. Either respond() once, or begin_stream(), write() any number of times and
// end_stream(). Writes return false once the peer is gone; the handler should then stop.
class HttpExchange {
 public:
  virtual ~HttpExchange() = default;
  virtual bool respond(int status, const std::string& content_type, const std::string& body,
                       const std::map<std::string, std::string>& headers = {}) = 0;
  virtual bool begin_stream(int status, const std::string& content_type,
                            const std::map<std::string, std::string>& headers = {}) = 0;
  virtual bool write(const std::string& data) = 0;
  virtual bool end_stream() = 0;
  // Whether the peer has closed its side (checked without blocking). A client that gives up on
  // a request closes the connection; this lets long work notice before it writes anything.
  virtual bool peer_closed() = 0;
};

using Handler = std::function<void(const HttpRequest&, HttpExchange&)>;

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port (see HttpServer::port())
  uint64_t max_body_bytes = 32ull << 20;
  int max_connections = 512;
  // Called with a status and a message for requests that never reach the handler (413, 400, 503).
  std::function<void(const HttpRequest&, HttpExchange&, int status, const std::string& message)>
      on_rejected;
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, Handler handler);
  ~HttpServer();

  Status start();  // binds and listens; accepting runs on its own thread
  int port() const { return port_; }
  // Stops accepting and closes idle keep-alive connections; requests in progress go on, and their
  // connections close when they end.
  void stop_accepting();
  // Waits for every connection to close (the caller makes requests in progress end).
  void join();
  void shutdown() {
    stop_accepting();
    join();
  }
  int open_connections() const { return open_.load(); }
  bool shutting_down() const { return stopping_.load(); }

 private:
  struct Impl;
  void serve(int fd);  // one connection, on its own thread
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
  std::atomic<int> open_{0};
  std::atomic<bool> stopping_{false};
};

}  // namespace omni::server
