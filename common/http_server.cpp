#include "common/http_server.h"

#include <cassert>
#include <exception>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "common/internal/http_server_listener.h"
#include "common/internal/http_server_net.h"
#include "common/internal/http_server_router.h"
#include "common/internal/http_server_state.h"
#include "common/internal/http_server_util.h"

namespace sextant {
namespace {

namespace net = boost::asio;

constexpr int kMaxIoThreads = 256;
// After the grace period, force-closed connections get this long to unwind
// before the I/O threads are stopped regardless.
constexpr std::chrono::milliseconds kForceCloseWait{1000};

Status ValidateOptions(const ServerOptions& o) {
  const auto bad = [](std::string what) {
    return InvalidArgumentError("server option " + std::move(what));
  };
  if (o.io_threads < 1 || o.io_threads > kMaxIoThreads) {
    return bad("io_threads must be in 1.." + std::to_string(kMaxIoThreads));
  }
  if (o.max_connections < 1) return bad("max_connections must be positive");
  if (o.max_header_bytes < 1 || o.max_header_bytes > std::numeric_limits<std::uint32_t>::max()) {
    return bad("max_header_bytes must be in 1..2^32-1");
  }
  if (o.ws_max_message_bytes < 1) return bad("ws_max_message_bytes must be positive");
  if (o.ws_send_queue_limit < 1) return bad("ws_send_queue_limit must be positive");
  const std::pair<const char*, int> timeouts[] = {
      {"read_timeout_ms", o.read_timeout_ms},
      {"idle_timeout_ms", o.idle_timeout_ms},
      {"write_timeout_ms", o.write_timeout_ms},
      {"linger_timeout_ms", o.linger_timeout_ms},
      {"shutdown_grace_ms", o.shutdown_grace_ms},
      {"ws_handshake_timeout_ms", o.ws_handshake_timeout_ms},
      {"ws_idle_timeout_ms", o.ws_idle_timeout_ms},
  };
  for (const auto& [name, value] : timeouts) {
    if (value < 1) return bad(std::string(name) + " must be positive");
  }
  return Status::Ok();
}

// Runs the io_context until it is stopped; exceptions are reported and the loop goes on.
void RunIoContext(net::io_context& ioc, internal::ServerState& state) {
  for (;;) {
    try {
      ioc.run();
      return;
    } catch (const std::exception& e) {
      state.ReportError(std::string("http: an I/O thread caught: ") + e.what());
    } catch (...) {
      state.ReportError("http: an I/O thread caught a non-standard exception");
    }
  }
}

}  // namespace

std::string HttpRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (internal::EqualsIgnoreCase(key, name)) return value;
  }
  return {};
}

HttpResponse JsonResponse(int status, const Json& body) {
  HttpResponse response;
  response.status = status;
  response.body = DumpJson(body);
  return response;
}

HttpResponse ErrorResponse(int status, std::string_view code, std::string_view message) {
  Json body;
  body["error"]["code"] = std::string(code);
  body["error"]["message"] = std::string(message);
  return JsonResponse(status, body);
}

Router::Router() : table_(std::make_unique<internal::RouteTable>()) {}
Router::~Router() = default;
Router::Router(Router&&) noexcept = default;
Router& Router::operator=(Router&&) noexcept = default;

Status Router::Add(std::string_view method, std::string_view pattern, Handler handler,
                   RouteOptions options) {
  if (!handler) return InvalidArgumentError("route " + std::string(pattern) + " has no handler");
  internal::Route route;
  route.kind = internal::RouteKind::kSync;
  route.method = std::string(method);
  route.pattern = std::string(pattern);
  route.options = options;
  route.handler = std::move(handler);
  if (!table_) table_ = std::make_unique<internal::RouteTable>();
  return table_->Add(std::move(route));
}

Status Router::AddAsync(std::string_view method, std::string_view pattern, AsyncHandler handler,
                        RouteOptions options) {
  if (!handler) return InvalidArgumentError("route " + std::string(pattern) + " has no handler");
  internal::Route route;
  route.kind = internal::RouteKind::kAsync;
  route.method = std::string(method);
  route.pattern = std::string(pattern);
  route.options = options;
  route.async_handler = std::move(handler);
  if (!table_) table_ = std::make_unique<internal::RouteTable>();
  return table_->Add(std::move(route));
}

Status Router::AddWebSocket(std::string_view pattern, WebSocketHandler handler,
                            RouteOptions options) {
  internal::Route route;
  route.kind = internal::RouteKind::kWebSocket;
  route.method = "GET";
  route.pattern = std::string(pattern);
  route.options = options;
  route.websocket_handler = std::move(handler);
  if (!table_) table_ = std::make_unique<internal::RouteTable>();
  return table_->Add(std::move(route));
}

struct HttpServer::Impl {
  using WorkGuard = net::executor_work_guard<net::io_context::executor_type>;

  std::shared_ptr<internal::ServerState> state;
  std::unique_ptr<net::io_context> ioc;
  // Keeps the I/O threads running while no operation is pending, as when
  // every connection waits for an asynchronous handler.
  std::optional<WorkGuard> work;
  std::shared_ptr<internal::Listener> listener;
  std::vector<std::thread> threads;
  uint16_t port = 0;
  std::string address;

  std::mutex shutdown_mu;
  bool shut_down = false;

  bool OnIoThread() const {
    const auto self = std::this_thread::get_id();
    for (const std::thread& t : threads) {
      if (t.get_id() == self) return true;
    }
    return false;
  }

  void StopThreads() {
    work.reset();
    if (ioc) ioc->stop();
    for (std::thread& t : threads) {
      if (t.joinable()) t.join();
    }
    threads.clear();
  }

  // After the I/O threads stopped: closes the gate, breaks the sessions'
  // self-references and destroys the io_context with whatever handlers it
  // still holds, so no session outlives it.
  void Teardown() {
    state->gate().Close();
    for (const auto& session : state->sessions().Snapshot()) session->BreakCycle();
    listener.reset();
    ioc.reset();
  }
};

HttpServer::HttpServer(PassKey, std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
  Shutdown(std::chrono::milliseconds(impl_->state->options().shutdown_grace_ms));
}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(ServerOptions options, Router router) {
  SEXTANT_RETURN_IF_ERROR(ValidateOptions(options));
  auto impl = std::make_unique<Impl>();
  auto routes = std::move(router.table_);
  if (!routes) routes = std::make_unique<internal::RouteTable>();
  const int io_threads = options.io_threads;
  const std::string host = options.host;
  const uint16_t requested_port = options.port;
  impl->state = std::make_shared<internal::ServerState>(std::move(options), std::move(routes));
  impl->ioc = std::make_unique<net::io_context>(io_threads);
  impl->work.emplace(impl->ioc->get_executor());

  auto acceptor = internal::OpenAcceptor(*impl->ioc, host, requested_port);
  if (!acceptor.ok()) return acceptor.status();
  boost::system::error_code ec;
  const auto endpoint = acceptor->local_endpoint(ec);
  if (ec) return UnavailableError("cannot read the bound address of " + host + ": " + ec.message());
  impl->port = endpoint.port();
  impl->address = internal::FormatEndpoint(endpoint);

  impl->listener =
      std::make_shared<internal::Listener>(*impl->ioc, std::move(acceptor).value(), impl->state);
  impl->listener->Run();
  try {
    impl->threads.reserve(static_cast<std::size_t>(io_threads));
    for (int i = 0; i < io_threads; ++i) {
      impl->threads.emplace_back(
          [ioc = impl->ioc.get(), state = impl->state] { RunIoContext(*ioc, *state); });
    }
  } catch (const std::exception& e) {
    impl->StopThreads();
    impl->Teardown();
    return ResourceExhaustedError("cannot start the I/O threads of " + impl->address + ": " +
                                  e.what());
  }
  return std::make_unique<HttpServer>(PassKey(), std::move(impl));
}

uint16_t HttpServer::port() const { return impl_->port; }

std::string HttpServer::address() const { return impl_->address; }

void HttpServer::Shutdown(std::chrono::milliseconds grace) {
  Impl& impl = *impl_;
  std::lock_guard lock(impl.shutdown_mu);
  if (impl.shut_down) return;
  if (impl.OnIoThread()) {
    assert(false && "HttpServer::Shutdown called from an I/O thread");
    impl.state->ReportError("http: Shutdown called from an I/O thread; ignored");
    return;
  }
  impl.shut_down = true;
  internal::ServerState& state = *impl.state;

  state.set_shutting_down();
  impl.listener->Stop();
  for (const auto& session : state.sessions().Snapshot()) session->BeginShutdown();
  const auto deadline = std::chrono::steady_clock::now() + grace;
  if (!state.sessions().WaitEmpty(deadline)) {
    for (const auto& session : state.sessions().Snapshot()) session->ForceClose();
    if (!state.sessions().WaitEmpty(std::chrono::steady_clock::now() + kForceCloseWait)) {
      state.ReportError("http: connections were still open after the forced close; dropping them");
    }
  }
  impl.StopThreads();
  impl.Teardown();
}

}  // namespace sextant
