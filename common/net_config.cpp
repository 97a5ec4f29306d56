#include "common/net_config.h"

#include <cstddef>

namespace sextant {

void ApplyHttpClientConfig(const Config& config, HttpClientOptions& options) {
  options.connect_timeout_ms = static_cast<int>(config.GetInt("http.connect_timeout_ms"));
  options.timeout_ms = static_cast<int>(config.GetInt("http.timeout_ms"));
  options.max_response_bytes = static_cast<std::size_t>(config.GetInt("http.max_response_bytes"));
  options.max_redirects = static_cast<int>(config.GetInt("http.max_redirects"));
}

void ApplyServerConfig(const Config& config, ServerOptions& options) {
  options.max_body_bytes = static_cast<std::size_t>(config.GetInt("server.max_body_bytes"));
  options.max_header_bytes = static_cast<std::size_t>(config.GetInt("server.max_header_bytes"));
  options.read_timeout_ms = static_cast<int>(config.GetInt("server.read_timeout_ms"));
  options.ws_send_queue_limit =
      static_cast<std::size_t>(config.GetInt("server.ws_send_queue_limit"));
}

}  // namespace sextant
