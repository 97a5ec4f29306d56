// MakeOnlineSearchBackend: the web.* settings to one online backend.
#include "toolserver/tools/web/online_backends.h"

#include <string>

namespace sextant::toolserver::web {
namespace {

OnlineSearchOptions CommonOptions(const Config& config) {
  OnlineSearchOptions o;
  o.connect_timeout_ms = static_cast<int>(config.GetInt("web.connect_timeout_ms"));
  o.min_interval_ms = static_cast<int>(config.GetInt("web.search_min_interval_ms"));
  o.max_retry_wait_ms = static_cast<int>(config.GetInt("web.search_max_retry_wait_ms"));
  return o;
}

}  // namespace

Result<std::unique_ptr<SearchBackend>> MakeOnlineSearchBackend(const Config& config) {
  const std::string& backend = config.GetString("web.search_backend");
  if (backend == "searxng") {
    SearxngOptions o;
    o.common = CommonOptions(config);
    o.url = config.GetString("web.searxng_url");
    return MakeSearxngBackend(std::move(o));
  }
  if (backend == "brave") {
    BraveOptions o;
    o.common = CommonOptions(config);
    o.url = config.GetString("web.brave_url");
    o.api_key = config.GetString("web.brave_api_key");
    return MakeBraveBackend(std::move(o));
  }
  if (backend == "google") {
    GoogleOptions o;
    o.common = CommonOptions(config);
    o.url = config.GetString("web.google_url");
    o.api_key = config.GetString("web.google_api_key");
    o.cx = config.GetString("web.google_cx");
    return MakeGoogleBackend(std::move(o));
  }
  return InvalidArgumentError("web.search_backend is '" + backend +
                              "', not an online backend (searxng, brave or google)");
}

}  // namespace sextant::toolserver::web
