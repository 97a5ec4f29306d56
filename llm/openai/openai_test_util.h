// Helpers of the OpenAI client tests: a loopback chat-completions server
// (common/http_server.h) that answers from recorded bodies and records every
// request, and readers of the fixtures under tests/fixtures/openai/.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "common/http_server.h"
#include "common/json.h"
#include "common/testing/testdata.h"
#include "llm/chat_model.h"

namespace sextant::llm::openai_test {

inline std::string Fixture(const std::string& name) {
  return sextant::testing::ReadFile(sextant::testing::SourceRoot() / "tests/fixtures/openai" /
                                    name);
}

inline HttpResponse Body(int status, std::string body, std::string content_type) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  response.content_type = std::move(content_type);
  return response;
}
inline HttpResponse JsonFixture(int status, const std::string& name) {
  return Body(status, Fixture(name), "application/json");
}
inline HttpResponse SseFixture(const std::string& name) {
  return Body(200, Fixture(name), "text/event-stream");
}

// What a reference reader finds in a recorded SSE body: the content deltas
// in order, the tool calls (arguments joined and parsed) and the usage.
struct ExpectedStream {
  std::vector<std::string> pieces;
  std::vector<ToolCall> calls;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
};

inline ExpectedStream ReadExpectedStream(const std::string& sse) {
  ExpectedStream out;
  std::vector<std::string> arguments;
  std::size_t at = 0;
  while ((at = sse.find("data: ", at)) != std::string::npos) {
    const std::size_t end = sse.find('\n', at);
    const std::string data = sse.substr(at + 6, end - at - 6);
    at = end;
    if (data == "[DONE]") break;
    const Json chunk = Json::parse(data);
    if (chunk.contains("usage") && chunk["usage"].is_object()) {
      out.prompt_tokens = chunk["usage"]["prompt_tokens"];
      out.completion_tokens = chunk["usage"]["completion_tokens"];
    }
    if (chunk["choices"].empty()) continue;
    const Json& delta = chunk["choices"][0]["delta"];
    if (delta.contains("content") && delta["content"].is_string() && delta["content"] != "") {
      out.pieces.push_back(delta["content"]);
    }
    if (!delta.contains("tool_calls")) continue;
    for (const Json& d : delta["tool_calls"]) {
      const std::size_t index = d["index"];
      if (index >= out.calls.size()) {
        out.calls.resize(index + 1);
        arguments.resize(index + 1);
      }
      if (d.contains("id")) out.calls[index].id = d["id"];
      if (d["function"].contains("name")) out.calls[index].name = d["function"]["name"];
      arguments[index] += d["function"].value("arguments", "");
    }
  }
  for (std::size_t i = 0; i < out.calls.size(); ++i) {
    out.calls[i].arguments = Json::parse(arguments[i]);
  }
  return out;
}

// A chat-completions server on loopback. `reply` answers the n-th request
// (1-based) to POST /v1/chat/completions.
class FakeOpenAi {
 public:
  using Reply = std::function<HttpResponse(int attempt, const HttpRequest& request)>;

  explicit FakeOpenAi(Reply reply) : state_(std::make_shared<State>()) {
    state_->reply = std::move(reply);
    Router router;
    auto state = state_;
    EXPECT_TRUE(router
                    .Add("POST", "/v1/chat/completions",
                         [state](const HttpRequest& request) {
                           std::lock_guard<std::mutex> lock(state->mu);
                           state->requests.push_back(request);
                           return state->reply(static_cast<int>(state->requests.size()), request);
                         })
                    .ok());
    ServerOptions options;
    options.shutdown_grace_ms = 200;
    auto server = HttpServer::Start(options, std::move(router));
    EXPECT_TRUE(server.ok()) << server.status().ToString();
    if (server.ok()) server_ = std::move(server).value();
  }

  std::string base_url() const {
    return "http://127.0.0.1:" + std::to_string(server_ ? server_->port() : 0) + "/v1";
  }
  int attempts() const {
    std::lock_guard<std::mutex> lock(state_->mu);
    return static_cast<int>(state_->requests.size());
  }
  std::vector<HttpRequest> requests() const {
    std::lock_guard<std::mutex> lock(state_->mu);
    return state_->requests;
  }
  Json body(std::size_t i = 0) const { return Json::parse(requests().at(i).body); }

 private:
  struct State {
    std::mutex mu;
    Reply reply;
    std::vector<HttpRequest> requests;
  };
  std::shared_ptr<State> state_;
  std::unique_ptr<HttpServer> server_;
};

}  // namespace sextant::llm::openai_test
