// Applies the declared `http.*` and `server.*` config keys (DeclareCommonConfig)
// to the HTTP client's and the HTTP server's options, so that every client and
// server in the binary honours the same configured limits.
//
// Thread safety: free functions over immutable inputs. Errors: none; the keys
// were range-checked when the Config was loaded.
#pragma once

#include "common/config.h"
#include "common/http_client.h"
#include "common/http_server.h"

namespace sextant {

// Sets connect_timeout_ms, timeout_ms, max_response_bytes and max_redirects
// from `config`; leaves the other fields of `options` alone.
void ApplyHttpClientConfig(const Config& config, HttpClientOptions& options);

// Sets max_body_bytes, max_header_bytes, read_timeout_ms and
// ws_send_queue_limit from `config`; leaves the other fields alone.
void ApplyServerConfig(const Config& config, ServerOptions& options);

}  // namespace sextant
