// Small Asio/Beast helpers shared by the HTTP server's listener and sessions.
#pragma once

#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>

namespace sextant::internal {

// "127.0.0.1:8080", or "[::1]:8080" for IPv6.
std::string FormatEndpoint(const boost::asio::ip::tcp::endpoint& endpoint);

// True for the ordinary ways a peer goes away or an operation is cancelled,
// which are not worth reporting.
bool IsPeerDisconnect(const boost::beast::error_code& ec);

}  // namespace sextant::internal
