#include "toolserver/tools/web/fetch.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <string>
#include <utility>

#include "common/http_client.h"
#include "common/log.h"
#include "toolserver/tools/web/charset.h"
#include "toolserver/tools/web/egress_guard.h"
#include "toolserver/tools/web/page_cache.h"

namespace sextant::toolserver::web {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kAccept =
    "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.8,text/*;q=0.5,*/*;q=0.1";
constexpr std::size_t kMaxUrlInMessage = 200;
// How much of a body is examined to tell text from binary.
constexpr std::size_t kBinaryScanBytes = 1024;
// More control characters than 1 in this many bytes make a body binary.
constexpr std::size_t kControlCharRatio = 32;
constexpr int kMaxPort = 65535;
constexpr long kHttpOkFirst = 200;
constexpr long kHttpOkLast = 299;

std::string Shown(std::string_view url) {
  std::string out;
  for (char c : url.substr(0, kMaxUrlInMessage)) {
    const auto b = static_cast<unsigned char>(c);
    out += (b < 0x20 || b == 0x7F) ? '?' : c;
  }
  if (url.size() > kMaxUrlInMessage) out += "...";
  return out;
}

char ToLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string Lower(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) out += ToLower(c);
  return out;
}

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsHostChar(char c) {
  return IsAlpha(c) || IsDigit(c) || c == '-' || c == '.' || c == '_' || c == '%' ||
         static_cast<unsigned char>(c) >= 0x80;
}

Status BadUrl(std::string_view url, std::string_view why) {
  return InvalidArgumentError("invalid URL '" + Shown(url) + "': " + std::string(why));
}

// Checks the host and port of an authority (userinfo removed).
Status CheckHostPort(std::string_view url, std::string_view hostport) {
  std::string_view port;
  if (hostport.starts_with('[')) {
    const std::size_t close = hostport.find(']');
    if (close == std::string_view::npos) return BadUrl(url, "unterminated IPv6 address");
    const std::string literal(hostport.substr(1, close - 1));
    unsigned char bytes[16];
    if (inet_pton(AF_INET6, literal.c_str(), bytes) != 1) {
      return BadUrl(url, "bad IPv6 address");
    }
    const std::string_view rest = hostport.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(':')) return BadUrl(url, "junk after the IPv6 address");
    if (!rest.empty()) port = rest.substr(1);
  } else {
    const std::size_t colon = hostport.find(':');
    const std::string_view host = hostport.substr(0, colon);
    if (host.empty()) return BadUrl(url, "no host");
    if (!std::all_of(host.begin(), host.end(), IsHostChar)) {
      return BadUrl(url, "bad character in the host");
    }
    if (colon != std::string_view::npos) port = hostport.substr(colon + 1);
  }
  if (!port.empty()) {
    int value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value < 1 || value > kMaxPort) {
      return BadUrl(url, "bad port");
    }
  }
  return Status::Ok();
}

// http or https, "//", a host and an optional port; no blanks or controls.
Status CheckUrl(std::string_view url) {
  if (url.empty()) return InvalidArgumentError("invalid URL: it is empty");
  for (char c : url) {
    const auto b = static_cast<unsigned char>(c);
    if (b <= 0x20 || b == 0x7F) return BadUrl(url, "blank or control character");
  }
  const std::size_t colon = url.find(':');
  const std::string scheme = Lower(url.substr(0, colon));
  if (colon == std::string_view::npos || scheme.empty() || !IsAlpha(scheme[0])) {
    return BadUrl(url, "no scheme (http:// or https://)");
  }
  if (scheme != "http" && scheme != "https") {
    return BadUrl(url, "scheme '" + scheme + "' is not http or https");
  }
  const std::string_view rest = url.substr(colon + 1);
  if (!rest.starts_with("//")) return BadUrl(url, "no '//' after the scheme");
  std::string_view authority = rest.substr(2);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority = authority.substr(at + 1);
  }
  if (authority.empty()) return BadUrl(url, "no host");
  return CheckHostPort(url, authority);
}

// "text/html" from "Text/HTML; charset=utf-8".
std::string MediaType(std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  return Lower(type);
}

bool IsHtmlType(std::string_view media) {
  return media == "text/html" || media == "application/xhtml+xml";
}

bool IsTextType(std::string_view media) {
  return IsHtmlType(media) || media.starts_with("text/") || media == "application/json" ||
         media == "application/xml" || media.ends_with("+xml") || media.ends_with("+json");
}

bool LooksBinary(std::string_view body) {
  const std::string_view bom = BomCharset(body);
  if (bom == "utf-16le" || bom == "utf-16be") return false;
  const std::string_view head = body.substr(0, kBinaryScanBytes);
  std::size_t controls = 0;
  for (char c : head) {
    const auto b = static_cast<unsigned char>(c);
    if (b == 0) return true;
    if (b < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\x1b') ++controls;
  }
  return controls * kControlCharRatio > head.size();
}

// The WHATWG MIME sniffing patterns for HTML, at the start of the body.
bool LooksHtml(std::string_view body) {
  if (body.starts_with("\xEF\xBB\xBF")) body.remove_prefix(3);
  while (!body.empty() && (body.front() == ' ' || body.front() == '\t' || body.front() == '\n' ||
                           body.front() == '\r' || body.front() == '\f')) {
    body.remove_prefix(1);
  }
  if (body.starts_with("<!--")) return true;
  static constexpr std::string_view kTags[] = {
      "<!doctype html", "<html", "<head",  "<script", "<iframe", "<h1",   "<div", "<font",
      "<table",         "<a",    "<style", "<title",  "<b",      "<body", "<br",  "<p"};
  const std::string start = Lower(body.substr(0, 16));
  for (std::string_view tag : kTags) {
    if (start.size() > tag.size() && start.starts_with(tag)) {
      const char next = start[tag.size()];
      if (next == ' ' || next == '>') return true;
    }
  }
  return false;
}

// The media type to treat the body as, or why it is refused.
Result<std::string> CheckContent(std::string media, std::string_view body, std::string_view url) {
  if (media.empty()) {
    if (body.starts_with("%PDF-")) {
      media = "application/pdf";
    } else if (LooksBinary(body)) {
      return FailedPreconditionError(Shown(url) + ": no Content-Type and the body is binary");
    } else {
      media = LooksHtml(body) ? "text/html" : "text/plain";
    }
  }
  if (media == "application/pdf") {
    return FailedPreconditionError("PDF is not supported yet: " + Shown(url));
  }
  if (!IsTextType(media)) {
    return FailedPreconditionError(Shown(url) + ": content type '" + media +
                                   "' is not text or HTML");
  }
  if (LooksBinary(body)) {
    return FailedPreconditionError(Shown(url) + ": the '" + media + "' body is binary");
  }
  return media;
}

Status CheckOptions(const FetchOptions& o) {
  if (o.connect_timeout_ms < 1) return InvalidArgumentError("connect_timeout_ms must be >= 1");
  if (o.timeout_ms < 1) return InvalidArgumentError("timeout_ms must be >= 1");
  if (o.max_bytes < 1) return InvalidArgumentError("max_bytes must be >= 1");
  if (o.max_redirects < 0) return InvalidArgumentError("max_redirects must be >= 0");
  if (o.cache_ttl_seconds < 0) return InvalidArgumentError("cache_ttl_seconds must be >= 0");
  if (o.cache_max_entries < 1) return InvalidArgumentError("cache_max_entries must be >= 1");
  return Status::Ok();
}

HttpClientOptions ClientOptions(const FetchOptions& o, EgressGuard guard) {
  HttpClientOptions c;
  c.connect_timeout_ms = o.connect_timeout_ms;
  c.timeout_ms = o.timeout_ms;
  c.idle_timeout_ms = o.timeout_ms;
  c.max_response_bytes = o.max_bytes;
  c.follow_redirects = true;
  c.max_redirects = o.max_redirects;
  c.user_agent = o.user_agent;
  c.proxy = "";  // a proxy would hide the real peer from the guard
  c.allowed_protocols = {"http", "https"};
  c.connect_filter = [guard = std::move(guard)](const std::string& ip, int) {
    return guard.Check(ip);
  };
  return c;
}

class FetcherImpl final : public Fetcher {
 public:
  FetcherImpl(FetchOptions options, EgressGuard guard, std::unique_ptr<PageCache> cache)
      : options_(std::move(options)),
        client_(ClientOptions(options_, std::move(guard))),
        cache_(std::move(cache)) {}

  Result<FetchedPage> Fetch(std::string_view url, Clock::time_point deadline) override {
    SEXTANT_RETURN_IF_ERROR(CheckUrl(url));
    if (std::optional<FetchedPage> cached = FromCache(url)) return *std::move(cached);
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      return DeadlineExceededError("the deadline passed before fetching " + Shown(url));
    }
    HttpCall call;
    call.url = std::string(url);
    call.headers.emplace_back("Accept", std::string(kAccept));
    call.timeout_ms = static_cast<int>(std::min<long long>(options_.timeout_ms, left));
    SEXTANT_ASSIGN_OR_RETURN(HttpReply reply, client_.Send(call));
    const std::string final_url = reply.effective_url.empty() ? call.url : reply.effective_url;
    if (reply.status < kHttpOkFirst || reply.status > kHttpOkLast) {
      return FailedPreconditionError("HTTP " + std::to_string(reply.status) + " from " +
                                     Shown(final_url));
    }
    const std::string content_type = reply.Header("content-type");
    SEXTANT_ASSIGN_OR_RETURN(std::string media,
                             CheckContent(MediaType(content_type), reply.body, final_url));
    FetchedPage page;
    page.url = call.url;
    page.final_url = final_url;
    page.status = reply.status;
    page.media_type = std::move(media);
    DecodedText text = DecodeToUtf8(reply.body, content_type, page.is_html());
    page.charset = std::move(text.charset);
    page.charset_from = std::move(text.charset_from);
    page.body = std::move(text.text);
    ToCache(page);
    return page;
  }

 private:
  std::optional<FetchedPage> FromCache(std::string_view url) const {
    if (!cache_) return std::nullopt;
    auto hit = cache_->Get(url);
    if (!hit.ok()) {
      LogWarn("web", "page cache read failed", {{"error", hit.status().ToString()}});
      return std::nullopt;
    }
    if (!hit->has_value()) return std::nullopt;
    CachedPage& c = **hit;
    FetchedPage page;
    page.url = std::string(url);
    page.final_url = std::move(c.final_url);
    page.status = c.status;
    page.media_type = std::move(c.media_type);
    page.charset = std::move(c.charset);
    page.charset_from = std::move(c.charset_from);
    page.body = std::move(c.body);
    page.from_cache = true;
    return page;
  }

  void ToCache(const FetchedPage& page) const {
    if (!cache_) return;
    const CachedPage c{page.final_url, page.status,       page.media_type,
                       page.charset,   page.charset_from, page.body};
    if (Status st = cache_->Put(page.url, c); !st.ok()) {
      LogWarn("web", "page cache write failed", {{"error", st.ToString()}});
    }
  }

  const FetchOptions options_;
  HttpClient client_;
  std::unique_ptr<PageCache> cache_;
};

}  // namespace

Result<std::unique_ptr<Fetcher>> Fetcher::Create(FetchOptions options) {
  SEXTANT_RETURN_IF_ERROR(CheckOptions(options));
  SEXTANT_ASSIGN_OR_RETURN(EgressGuard guard, EgressGuard::Create(options.allow_addresses));
  std::unique_ptr<PageCache> cache;
  if (!options.cache_path.empty() && options.cache_ttl_seconds > 0) {
    PageCacheOptions cache_options;
    cache_options.ttl_seconds = options.cache_ttl_seconds;
    cache_options.max_entries = options.cache_max_entries;
    SEXTANT_ASSIGN_OR_RETURN(cache, PageCache::Create(options.cache_path, cache_options));
  }
  return std::unique_ptr<Fetcher>(
      new FetcherImpl(std::move(options), std::move(guard), std::move(cache)));
}

}  // namespace sextant::toolserver::web
