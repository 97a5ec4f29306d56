// One libcurl transfer for HttpClient: handle setup, callbacks and the
// mapping of libcurl results to Status. Private to common/http_client.cpp.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <curl/curl.h>

#include "common/http_client.h"
#include "common/status.h"

namespace sextant::internal::http_client {

// Initialises libcurl for the process the first time it is called; later
// calls (from any thread) are no-ops. Returns the result of that first init.
[[nodiscard]] Status EnsureCurlInitialized();

// Owns one libcurl easy handle.
class CurlHandle {
 public:
  // Returns a fresh handle; internal or resource_exhausted when libcurl fails.
  [[nodiscard]] static Result<std::unique_ptr<CurlHandle>> Create();
  ~CurlHandle();
  CurlHandle(const CurlHandle&) = delete;
  CurlHandle& operator=(const CurlHandle&) = delete;

  // Runs `call` on this handle, which it first resets (keeping its cached
  // connections). A null `on_data` buffers the body in the reply; otherwise
  // 2xx bodies go to `on_data`.
  [[nodiscard]] Result<HttpReply> Run(const HttpClientOptions& options, const HttpCall& call,
                                      const HttpClient::DataCallback* on_data);

 private:
  explicit CurlHandle(CURL* easy) : easy_(easy) {}
  CURL* easy_;
};

}  // namespace sextant::internal::http_client
