#include "common/internal/http_server_net.h"

#include <boost/asio/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/websocket/error.hpp>

namespace sextant::internal {

namespace net = boost::asio;

std::string FormatEndpoint(const net::ip::tcp::endpoint& endpoint) {
  const net::ip::address address = endpoint.address();
  std::string host = address.to_string();
  if (address.is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(endpoint.port());
}

bool IsPeerDisconnect(const boost::beast::error_code& ec) {
  return ec == net::error::eof || ec == net::error::connection_reset ||
         ec == net::error::connection_aborted || ec == net::error::broken_pipe ||
         ec == net::error::operation_aborted || ec == net::error::not_connected ||
         ec == net::error::bad_descriptor || ec == boost::beast::http::error::end_of_stream ||
         ec == boost::beast::http::error::partial_message ||
         ec == boost::beast::websocket::error::closed;
}

}  // namespace sextant::internal
