#include "common/internal/http_server_listener.h"

#include <chrono>
#include <utility>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>

#include "common/internal/http_server_net.h"
#include "common/internal/http_server_session.h"

namespace sextant::internal {
namespace {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// After a failed accept (such as running out of file descriptors), wait this
// long before the next, rather than spinning.
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};

}  // namespace

Result<tcp::acceptor> OpenAcceptor(net::io_context& ioc, const std::string& host, uint16_t port) {
  const std::string where = host + ":" + std::to_string(port);
  beast::error_code ec;
  tcp::resolver resolver(ioc);
  const auto results = resolver.resolve(
      host, std::to_string(port), tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || results.empty()) {
    return InvalidArgumentError("cannot resolve listen address " + where + ": " +
                                (ec ? ec.message() : std::string("no addresses")));
  }
  const tcp::endpoint endpoint = results.begin()->endpoint();
  const std::string address = FormatEndpoint(endpoint);

  tcp::acceptor acceptor(net::make_strand(ioc));
  const auto failed = [&](std::string_view step) {
    return UnavailableError("cannot " + std::string(step) + " " + address + ": " + ec.message());
  };
  acceptor.open(endpoint.protocol(), ec);
  if (ec) return failed("open a socket for");
  acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (ec) return failed("configure");
  acceptor.bind(endpoint, ec);
  if (ec) return failed("bind");
  acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return failed("listen on");
  return acceptor;
}

Listener::Listener(net::io_context& ioc, tcp::acceptor acceptor, std::shared_ptr<ServerState> state)
    : ioc_(ioc),
      acceptor_(std::move(acceptor)),
      retry_timer_(acceptor_.get_executor()),
      state_(std::move(state)) {}

void Listener::Run() {
  net::dispatch(acceptor_.get_executor(),
                beast::bind_front_handler(&Listener::DoAccept, shared_from_this()));
}

void Listener::Stop() {
  net::post(acceptor_.get_executor(), [self = shared_from_this()] {
    self->stopped_ = true;
    beast::error_code ignored;
    self->acceptor_.close(ignored);
    self->retry_timer_.cancel();
  });
}

void Listener::DoAccept() {
  if (stopped_) return;
  acceptor_.async_accept(net::make_strand(ioc_),
                         beast::bind_front_handler(&Listener::OnAccept, shared_from_this()));
}

void Listener::OnAccept(beast::error_code ec, tcp::socket socket) {
  if (ec) return Fail(ec, "accept");
  beast::error_code ignored;
  if (stopped_ || state_->shutting_down()) {
    socket.close(ignored);
    return;
  }
  const auto limit = static_cast<std::size_t>(state_->options().max_connections);
  if (state_->sessions().size() >= limit) {
    const auto peer = socket.remote_endpoint(ignored);
    state_->ReportError("http: refused a connection from " + FormatEndpoint(peer) + ": " +
                        std::to_string(limit) + " connections are open (max_connections)");
    socket.close(ignored);
    return DoAccept();
  }
  socket.set_option(tcp::no_delay(true), ignored);
  std::make_shared<HttpSession>(std::move(socket), state_)->Run();
  DoAccept();
}

void Listener::OnRetry(beast::error_code ec) {
  // An error here only means the wait was cancelled by Stop.
  if (ec) return;
  DoAccept();
}

void Listener::Fail(beast::error_code ec, std::string_view what) {
  if (stopped_ || ec == net::error::operation_aborted) return;
  state_->ReportError("http: " + std::string(what) + ": " + ec.message());
  retry_timer_.expires_after(kAcceptRetryDelay);
  retry_timer_.async_wait(beast::bind_front_handler(&Listener::OnRetry, shared_from_this()));
}

}  // namespace sextant::internal
