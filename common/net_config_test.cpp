#include "common/net_config.h"

#include <fstream>

#include <gtest/gtest.h>

#include "common/testing/testdata.h"

namespace sextant {
namespace {

Config LoadWith(const std::string& toml, std::map<std::string, std::string> env) {
  testing::TempDir dir;
  const auto path = dir.path() / "config.toml";
  std::ofstream(path) << toml;
  ConfigRegistry registry;
  DeclareCommonConfig(registry);
  ConfigSources sources;
  sources.config_file = path.string();
  sources.env = std::move(env);
  auto config = LoadConfig(registry, sources);
  EXPECT_TRUE(config.ok()) << config.status().ToString();
  return *config;
}

TEST(NetConfigTest, ClientOptionsFollowTheConfig) {
  Config config = LoadWith("[http]\nconnect_timeout_ms = 1500\nmax_redirects = 0\n",
                           {{"SEXTANT_HTTP_MAX_RESPONSE_BYTES", "4096"}});
  HttpClientOptions options;
  options.user_agent = "kept";
  ApplyHttpClientConfig(config, options);
  EXPECT_EQ(options.connect_timeout_ms, 1500);
  EXPECT_EQ(options.max_redirects, 0);
  EXPECT_EQ(options.max_response_bytes, 4096u);
  EXPECT_EQ(options.timeout_ms, 120000);  // the declared default
  EXPECT_EQ(options.user_agent, "kept");
}

TEST(NetConfigTest, ConfiguredBodyLimitIsEnforcedByTheServer) {
  Config config = LoadWith("[server]\nmax_body_bytes = 64\n", {});
  ServerOptions server_options;
  ApplyServerConfig(config, server_options);
  EXPECT_EQ(server_options.max_body_bytes, 64u);
  EXPECT_EQ(server_options.max_header_bytes, 16u * 1024);

  Router router;
  ASSERT_TRUE(router
                  .Add("POST", "/echo",
                       [](const HttpRequest& req) {
                         return JsonResponse(200, {{"n", req.body.size()}});
                       })
                  .ok());
  auto server = HttpServer::Start(server_options, std::move(router));
  ASSERT_TRUE(server.ok()) << server.status().ToString();

  HttpClientOptions client_options;
  client_options.proxy = "";
  HttpClient client(client_options);
  HttpCall call;
  call.method = "POST";
  call.url = "http://" + (*server)->address() + "/echo";
  call.body = std::string(64, 'x');
  auto fits = client.Send(call);
  ASSERT_TRUE(fits.ok()) << fits.status().ToString();
  EXPECT_EQ(fits->status, 200);
  call.body += 'x';
  auto over = client.Send(call);
  ASSERT_TRUE(over.ok()) << over.status().ToString();
  EXPECT_EQ(over->status, 413);
}

}  // namespace
}  // namespace sextant
