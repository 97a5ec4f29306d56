#include "common/internal/http_client_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace sextant::internal::http_client {
namespace {

constexpr std::size_t kMaxUrlInMessage = 256;
constexpr std::string_view kTokenPunctuation = "!#$%&'*+-.^_`|~";

bool IsTokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
         kTokenPunctuation.find(c) != std::string_view::npos;
}

bool IsToken(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), IsTokenChar);
}

bool IsSchemeName(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+' || c == '-' || c == '.';
  });
}

struct CurlUrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};

struct CurlFreeDeleter {
  void operator()(char* text) const { curl_free(text); }
};

Status CheckOptions(const HttpClientOptions& o, const HttpCall& call) {
  if (o.connect_timeout_ms <= 0) return InvalidArgumentError("connect_timeout_ms must be > 0");
  if (call.timeout_ms.value_or(o.timeout_ms) < 0) {
    return InvalidArgumentError("timeout_ms must be >= 0");
  }
  if (o.idle_timeout_ms < 0) return InvalidArgumentError("idle_timeout_ms must be >= 0");
  if (o.max_redirects < 0) return InvalidArgumentError("max_redirects must be >= 0");
  for (const std::string& protocol : o.allowed_protocols) {
    if (!IsSchemeName(protocol)) {
      return InvalidArgumentError("allowed_protocols holds a bad scheme name '" + protocol + "'");
    }
  }
  return Status::Ok();
}

Status CheckUrl(const HttpClientOptions& options, const std::string& url) {
  std::unique_ptr<CURLU, CurlUrlDeleter> parsed(curl_url());
  if (!parsed) return ResourceExhaustedError("curl_url failed");
  if (url.find('\0') != std::string::npos) return InvalidArgumentError("URL holds a NUL byte");
  const CURLUcode code =
      curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), CURLU_NON_SUPPORT_SCHEME);
  if (code != CURLUE_OK) {
    return InvalidArgumentError(std::string("malformed URL: ") + curl_url_strerror(code));
  }
  char* raw_scheme = nullptr;
  if (curl_url_get(parsed.get(), CURLUPART_SCHEME, &raw_scheme, 0) != CURLUE_OK) {
    return InvalidArgumentError("malformed URL: no scheme");
  }
  const std::unique_ptr<char, CurlFreeDeleter> scheme_holder(raw_scheme);
  const std::string scheme = ToLowerAscii(raw_scheme);
  for (const std::string& allowed : options.allowed_protocols) {
    if (ToLowerAscii(allowed) == scheme) return Status::Ok();
  }
  return PermissionDeniedError("URL scheme '" + scheme + "' is not allowed (allowed: " +
                               JoinProtocols(options.allowed_protocols) + ")");
}

}  // namespace

std::string ToLowerAscii(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view TrimAscii(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::string FindHeader(const HttpHeaders& headers, std::string_view name) {
  const std::string lower = ToLowerAscii(name);
  for (const auto& [key, value] : headers) {
    if (ToLowerAscii(key) == lower) return value;
  }
  return "";
}

std::string RedactUrlForMessage(std::string_view url) {
  std::string kept(url);
  if (const std::size_t start = kept.find("://"); start != std::string::npos) {
    const std::size_t authority = start + 3;
    const std::size_t end = std::min(kept.find_first_of("/?#", authority), kept.size());
    const std::size_t at = kept.rfind('@', end == 0 ? 0 : end - 1);
    if (at != std::string::npos && at >= authority && at < end) {
      kept.erase(authority, at + 1 - authority);
    }
  }
  std::string out;
  for (char c : kept) {
    if (out.size() >= kMaxUrlInMessage) {
      out += "...";
      break;
    }
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F) {
      char escaped[8];
      std::snprintf(escaped, sizeof(escaped), "%%%02X", byte);
      out += escaped;
    } else {
      out += c;
    }
  }
  return out;
}

Status ValidateCall(const HttpClientOptions& options, const HttpCall& call) {
  SEXTANT_RETURN_IF_ERROR(CheckOptions(options, call));
  if (!IsToken(call.method)) return InvalidArgumentError("malformed HTTP method");
  if (call.method == "HEAD" && !call.body.empty()) {
    return InvalidArgumentError("a HEAD request cannot carry a body");
  }
  for (const auto& [name, value] : call.headers) {
    if (!IsToken(name)) return InvalidArgumentError("malformed header name '" + name + "'");
    if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      return InvalidArgumentError("header '" + name + "' holds CR, LF or NUL");
    }
  }
  return CheckUrl(options, call.url);
}

Result<SlistPtr> BuildHeaderList(const HttpHeaders& headers) {
  SlistPtr list;
  bool has_expect = false;
  auto append = [&list](const std::string& line) {
    curl_slist* grown = curl_slist_append(list.get(), line.c_str());
    if (grown == nullptr) return false;
    static_cast<void>(list.release());
    list.reset(grown);
    return true;
  };
  for (const auto& [name, value] : headers) {
    if (ToLowerAscii(name) == "expect") has_expect = true;
    // libcurl drops "Name:" but sends "Name;" as an empty header.
    if (!append(value.empty() ? name + ";" : name + ": " + value)) {
      return ResourceExhaustedError("curl_slist_append failed");
    }
  }
  if (!has_expect && !append("Expect:")) return ResourceExhaustedError("curl_slist_append failed");
  return list;
}

std::string JoinProtocols(const std::vector<std::string>& protocols) {
  std::string out;
  for (const std::string& protocol : protocols) {
    if (!out.empty()) out += ',';
    out += ToLowerAscii(protocol);
  }
  return out;
}

Status CheckAddress(const HttpConnectFilter& filter, const sockaddr& address) {
  char text[INET6_ADDRSTRLEN] = {};
  int port = 0;
  if (address.sa_family == AF_INET) {
    const auto& in = reinterpret_cast<const sockaddr_in&>(address);
    inet_ntop(AF_INET, &in.sin_addr, text, sizeof(text));
    port = ntohs(in.sin_port);
  } else if (address.sa_family == AF_INET6) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(address);
    inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof(text));
    port = ntohs(in6.sin6_port);
  } else {
    return PermissionDeniedError("connection refused: address family " +
                                 std::to_string(address.sa_family) +
                                 " is not IP and the connect filter cannot judge it");
  }
  return filter(text, port);
}

Status CurlOptionSetter::OptionError(CURLoption option, CURLcode code) {
  const std::string message =
      "libcurl refused option " + std::to_string(option) + ": " + curl_easy_strerror(code);
  if (code == CURLE_BAD_FUNCTION_ARGUMENT) return InvalidArgumentError(message);
  return InternalError(message);
}

Status CurlErrorToStatus(CURLcode code, const char* error_buffer,
                         const HttpClientOptions& options) {
  std::string detail = curl_easy_strerror(code);
  if (error_buffer != nullptr && error_buffer[0] != '\0') {
    detail += " (";
    detail += error_buffer;
    detail += ")";
  }
  switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
      return PermissionDeniedError("scheme not allowed (allowed: " +
                                   JoinProtocols(options.allowed_protocols) + "): " + detail);
    case CURLE_URL_MALFORMAT:
      return InvalidArgumentError(detail);
    case CURLE_OPERATION_TIMEDOUT:
      return DeadlineExceededError(detail);
    case CURLE_TOO_MANY_REDIRECTS:
      return ResourceExhaustedError("more than " + std::to_string(options.max_redirects) +
                                    " redirects: " + detail);
    case CURLE_FILESIZE_EXCEEDED:
    case CURLE_OUT_OF_MEMORY:
      return ResourceExhaustedError(detail);
    case CURLE_ABORTED_BY_CALLBACK:
      return AbortedError(detail);
    case CURLE_BAD_CONTENT_ENCODING:
      return DataLossError(detail);
    case CURLE_LOGIN_DENIED:
    case CURLE_AUTH_ERROR:
      return UnauthenticatedError(detail);
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_USE_SSL_FAILED:
      return UnavailableError("TLS failure: " + detail);
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
      return FailedPreconditionError("TLS setup: " + detail);
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
    case CURLE_QUIC_CONNECT_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_PROXY:
      return UnavailableError(detail);
    case CURLE_FAILED_INIT:
    case CURLE_NOT_BUILT_IN:
    case CURLE_UNKNOWN_OPTION:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_WRITE_ERROR:
    case CURLE_RECURSIVE_API_CALL:
      return InternalError(detail);
    default:
      return Status(StatusCode::kUnknown, detail);
  }
}

}  // namespace sextant::internal::http_client
