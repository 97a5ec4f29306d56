#include "common/testing/beast_test_client.h"

#include <cctype>
#include <functional>

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>

namespace sextant::internal::test_client {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

constexpr std::uint64_t kResponseBodyLimit = 256u << 20;
constexpr std::size_t kReadChunkBytes = 64 * 1024;

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Status ToStatus(const beast::error_code& ec, std::string_view what) {
  if (ec == net::error::timed_out) {
    return DeadlineExceededError(std::string(what) + ": timed out");
  }
  return UnavailableError(std::string(what) + ": " + ec.message());
}

tcp::endpoint Loopback(uint16_t port) { return {net::ip::make_address("127.0.0.1"), port}; }

ClientResponse ToClientResponse(const http::response<http::string_body>& res) {
  ClientResponse out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& field : res) {
    out.headers.emplace(Lower(std::string(field.name_string())), std::string(field.value()));
  }
  out.body = res.body();
  out.keep_alive = res.keep_alive();
  return out;
}

}  // namespace

std::string ClientResponse::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

Json ClientResponse::json() const {
  auto parsed = ParseJson(body);
  return parsed.ok() ? std::move(parsed).value() : Json();
}

std::string ClientResponse::error_code() const {
  const Json j = json();
  if (!j.is_object() || !j.contains("error") || !j["error"].is_object()) return {};
  const Json& code = j["error"]["code"];
  return code.is_string() ? code.get<std::string>() : std::string();
}

TestConnection::TestConnection(uint16_t port) : socket_(ioc_) {
  const beast::error_code ec = RunWithTimeout(ioc_, socket_, kTimeout, [&](auto handler) {
    socket_.async_connect(Loopback(port), std::move(handler));
  });
  if (ec) status_ = ToStatus(ec, "connect");
}

Status TestConnection::Write(std::string_view bytes, std::chrono::milliseconds timeout) {
  const beast::error_code ec = RunWithTimeout(ioc_, socket_, timeout, [&](auto handler) {
    net::async_write(socket_, net::buffer(bytes.data(), bytes.size()), std::move(handler));
  });
  return ec ? ToStatus(ec, "write") : Status::Ok();
}

Result<ClientResponse> TestConnection::ReadResponse(std::chrono::milliseconds timeout) {
  http::response_parser<http::string_body> parser;
  parser.body_limit(kResponseBodyLimit);
  const beast::error_code ec = RunWithTimeout(ioc_, socket_, timeout, [&](auto handler) {
    http::async_read(socket_, buffer_, parser, std::move(handler));
  });
  if (ec) return ToStatus(ec, "read response");
  return ToClientResponse(parser.get());
}

Result<ClientResponse> TestConnection::DribbleUntilAnswered(char byte,
                                                            std::chrono::milliseconds interval,
                                                            std::chrono::milliseconds timeout) {
  http::response_parser<http::string_body> parser;
  parser.body_limit(kResponseBodyLimit);
  net::steady_timer tick(ioc_);
  bool answered = false;
  std::function<void()> dribble = [&] {
    tick.expires_after(interval);
    tick.async_wait([&](beast::error_code ec) {
      if (ec || answered) return;
      net::async_write(socket_, net::buffer(&byte, 1),
                       [&](beast::error_code write_ec, std::size_t) {
                         if (!write_ec) dribble();
                       });
    });
  };
  const beast::error_code ec = RunWithTimeout(ioc_, socket_, timeout, [&](auto handler) {
    http::async_read(socket_, buffer_, parser,
                     [&answered, &tick, handler = std::move(handler)](beast::error_code e,
                                                                      std::size_t n) mutable {
                       answered = true;
                       tick.cancel();
                       handler(e, n);
                     });
    dribble();
  });
  tick.cancel();
  ioc_.restart();
  ioc_.poll();  // lets the cancelled tick and any write in flight finish
  if (ec) return ToStatus(ec, "read response");
  return ToClientResponse(parser.get());
}

Result<std::string> TestConnection::ReadUntilClosed(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string data = beast::buffers_to_string(buffer_.data());
  buffer_.consume(buffer_.size());
  std::vector<char> chunk(kReadChunkBytes);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return DeadlineExceededError("the server did not close the connection");
    std::size_t got = 0;
    const beast::error_code ec = RunWithTimeout(ioc_, socket_, left, [&](auto handler) {
      socket_.async_read_some(net::buffer(chunk), [&got, handler = std::move(handler)](
                                                      beast::error_code e, std::size_t n) mutable {
        got = n;
        handler(e, n);
      });
    });
    data.append(chunk.data(), got);
    if (ec == net::error::eof || ec == net::error::connection_reset) return data;
    if (ec == net::error::timed_out) {
      return DeadlineExceededError("the server did not close the connection");
    }
    if (ec) return ToStatus(ec, "read");
  }
}

Result<ClientResponse> TestConnection::Request(std::string_view method, std::string_view target,
                                               std::string_view body, const Headers& headers,
                                               std::chrono::milliseconds timeout) {
  SEXTANT_RETURN_IF_ERROR(Write(FormatRequest(method, target, body, headers), timeout));
  return ReadResponse(timeout);
}

std::string FormatRequest(std::string_view method, std::string_view target, std::string_view body,
                          const Headers& headers) {
  std::string out;
  out.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  for (const auto& [name, value] : headers) out.append(name).append(": ").append(value) += "\r\n";
  if (!body.empty() || method == "POST" || method == "PUT") {
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  out += "\r\n";
  out.append(body);
  return out;
}

Result<ClientResponse> Fetch(uint16_t port, std::string_view method, std::string_view target,
                             std::string_view body, const Headers& headers) {
  TestConnection connection(port);
  SEXTANT_RETURN_IF_ERROR(connection.status());
  return connection.Request(method, target, body, headers);
}

TestWebSocket::TestWebSocket() : ws_(ioc_) {}

Status TestWebSocket::Connect(uint16_t port, std::string_view target, const Headers& headers,
                              int* refused_status) {
  beast::error_code ec = RunWithTimeout(ioc_, socket(), kTimeout, [&](auto handler) {
    socket().async_connect(Loopback(port), std::move(handler));
  });
  if (ec) return ToStatus(ec, "connect");
  ws_.set_option(websocket::stream_base::decorator([headers](websocket::request_type& req) {
    for (const auto& [name, value] : headers) req.set(name, value);
  }));
  websocket::response_type response;
  ec = RunWithTimeout(ioc_, socket(), kTimeout, [&](auto handler) {
    ws_.async_handshake(response, "127.0.0.1", std::string(target), std::move(handler));
  });
  if (ec) {
    if (refused_status != nullptr) *refused_status = static_cast<int>(response.result_int());
    return ToStatus(ec, "handshake (HTTP " + std::to_string(response.result_int()) + ")");
  }
  return Status::Ok();
}

Status TestWebSocket::Send(std::string_view message, bool binary,
                           std::chrono::milliseconds timeout) {
  ws_.binary(binary);
  const beast::error_code ec = RunWithTimeout(ioc_, socket(), timeout, [&](auto handler) {
    ws_.async_write(net::buffer(message.data(), message.size()), std::move(handler));
  });
  return ec ? ToStatus(ec, "send") : Status::Ok();
}

Result<std::string> TestWebSocket::Read(std::chrono::milliseconds timeout) {
  const beast::error_code ec = RunWithTimeout(
      ioc_, socket(), timeout, [&](auto handler) { ws_.async_read(buffer_, std::move(handler)); });
  if (ec) return ToStatus(ec, "read");
  std::string text = beast::buffers_to_string(buffer_.data());
  buffer_.consume(buffer_.size());
  return text;
}

Status TestWebSocket::Close(int code, std::chrono::milliseconds timeout) {
  const beast::error_code ec = RunWithTimeout(ioc_, socket(), timeout, [&](auto handler) {
    ws_.async_close(websocket::close_reason(static_cast<std::uint16_t>(code)), std::move(handler));
  });
  return ec ? ToStatus(ec, "close") : Status::Ok();
}

int TestWebSocket::close_code() const { return static_cast<int>(ws_.reason().code); }

Result<int> TestWebSocket::ReadUntilClosed(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int messages = 0;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return DeadlineExceededError("the server did not close the WebSocket");
    auto message = Read(left);
    if (message.ok()) {
      ++messages;
      continue;
    }
    if (message.status().code() == StatusCode::kDeadlineExceeded) return message.status();
    return messages;
  }
}

std::function<void(std::string_view)> ErrorLog::Sink() {
  return [this](std::string_view line) {
    std::lock_guard lock(mu_);
    lines_.emplace_back(line);
    cv_.notify_all();
  };
}

bool ErrorLog::WaitFor(std::string_view needle, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] {
    for (const std::string& line : lines_) {
      if (line.find(needle) != std::string::npos) return true;
    }
    return false;
  });
}

bool ErrorLog::Contains(std::string_view needle) const {
  std::lock_guard lock(mu_);
  for (const std::string& line : lines_) {
    if (line.find(needle) != std::string::npos) return true;
  }
  return false;
}

std::size_t ErrorLog::size() const {
  std::lock_guard lock(mu_);
  return lines_.size();
}

std::string ErrorLog::Dump() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const std::string& line : lines_) out += line + "\n";
  return out;
}

void PendingResponders::Push(Responder responder) {
  std::lock_guard lock(mu_);
  pending_.push_back(std::move(responder));
  cv_.notify_all();
}

bool PendingResponders::WaitForCount(std::size_t n, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return pending_.size() >= n; });
}

Responder PendingResponders::Take(std::size_t i) {
  std::lock_guard lock(mu_);
  return std::move(pending_.at(i));
}

Result<std::unique_ptr<HttpServer>> StartTestServer(ServerOptions options, Router router,
                                                    ErrorLog* log) {
  options.host = "127.0.0.1";
  options.port = 0;
  if (log != nullptr) options.on_error = log->Sink();
  SEXTANT_RETURN_IF_ERROR(router.Add(
      "GET", "/health",
      [](const HttpRequest&) {
        return JsonResponse(200, {{"ok", true}});
      },
      RouteOptions{.auth = false}));
  return HttpServer::Start(std::move(options), std::move(router));
}

Status ServesHealth(uint16_t port) {
  auto response = Fetch(port, "GET", "/health");
  if (!response.ok()) return response.status();
  if (response->status != 200) {
    return InternalError("GET /health answered " + std::to_string(response->status));
  }
  return Status::Ok();
}

}  // namespace sextant::internal::test_client
