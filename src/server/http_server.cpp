#include "server/http_server.h"

#include <poll.h>
#include <sys/socket.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <chrono>
#include <optional>
#include <sstream>

#include "base/log.h"

namespace omni::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string HttpRequest::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

namespace {

constexpr int kWriteTimeoutMs = 30000;  // a peer that reads nothing for this long is dropped

// Writes all of `data`; false when the peer is gone or stopped reading for kWriteTimeoutMs.
bool write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      data += n;
      size -= size_t(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, kWriteTimeoutMs) <= 0 || (p.revents & (POLLERR | POLLHUP))) return false;
      continue;
    }
    return false;
  }
  return true;
}

// After an error answer sent before the request was read: stop sending, then read and drop
// what the client still sends (up to a few seconds), so that it sees the answer rather than a
// connection reset.
void linger_close(int fd) {
  ::shutdown(fd, SHUT_WR);
  char sink[16384];
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) break;
    const ssize_t n = ::recv(fd, sink, sizeof sink, 0);
    if (n <= 0) break;
  }
}

class Exchange final : public HttpExchange {
 public:
  Exchange(int fd, bool keep_alive) : fd_(fd), keep_alive_(keep_alive) {}

  bool respond(int status, const std::string& content_type, const std::string& body,
               const std::map<std::string, std::string>& headers) override {
    http::response<http::string_body> res{http::status(status), 11};
    res.set(http::field::server, "omni");
    res.set(http::field::content_type, content_type);
    for (const auto& [k, v] : headers) res.set(k, v);
    res.keep_alive(keep_alive_);
    res.body() = body;
    res.prepare_payload();
    std::ostringstream out;
    out << res;
    responded_ = true;
    return ok_ = ok_ && write_all(fd_, out.str().data(), out.str().size());
  }

  bool begin_stream(int status, const std::string& content_type,
                    const std::map<std::string, std::string>& headers) override {
    http::response<http::empty_body> res{http::status(status), 11};
    res.set(http::field::server, "omni");
    res.set(http::field::content_type, content_type);
    res.set(http::field::cache_control, "no-cache");
    for (const auto& [k, v] : headers) res.set(k, v);
    res.keep_alive(keep_alive_);
    res.chunked(true);
    std::ostringstream out;
    out << res.base();
    responded_ = streaming_ = true;
    return ok_ = ok_ && write_all(fd_, out.str().data(), out.str().size());
  }

  bool write(const std::string& data) override {
    if (!ok_ || data.empty()) return ok_;
    char size[32];
    const int n = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    std::string chunk(size, size_t(n));
    chunk += data;
    chunk += "\r\n";
    return ok_ = write_all(fd_, chunk.data(), chunk.size());
  }

  bool end_stream() override {
    streaming_ = false;
    return ok_ = ok_ && write_all(fd_, "0\r\n\r\n", 5);
  }

  bool peer_closed() override {
    if (!ok_) return true;
    pollfd p{fd_, POLLRDHUP, 0};
    return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
  }

  bool responded() const { return responded_; }
  bool reusable() const { return ok_ && keep_alive_ && !streaming_; }

 private:
  int fd_;
  bool keep_alive_;
  bool ok_ = true;
  bool responded_ = false;
  bool streaming_ = false;
};

std::string lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

struct HttpServer::Impl {
  HttpServerOptions options;
  Handler handler;
  asio::io_context ioc;
  std::optional<tcp::acceptor> acceptor;
  std::thread accept_thread;
  std::mutex mutex;
  std::condition_variable all_closed;
  std::set<int> idle_fds;  // connections waiting for their next request
  std::set<int> all_fds;
  int threads = 0;

  void reject(int fd, int status, const std::string& message) {
    Exchange ex(fd, false);
    HttpRequest none;
    if (options.on_rejected) {
      options.on_rejected(none, ex, status, message);
    } else {
      ex.respond(status, "text/plain", message + "\n", {});
    }
  }
};

HttpServer::HttpServer(HttpServerOptions options, Handler handler) : impl_(new Impl) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
}

HttpServer::~HttpServer() {
  shutdown();
}

Status HttpServer::start() {
  Impl& im = *impl_;
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(im.options.host, ec);
  if (ec) return InvalidArgument("--host '%s' is not an IP address", im.options.host.c_str());
  tcp::endpoint endpoint(address, uint16_t(im.options.port));
  im.acceptor.emplace(im.ioc);
  im.acceptor->open(endpoint.protocol(), ec);
  if (!ec) im.acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) im.acceptor->bind(endpoint, ec);
  if (!ec) im.acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return IoError("cannot listen on %s:%d: %s", im.options.host.c_str(), im.options.port,
                   ec.message().c_str());
  }
  port_ = im.acceptor->local_endpoint().port();
  im.accept_thread = std::thread([this] {
    Impl& im = *impl_;
    for (;;) {
      boost::system::error_code ec;
      tcp::socket socket(im.ioc);
      im.acceptor->accept(socket, ec);
      if (stopping_.load()) break;
      if (ec) continue;
      socket.set_option(tcp::no_delay(true), ec);
      const int fd = socket.release(ec);
      if (ec) continue;
      std::unique_lock lock(im.mutex);
      if (int(im.all_fds.size()) >= im.options.max_connections) {
        lock.unlock();
        im.reject(fd, 503, "too many open connections; retry later");
        ::close(fd);
        continue;
      }
      im.all_fds.insert(fd);
      ++im.threads;
      open_.fetch_add(1);
      std::thread([this, fd] { serve(fd); }).detach();
    }
  });
  return Status::Ok();
}

void HttpServer::serve(int fd) {
  Impl& im = *impl_;
  tcp::socket socket(im.ioc, tcp::v4(), fd);
  beast::flat_buffer buffer;
  for (;;) {
    {
      std::lock_guard lock(im.mutex);
      if (stopping_.load()) break;
      im.idle_fds.insert(fd);
    }
    http::request_parser<http::string_body> parser;
    parser.header_limit(64 * 1024);
    parser.body_limit(im.options.max_body_bytes);
    boost::system::error_code ec;
    http::read_header(socket, buffer, parser, ec);
    {
      std::lock_guard lock(im.mutex);
      im.idle_fds.erase(fd);
    }
    if (ec == http::error::end_of_stream || ec == asio::error::eof ||
        ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
        (ec && buffer.size() == 0 && !parser.got_some())) {
      break;
    }
    if (ec == http::error::body_limit) {  // a Content-Length over the limit
      im.reject(fd, 413,
                "the request body is over the limit of " +
                    std::to_string(im.options.max_body_bytes) + " bytes");
      linger_close(fd);
      break;
    }
    if (ec) {
      im.reject(fd, ec == http::error::header_limit ? 431 : 400,
                "malformed HTTP request: " + ec.message());
      linger_close(fd);
      break;
    }
    // curl and others wait for this before sending a large body.
    if (beast::iequals(parser.get()[http::field::expect], "100-continue") &&
        !write_all(fd, "HTTP/1.1 100 Continue\r\n\r\n", 25)) {
      break;
    }
    http::read(socket, buffer, parser, ec);
    if (ec == http::error::body_limit) {
      im.reject(fd, 413,
                "the request body is over the limit of " +
                    std::to_string(im.options.max_body_bytes) + " bytes");
      linger_close(fd);
      break;
    }
    if (ec) break;
    auto& msg = parser.get();
    HttpRequest req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    req.path = req.target.substr(0, req.target.find('?'));
    for (const auto& field : msg)
      req.headers[lower(std::string(field.name_string()))] = std::string(field.value());
    req.body = std::move(msg.body());
    Exchange ex(fd, msg.keep_alive() && !stopping_.load());
    im.handler(req, ex);
    if (!ex.responded()) ex.respond(500, "text/plain", "the request got no response\n", {});
    if (!ex.reusable()) break;
  }
  ::shutdown(fd, SHUT_RDWR);
  boost::system::error_code ignored;
  socket.close(ignored);
  std::lock_guard lock(im.mutex);
  im.all_fds.erase(fd);
  open_.fetch_sub(1);
  if (--im.threads == 0) im.all_closed.notify_all();
}

void HttpServer::stop_accepting() {
  Impl& im = *impl_;
  if (!stopping_.exchange(true) && im.acceptor) {
    // Wakes the blocked accept(): shutdown on a listening socket makes it fail at once.
    ::shutdown(im.acceptor->native_handle(), SHUT_RDWR);
  }
  if (im.accept_thread.joinable()) im.accept_thread.join();
  std::lock_guard lock(im.mutex);
  for (int fd : im.idle_fds) ::shutdown(fd, SHUT_RDWR);  // their read returns at once
}

void HttpServer::join() {
  Impl& im = *impl_;
  std::unique_lock lock(im.mutex);
  im.all_closed.wait(lock, [&] { return im.threads == 0; });
  if (im.acceptor) {
    boost::system::error_code ec;
    im.acceptor->close(ec);
  }
}

}  // namespace omni::server
