// Accepts connections and starts an HttpSession for each.
//
// Ownership: shared; HttpServer and the pending accept hold it. Thread
// safety: runs on its own strand; Run and Stop may be called from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>

#include "common/internal/http_server_state.h"
#include "common/status.h"

namespace sextant::internal {

// Opens, binds and listens: invalid_argument for a host that does not
// resolve, unavailable (naming host:port) when binding or listening fails.
Result<boost::asio::ip::tcp::acceptor> OpenAcceptor(boost::asio::io_context& ioc,
                                                    const std::string& host, uint16_t port);

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(boost::asio::io_context& ioc, boost::asio::ip::tcp::acceptor acceptor,
           std::shared_ptr<ServerState> state);

  void Run();
  // Closes the acceptor; connections already accepted are left alone.
  void Stop();

 private:
  void DoAccept();
  void OnAccept(boost::beast::error_code ec, boost::asio::ip::tcp::socket socket);
  void OnRetry(boost::beast::error_code ec);
  void Fail(boost::beast::error_code ec, std::string_view what);

  boost::asio::io_context& ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;
  std::shared_ptr<ServerState> state_;
  bool stopped_ = false;
};

}  // namespace sextant::internal
