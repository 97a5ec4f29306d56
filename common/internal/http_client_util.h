// Helpers of the HTTP client: request validation, header lists, libcurl
// option setting and the mapping of libcurl errors to Status.
#pragma once

#include <sys/socket.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <curl/curl.h>

#include "common/http_client.h"
#include "common/status.h"

namespace sextant::internal::http_client {

// Frees a curl_slist.
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;

std::string ToLowerAscii(std::string_view text);
std::string_view TrimAscii(std::string_view text);

// The first value of header `name` (any case), or "".
std::string FindHeader(const HttpHeaders& headers, std::string_view name);

// The URL for messages: user info removed, control characters escaped, cut to
// a bounded length.
std::string RedactUrlForMessage(std::string_view url);

// Checks the options and the call before any I/O: option ranges
// (invalid_argument), the method and headers (invalid_argument, which also
// catches CR/LF injection), the URL (invalid_argument when malformed or
// without a scheme) and its scheme (permission_denied unless allowed).
[[nodiscard]] Status ValidateCall(const HttpClientOptions& options, const HttpCall& call);

// The header lines for CURLOPT_HTTPHEADER. Adds an empty "Expect:" (no
// 100-continue round trip) unless `headers` has Expect.
[[nodiscard]] Result<SlistPtr> BuildHeaderList(const HttpHeaders& headers);

// "http,https" for CURLOPT_PROTOCOLS_STR, lower case.
std::string JoinProtocols(const std::vector<std::string>& protocols);

// Formats `address` and asks `filter` about it. Refuses families other than
// IPv4 and IPv6.
[[nodiscard]] Status CheckAddress(const HttpConnectFilter& filter, const sockaddr& address);

// Sets libcurl options one after another and keeps the first failure.
class CurlOptionSetter {
 public:
  explicit CurlOptionSetter(CURL* easy) : easy_(easy) {}

  template <typename T>
  void operator()(CURLoption option, T value) {
    if (!status_.ok()) return;
    const CURLcode code = curl_easy_setopt(easy_, option, value);
    if (code != CURLE_OK) status_ = OptionError(option, code);
  }

  [[nodiscard]] Status status() const { return status_; }

 private:
  static Status OptionError(CURLoption option, CURLcode code);

  CURL* easy_;
  Status status_;
};

// The Status for a failed transfer; `error_buffer` holds libcurl's details.
Status CurlErrorToStatus(CURLcode code, const char* error_buffer, const HttpClientOptions& options);

}  // namespace sextant::internal::http_client
