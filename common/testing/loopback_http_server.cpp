#include "common/testing/loopback_http_server.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <zlib.h>

#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace sextant::testing {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);
constexpr long kCertificateLifetimeSeconds = 24 * 60 * 60;
constexpr long kCertificateBackdateSeconds = 60 * 60;
constexpr std::string_view kLoopbackHost = "127.0.0.1";
constexpr int kZlibFormatWindowBits = 15;
constexpr int kGzipFormatWindowBits = 15 + 16;
constexpr int kDefaultMemLevel = 8;

std::string LowerAscii(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string StatusLine(int status) {
  const std::string_view reason = http::obsolete_reason(http::int_to_status(status));
  return "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) + "\r\n";
}

// "/p" from "/p?q" or "http://host/p?q".
std::string PathOf(std::string_view target) {
  if (const std::size_t scheme = target.find("://"); scheme != std::string_view::npos) {
    const std::size_t slash = target.find('/', scheme + 3);
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
  }
  return std::string(target.substr(0, target.find_first_of("?#")));
}

std::string Deflate(std::string_view data, int window_bits) {
  z_stream stream{};
  if (deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, window_bits, kDefaultMemLevel,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    return "";
  }
  std::string out(deflateBound(&stream, data.size()), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int result = deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return result == Z_STREAM_END ? out : "";
}

struct PemPair {
  std::string certificate;
  std::string private_key;
};

std::string BioText(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

// A fresh P-256 key and a self-signed certificate for 127.0.0.1.
std::optional<PemPair> MakeSelfSignedCertificate() {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), &EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), &X509_free);
  if (!key || !cert) return std::nullopt;
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -kCertificateBackdateSeconds);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), kCertificateLifetimeSeconds);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  const std::string host(kLoopbackHost);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(host.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  const std::string san = "IP:" + host;
  for (const auto& [nid, value] : {std::pair{NID_subject_alt_name, san.c_str()},
                                   std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (ext == nullptr) return std::nullopt;
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return std::nullopt;
  std::unique_ptr<BIO, decltype(&BIO_free)> cert_bio(BIO_new(BIO_s_mem()), &BIO_free);
  std::unique_ptr<BIO, decltype(&BIO_free)> key_bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (!cert_bio || !key_bio || PEM_write_bio_X509(cert_bio.get(), cert.get()) != 1 ||
      PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
          1) {
    return std::nullopt;
  }
  return PemPair{BioText(cert_bio.get()), BioText(key_bio.get())};
}

}  // namespace

std::string ReceivedRequest::Header(std::string_view name) const {
  const std::string lower = LowerAscii(name);
  for (const auto& [key, value] : headers) {
    if (key == lower) return value;
  }
  return "";
}

ScriptedReply ScriptedReply::Full(int status, std::string body, HttpHeaderList headers) {
  bool has_type = false;
  for (const auto& header : headers) has_type |= LowerAscii(header.first) == "content-type";
  if (!has_type) headers.emplace_back("Content-Type", "text/plain");
  headers.emplace_back("Content-Length", std::to_string(body.size()));
  ScriptedReply reply = Head(status, headers);
  reply.Write(std::move(body));
  return reply;
}

ScriptedReply ScriptedReply::Head(int status, const HttpHeaderList& headers) {
  std::string head = StatusLine(status);
  for (const auto& [name, value] : headers) head += name + ": " + value + "\r\n";
  head += "\r\n";
  ScriptedReply reply;
  reply.Write(std::move(head));
  return reply;
}

ScriptedReply ScriptedReply::Chunked(int status, HttpHeaderList headers) {
  headers.emplace_back("Transfer-Encoding", "chunked");
  return Head(status, headers);
}

ScriptedReply ScriptedReply::Redirect(std::string location, int status) {
  return Full(status, "", {{"Location", std::move(location)}});
}

ScriptedReply ScriptedReply::Silent() { return ScriptedReply().Hang(); }

ScriptedReply& ScriptedReply::Write(std::string bytes) {
  steps_.push_back(Step{Step::Kind::kWrite, std::move(bytes), {}});
  return *this;
}

ScriptedReply& ScriptedReply::Chunk(std::string_view data) {
  char size[32];
  std::snprintf(size, sizeof(size), "%zx\r\n", data.size());
  return Write(size + std::string(data) + "\r\n");
}

ScriptedReply& ScriptedReply::EndChunks() { return Write("0\r\n\r\n"); }

ScriptedReply& ScriptedReply::Pause(std::chrono::milliseconds duration) {
  steps_.push_back(Step{Step::Kind::kPause, "", duration});
  return *this;
}

ScriptedReply& ScriptedReply::Trickle(std::string_view bytes, std::chrono::milliseconds interval) {
  for (char c : bytes) Pause(interval).Write(std::string(1, c));
  return *this;
}

ScriptedReply& ScriptedReply::Close() {
  steps_.push_back(Step{Step::Kind::kClose, "", {}});
  return *this;
}

ScriptedReply& ScriptedReply::Hang() {
  steps_.push_back(Step{Step::Kind::kHang, "", {}});
  return *this;
}

class LoopbackHttpServer::Impl {
 public:
  explicit Impl(LoopbackServerOptions options)
      : options_(options), tls_(asio::ssl::context::tls_server), acceptor_(io_) {}

  ~Impl() {
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  Status Start() {
    boost::system::error_code ec;
    const tcp::endpoint endpoint(asio::ip::make_address_v4(std::string(kLoopbackHost)), 0);
    if (acceptor_.open(endpoint.protocol(), ec) || acceptor_.bind(endpoint, ec) ||
        acceptor_.listen(asio::socket_base::max_listen_connections, ec)) {
      return UnavailableError("loopback server cannot listen: " + ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
    if (options_.tls) {
      std::optional<PemPair> pem = MakeSelfSignedCertificate();
      if (!pem) return UnavailableError("loopback server cannot make a TLS certificate");
      certificate_pem_ = pem->certificate;
      if (tls_.use_certificate_chain(asio::buffer(pem->certificate), ec) ||
          tls_.use_private_key(asio::buffer(pem->private_key), asio::ssl::context::pem, ec)) {
        return UnavailableError("loopback server TLS setup: " + ec.message());
      }
    }
    asio::co_spawn(io_, Accept(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
    return Status::Ok();
  }

  int port() const { return port_; }
  bool tls() const { return options_.tls; }
  const std::string& certificate_pem() const { return certificate_pem_; }

  void SetRoute(std::string path, Handler handler) {
    std::lock_guard<std::mutex> lock(mutex_);
    routes_[std::move(path)] = std::move(handler);
  }

  std::vector<ReceivedRequest> requests() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }

  std::size_t connections_accepted() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return connections_;
  }

  bool WaitForRequests(std::size_t count, std::chrono::milliseconds timeout) const {
    std::unique_lock<std::mutex> lock(mutex_);
    return arrived_.wait_for(lock, timeout, [&] { return requests_.size() >= count; });
  }

 private:
  asio::awaitable<void> Accept() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(kAwait);
      if (ec) co_return;
      boost::system::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);  // scripted small writes go out at once
      {
        std::lock_guard<std::mutex> lock(mutex_);
        ++connections_;
      }
      if (options_.tls) {
        asio::co_spawn(io_, ServeTls(std::move(socket)), asio::detached);
      } else {
        asio::co_spawn(io_, ServePlain(std::move(socket)), asio::detached);
      }
    }
  }

  asio::awaitable<void> ServeTls(tcp::socket socket) {
    asio::ssl::stream<tcp::socket> stream(std::move(socket), tls_);
    auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, kAwait);
    if (ec) co_return;
    co_await Serve(stream);
  }

  asio::awaitable<void> ServePlain(tcp::socket socket) { co_await Serve(socket); }

  // Reads requests and plays their replies until the connection ends.
  template <typename Stream>
  asio::awaitable<void> Serve(Stream& stream) {
    boost::beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(options_.max_request_body_bytes);
      auto [header_ec, header_bytes] =
          co_await http::async_read_header(stream, buffer, parser, kAwait);
      if (header_ec == http::error::body_limit) {
        co_await RefuseTooLarge(stream);
        co_return;
      }
      if (header_ec) co_return;
      if (parser.get()[http::field::expect] == "100-continue") {
        const std::string go_on = StatusLine(100) + "\r\n";
        auto [write_ec, n] = co_await asio::async_write(stream, asio::buffer(go_on), kAwait);
        if (write_ec) co_return;
      }
      auto [body_ec, body_bytes] = co_await http::async_read(stream, buffer, parser, kAwait);
      if (body_ec == http::error::body_limit) {
        co_await RefuseTooLarge(stream);
        co_return;
      }
      if (body_ec) co_return;
      const http::request<http::string_body>& message = parser.get();
      const ScriptedReply reply = Answer(Record(message));
      for (const ScriptedReply::Step& step : reply.steps()) {
        if (step.kind == ScriptedReply::Step::Kind::kWrite) {
          auto [ec, n] = co_await asio::async_write(stream, asio::buffer(step.bytes), kAwait);
          if (ec) co_return;
        } else if (step.kind == ScriptedReply::Step::Kind::kPause) {
          asio::steady_timer timer(io_, step.pause);
          co_await timer.async_wait(kAwait);
        } else if (step.kind == ScriptedReply::Step::Kind::kHang) {
          asio::steady_timer timer(io_, asio::steady_timer::time_point::max());
          co_await timer.async_wait(kAwait);
        } else {
          boost::system::error_code ignored;
          boost::beast::get_lowest_layer(stream).shutdown(tcp::socket::shutdown_both, ignored);
          boost::beast::get_lowest_layer(stream).close(ignored);
          co_return;
        }
      }
      if (!message.keep_alive()) co_return;
    }
  }

  // Answers 413 to a request whose body is over the limit.
  template <typename Stream>
  asio::awaitable<void> RefuseTooLarge(Stream& stream) {
    const std::string refusal = StatusLine(413) + "Content-Length: 0\r\nConnection: close\r\n\r\n";
    co_await asio::async_write(stream, asio::buffer(refusal), kAwait);
  }

  ReceivedRequest Record(const http::request<http::string_body>& message) {
    ReceivedRequest request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    request.path = PathOf(request.target);
    for (const auto& field : message) {
      request.headers.emplace_back(LowerAscii(field.name_string()), std::string(field.value()));
    }
    request.body = message.body();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      requests_.push_back(request);
    }
    arrived_.notify_all();
    return request;
  }

  ScriptedReply Answer(const ReceivedRequest& request) {
    Handler handler;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (auto it = routes_.find(request.path); it != routes_.end()) handler = it->second;
    }
    if (!handler) return ScriptedReply::Full(404, "no route for " + request.path);
    try {
      return handler(request);
    } catch (const std::exception& e) {
      return ScriptedReply::Full(500, std::string("handler threw: ") + e.what());
    }
  }

  const LoopbackServerOptions options_;
  asio::ssl::context tls_;  // outlives io_, whose pending coroutines own TLS streams
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::string certificate_pem_;
  int port_ = 0;
  std::thread thread_;

  mutable std::mutex mutex_;
  mutable std::condition_variable arrived_;
  std::map<std::string, Handler> routes_;  // guarded by mutex_
  std::vector<ReceivedRequest> requests_;  // guarded by mutex_
  std::size_t connections_ = 0;            // guarded by mutex_
};

Result<std::unique_ptr<LoopbackHttpServer>> LoopbackHttpServer::Start(
    LoopbackServerOptions options) {
  auto impl = std::make_unique<Impl>(options);
  SEXTANT_RETURN_IF_ERROR(impl->Start());
  return std::unique_ptr<LoopbackHttpServer>(new LoopbackHttpServer(std::move(impl)));
}

LoopbackHttpServer::LoopbackHttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

LoopbackHttpServer::~LoopbackHttpServer() = default;

int LoopbackHttpServer::port() const { return impl_->port(); }

std::string LoopbackHttpServer::Url(std::string_view path) const {
  return std::string(impl_->tls() ? "https" : "http") + "://" + std::string(kLoopbackHost) + ":" +
         std::to_string(impl_->port()) + std::string(path);
}

void LoopbackHttpServer::On(std::string path, ScriptedReply reply) {
  impl_->SetRoute(std::move(path),
                  [reply = std::move(reply)](const ReceivedRequest&) { return reply; });
}

void LoopbackHttpServer::Handle(std::string path, Handler handler) {
  impl_->SetRoute(std::move(path), std::move(handler));
}

std::vector<ReceivedRequest> LoopbackHttpServer::requests() const { return impl_->requests(); }

std::size_t LoopbackHttpServer::connections_accepted() const {
  return impl_->connections_accepted();
}

bool LoopbackHttpServer::WaitForRequests(std::size_t count,
                                         std::chrono::milliseconds timeout) const {
  return impl_->WaitForRequests(count, timeout);
}

const std::string& LoopbackHttpServer::certificate_pem() const { return impl_->certificate_pem(); }

std::string GzipCompress(std::string_view data) { return Deflate(data, kGzipFormatWindowBits); }

std::string ZlibCompress(std::string_view data) { return Deflate(data, kZlibFormatWindowBits); }

}  // namespace sextant::testing
