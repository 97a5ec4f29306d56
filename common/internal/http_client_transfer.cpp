#include "common/internal/http_client_transfer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cctype>
#include <charconv>
#include <chrono>
#include <exception>
#include <utility>

#include "common/internal/http_client_util.h"

namespace sextant::internal::http_client {
namespace {

constexpr long kVerifyHostStrict = 2;  // CURLOPT_SSL_VERIFYHOST: name must match

using Clock = std::chrono::steady_clock;

// Everything the callbacks of one transfer share.
struct Transfer {
  const HttpClientOptions* options = nullptr;
  const HttpClient::DataCallback* on_data = nullptr;
  std::size_t max_bytes = 0;
  bool is_head = false;

  long status = 0;             // of the response being received
  bool headers_ended = false;  // its header block is complete
  HttpHeaders headers;
  std::string body;
  std::size_t body_bytes = 0;  // decoded bytes of the final response so far

  std::chrono::milliseconds idle_timeout{0};
  Clock::time_point last_progress;  // when bytes last moved
  curl_off_t last_down = 0;
  curl_off_t last_up = 0;

  Status stop;            // why a callback stopped the transfer
  Status filter_refusal;  // the last connection the connect filter refused
  bool last_connection_refused = false;
};

bool IsFollowedRedirect(const Transfer& t) {
  if (!t.options->follow_redirects) return false;
  switch (t.status) {
    case 301:
    case 302:
    case 303:
    case 307:
    case 308:
      return !FindHeader(t.headers, "location").empty();
    default:
      return false;
  }
}

// At the end of a header block: refuses a body whose Content-Length is over
// the limit before any of it arrives. Encoded bodies are checked as they are
// decoded instead, since the limit counts decoded bytes.
bool CheckDeclaredLength(Transfer& t) {
  // No body follows a HEAD, 1xx, 204 or 304 whatever Content-Length says.
  if (t.is_head || t.status < 200 || t.status == 204 || t.status == 304) return true;
  if (IsFollowedRedirect(t)) return true;
  const std::string encoding = ToLowerAscii(FindHeader(t.headers, "content-encoding"));
  if (!encoding.empty() && encoding != "identity") return true;
  const std::string length = FindHeader(t.headers, "content-length");
  std::uint64_t declared = 0;
  const auto [end, ec] = std::from_chars(length.data(), length.data() + length.size(), declared);
  if (length.empty() || ec != std::errc() || end != length.data() + length.size()) return true;
  if (declared <= t.max_bytes) return true;
  t.stop = ResourceExhaustedError("response body of " + std::to_string(declared) +
                                  " bytes (Content-Length) exceeds the limit of " +
                                  std::to_string(t.max_bytes) + " bytes");
  return false;
}

void OnHeaderLine(Transfer& t, std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.empty()) return;
  if (line.starts_with("HTTP/")) {  // a new response (interim, redirect or final)
    t.status = 0;
    t.headers_ended = false;
    t.headers.clear();
    t.body.clear();
    t.body_bytes = 0;
    if (const std::size_t space = line.find(' '); space != std::string_view::npos) {
      std::string_view code = line.substr(space + 1, 3);
      std::from_chars(code.data(), code.data() + code.size(), t.status);
    }
    return;
  }
  if (t.headers_ended) return;  // trailers
  if ((line.front() == ' ' || line.front() == '\t') && !t.headers.empty()) {
    t.headers.back().second += ' ';  // obsolete line folding
    t.headers.back().second += TrimAscii(line);
    return;
  }
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return;
  t.headers.emplace_back(ToLowerAscii(TrimAscii(line.substr(0, colon))),
                         std::string(TrimAscii(line.substr(colon + 1))));
}

size_t HeaderCallback(char* buffer, size_t size, size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  try {
    const std::string_view line(buffer, n);
    if (line == "\r\n" || line == "\n") {
      if (!t.headers_ended) {
        t.headers_ended = true;
        if (!CheckDeclaredLength(t)) return 0;
      }
      return n;
    }
    OnHeaderLine(t, line);
    return n;
  } catch (const std::exception& e) {
    t.stop = InternalError(std::string("reading response headers: ") + e.what());
    return 0;
  }
}

size_t WriteCallback(char* data, size_t size, size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  if (n > t.max_bytes - t.body_bytes) {
    t.stop = ResourceExhaustedError("response body exceeds the limit of " +
                                    std::to_string(t.max_bytes) + " bytes");
    return 0;
  }
  t.body_bytes += n;
  try {
    if (t.on_data != nullptr && t.status >= 200 && t.status < 300) {
      if (!(*t.on_data)(std::string_view(data, n))) {
        t.stop = AbortedError("stopped by the data callback");
        return 0;
      }
    } else {
      t.body.append(data, n);
    }
  } catch (const std::exception& e) {
    t.stop = InternalError(std::string("the data callback threw: ") + e.what());
    return 0;
  } catch (...) {
    t.stop = InternalError("the data callback threw a non-standard exception");
    return 0;
  }
  return n;
}

// Enforces the idle timeout.
int ProgressCallback(void* user, curl_off_t, curl_off_t down, curl_off_t, curl_off_t up) {
  auto& t = *static_cast<Transfer*>(user);
  const Clock::time_point now = Clock::now();
  if (down != t.last_down || up != t.last_up) {
    t.last_down = down;
    t.last_up = up;
    t.last_progress = now;
    return 0;
  }
  if (now - t.last_progress < t.idle_timeout) return 0;
  t.stop = DeadlineExceededError("no data moved for " + std::to_string(t.idle_timeout.count()) +
                                 " ms (idle timeout)");
  return 1;
}

// Gives the connect filter the address libcurl is about to connect to.
curl_socket_t OpenSocketCallback(void* user, curlsocktype purpose, curl_sockaddr* address) {
  auto& t = *static_cast<Transfer*>(user);
  if (purpose == CURLSOCKTYPE_IPCXN && t.options->connect_filter) {
    Status verdict;
    try {
      verdict = CheckAddress(t.options->connect_filter, address->addr);
    } catch (const std::exception& e) {
      verdict = InternalError(std::string("the connect filter threw: ") + e.what());
    } catch (...) {
      verdict = InternalError("the connect filter threw a non-standard exception");
    }
    if (!verdict.ok()) {
      t.filter_refusal = std::move(verdict);
      t.last_connection_refused = true;
      return CURL_SOCKET_BAD;
    }
  }
  t.last_connection_refused = false;
  return ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

// Sets every option of the transfer. Returns invalid_argument or internal
// when libcurl refuses one.
Status Configure(CURL* easy, const HttpClientOptions& o, const HttpCall& call, Transfer& t,
                 const curl_slist* headers, const std::string& protocols, char* error_buffer) {
  CurlOptionSetter set(easy);
  const std::string user_agent = o.user_agent.empty() ? DefaultHttpUserAgent() : o.user_agent;
  const int timeout_ms = call.timeout_ms.value_or(o.timeout_ms);
  set(CURLOPT_ERRORBUFFER, error_buffer);
  set(CURLOPT_URL, call.url.c_str());
  set(CURLOPT_PROTOCOLS_STR, protocols.c_str());
  set(CURLOPT_REDIR_PROTOCOLS_STR, protocols.c_str());
  set(CURLOPT_NOSIGNAL, 1L);
  set(CURLOPT_ACCEPT_ENCODING, "");
  set(CURLOPT_TCP_KEEPALIVE, 1L);
  set(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
  set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(o.connect_timeout_ms));
  set(CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_ms));
  if (o.idle_timeout_ms > 0) {
    set(CURLOPT_NOPROGRESS, 0L);
    set(CURLOPT_XFERINFOFUNCTION, &ProgressCallback);
    set(CURLOPT_XFERINFODATA, &t);
  }
  set(CURLOPT_FOLLOWLOCATION, o.follow_redirects ? 1L : 0L);
  set(CURLOPT_MAXREDIRS, static_cast<long>(o.max_redirects));
  set(CURLOPT_SSL_VERIFYPEER, o.verify_tls ? 1L : 0L);
  set(CURLOPT_SSL_VERIFYHOST, o.verify_tls ? kVerifyHostStrict : 0L);
  if (!o.ca_bundle.empty()) set(CURLOPT_CAINFO, o.ca_bundle.c_str());
  set(CURLOPT_USERAGENT, user_agent.c_str());
  if (o.proxy.has_value()) set(CURLOPT_PROXY, o.proxy->c_str());
  set(CURLOPT_HTTPHEADER, headers);

  if (call.method == "HEAD") {
    set(CURLOPT_NOBODY, 1L);
  } else if (call.method == "GET" && call.body.empty()) {
    set(CURLOPT_HTTPGET, 1L);
  } else {
    if (!call.body.empty() || call.method == "POST" || call.method == "PUT" ||
        call.method == "PATCH") {
      set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(call.body.size()));
      set(CURLOPT_POSTFIELDS, call.body.data());
    }
    if (call.method != "POST") set(CURLOPT_CUSTOMREQUEST, call.method.c_str());
  }

  set(CURLOPT_HEADERFUNCTION, &HeaderCallback);
  set(CURLOPT_HEADERDATA, &t);
  set(CURLOPT_WRITEFUNCTION, &WriteCallback);
  set(CURLOPT_WRITEDATA, &t);
  set(CURLOPT_OPENSOCKETFUNCTION, &OpenSocketCallback);
  set(CURLOPT_OPENSOCKETDATA, &t);
  return set.status();
}

}  // namespace

Status EnsureCurlInitialized() {
  static const CURLcode code = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (code != CURLE_OK) {
    return InternalError(std::string("curl_global_init failed: ") + curl_easy_strerror(code));
  }
  return Status::Ok();
}

Result<std::unique_ptr<CurlHandle>> CurlHandle::Create() {
  SEXTANT_RETURN_IF_ERROR(EnsureCurlInitialized());
  CURL* easy = curl_easy_init();
  if (easy == nullptr) return ResourceExhaustedError("curl_easy_init failed");
  return std::unique_ptr<CurlHandle>(new CurlHandle(easy));
}

CurlHandle::~CurlHandle() { curl_easy_cleanup(easy_); }

Result<HttpReply> CurlHandle::Run(const HttpClientOptions& options, const HttpCall& call,
                                  const HttpClient::DataCallback* on_data) {
  const std::string context = call.method + " " + RedactUrlForMessage(call.url);
  if (Status s = ValidateCall(options, call); !s.ok()) return s.WithContext(context);
  SEXTANT_ASSIGN_OR_RETURN(SlistPtr headers, BuildHeaderList(call.headers));

  Transfer t;
  t.options = &options;
  t.on_data = on_data;
  t.max_bytes = call.max_response_bytes.value_or(options.max_response_bytes);
  t.is_head = call.method == "HEAD";
  t.idle_timeout = std::chrono::milliseconds(options.idle_timeout_ms);
  t.last_progress = Clock::now();

  curl_easy_reset(easy_);
  char error_buffer[CURL_ERROR_SIZE] = {};
  // Clears the handle's pointers into this frame before it can be pooled;
  // the reset keeps its connection cache.
  const struct ResetOnExit {
    CURL* easy;
    ~ResetOnExit() { curl_easy_reset(easy); }
  } reset_on_exit{easy_};
  const std::string protocols = JoinProtocols(options.allowed_protocols);
  if (Status s = Configure(easy_, options, call, t, headers.get(), protocols, error_buffer);
      !s.ok()) {
    return s.WithContext(context);
  }
  const CURLcode code = curl_easy_perform(easy_);
  if (code != CURLE_OK) {
    const bool callback_stop = code == CURLE_WRITE_ERROR || code == CURLE_ABORTED_BY_CALLBACK;
    if (callback_stop && !t.stop.ok()) return t.stop.WithContext(context);
    if (code == CURLE_COULDNT_CONNECT && t.last_connection_refused) {
      return t.filter_refusal.WithContext(context);
    }
    if (code == CURLE_UNSUPPORTED_PROTOCOL) {
      // The first URL's scheme was checked, so this is a redirect to a scheme
      // not allowed, or a reply that is not HTTP at all (HTTP/0.9).
      if (IsFollowedRedirect(t)) {
        return PermissionDeniedError(
                   "redirect to '" + RedactUrlForMessage(FindHeader(t.headers, "location")) +
                   "' refused: scheme not allowed (allowed: " + protocols + "): " + error_buffer)
            .WithContext(context);
      }
      return UnavailableError(std::string("malformed reply: ") + error_buffer).WithContext(context);
    }
    return CurlErrorToStatus(code, error_buffer, options).WithContext(context);
  }

  HttpReply reply;
  curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &reply.status);
  char* effective_url = nullptr;
  if (curl_easy_getinfo(easy_, CURLINFO_EFFECTIVE_URL, &effective_url) == CURLE_OK &&
      effective_url != nullptr) {
    reply.effective_url = effective_url;
  }
  long redirects = 0;
  curl_easy_getinfo(easy_, CURLINFO_REDIRECT_COUNT, &redirects);
  reply.redirect_count = static_cast<int>(redirects);
  curl_easy_getinfo(easy_, CURLINFO_TOTAL_TIME, &reply.total_seconds);
  reply.headers = std::move(t.headers);
  reply.body = std::move(t.body);
  return reply;
}

}  // namespace sextant::internal::http_client
