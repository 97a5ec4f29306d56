#include "toolserver/server.h"

#include <unistd.h>

#include <algorithm>
#include <utility>

#include "toolserver/audit_log.h"
#include "toolserver/worker_pool.h"

namespace sextant::toolserver {

namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr int kOk = 200;
constexpr int kCreated = 201;
constexpr int kBadRequest = 400;
constexpr int kForbidden = 403;
constexpr int kNotFound = 404;
constexpr int kPayloadTooLarge = 413;
constexpr int kConflict = 409;
constexpr int kTooManyRequests = 429;
constexpr int kInternal = 500;
constexpr int kServiceUnavailable = 503;

std::int64_t MsSince(Clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - start).count();
}

// Parses a request body that must be a JSON object ("" reads as {}).
Result<Json> ParseObjectBody(const std::string& body) {
  if (body.empty()) return Json::object();
  SEXTANT_ASSIGN_OR_RETURN(Json json, ParseJson(body));
  if (!json.is_object()) return InvalidArgumentError("the body must be a JSON object");
  return json;
}

HttpResponse SessionLookupError(const Status& status) {
  if (status.code() == StatusCode::kNotFound) {
    return ErrorResponse(kNotFound, "session_not_found", status.message());
  }
  if (status.code() == StatusCode::kResourceExhausted) {
    return ErrorResponse(kTooManyRequests, "too_many_calls", status.message());
  }
  return ErrorResponse(kInternal, "internal", status.message());
}

// The HTTP status and code for a failed file transfer.
HttpResponse FileError(const Status& status) {
  switch (status.code()) {
    case StatusCode::kNotFound:
      return ErrorResponse(kNotFound, "not_found", status.message());
    case StatusCode::kPermissionDenied:
      return ErrorResponse(kForbidden, "permission_denied", status.message());
    case StatusCode::kResourceExhausted:
      return ErrorResponse(kPayloadTooLarge, "payload_too_large", status.message());
    case StatusCode::kInvalidArgument:
    case StatusCode::kAlreadyExists:
      return ErrorResponse(kBadRequest, "invalid_argument", status.message());
    default:
      return ErrorResponse(kInternal, "internal", status.message());
  }
}

Json CallError(std::string_view code, const std::string& message) {
  return {{"code", code}, {"message", message}};
}

}  // namespace

struct ToolServer::State {
  ToolServerOptions options;
  std::unique_ptr<sandbox::Sandbox> sandbox;
  std::unique_ptr<ToolRegistry> registry;
  std::unique_ptr<SessionManager> sessions;
  std::unique_ptr<AuditLog> audit;
  std::unique_ptr<WorkerPool> workers;
  std::unique_ptr<HttpServer> http;
  Json tools_body;  // GET /v1/tools, built once

  // Runs `work` on a worker; answers 503 when the queue is full.
  void Dispatch(Responder respond, std::function<HttpResponse()> work) {
    auto shared = std::make_shared<Responder>(std::move(respond));
    const bool queued = workers->TrySubmit([shared, work = std::move(work)] {
      HttpResponse response;
      try {
        response = work();
      } catch (const std::exception& e) {
        response = ErrorResponse(kInternal, "internal", e.what());
      }
      (*shared)(std::move(response));
    });
    if (!queued) {
      (*shared)(ErrorResponse(kServiceUnavailable, "server_busy",
                              "the server's call queue is full; retry later"));
    }
  }

  HttpResponse Health() const {
    return JsonResponse(kOk, {{"status", "ok"},
                              {"sessions", sessions->size()},
                              {"tools", registry->size()},
                              {"cgroup_limits", sandbox->support().cgroup_limits}});
  }

  HttpResponse CreateSession(const HttpRequest& request) {
    auto body = ParseObjectBody(request.body);
    if (!body.ok()) return ErrorResponse(kBadRequest, "invalid_request", body.status().message());
    bool network = false;
    if (Status st = ReadJsonMember(*body, "network", network); !st.ok()) {
      return ErrorResponse(kBadRequest, "invalid_request", st.message());
    }
    std::string workspace;
    if (Status st = ReadJsonMember(*body, "workspace", workspace); !st.ok()) {
      return ErrorResponse(kBadRequest, "invalid_request", st.message());
    }
    auto session = sessions->CreateSession(network, workspace);
    if (!session.ok()) {
      switch (session.status().code()) {
        case StatusCode::kInvalidArgument:
          return ErrorResponse(kBadRequest, "invalid_request", session.status().message());
        case StatusCode::kFailedPrecondition:
          return ErrorResponse(kConflict, "workspace_busy", session.status().message());
        case StatusCode::kPermissionDenied:
          return ErrorResponse(kForbidden, "network_not_allowed", session.status().message());
        case StatusCode::kResourceExhausted:
          return ErrorResponse(kTooManyRequests, "too_many_sessions", session.status().message());
        default:
          return ErrorResponse(kInternal, "internal", session.status().message());
      }
    }
    return JsonResponse(
        kCreated, {{"session_id", (*session)->id()}, {"network", (*session)->network_allowed()}});
  }

  // Runs on a worker: the workspace is removed when the session goes.
  HttpResponse DeleteSession(const std::string& id) {
    const Status st = sessions->DeleteSession(id);
    if (!st.ok()) return SessionLookupError(st);
    return JsonResponse(kOk, {{"deleted", true}});
  }

  void Call(const HttpRequest& request, Responder respond) {
    const Clock::time_point start = Clock::now();
    auto body = ParseObjectBody(request.body);
    if (!body.ok()) {
      return respond(ErrorResponse(kBadRequest, "invalid_request", body.status().message()));
    }
    std::string name;
    std::int64_t timeout_ms = options.default_call_timeout.count();
    for (const Status& st :
         {ReadJsonMember(*body, "name", name), ReadJsonMember(*body, "timeout_ms", timeout_ms)}) {
      if (!st.ok()) return respond(ErrorResponse(kBadRequest, "invalid_request", st.message()));
    }
    if (name.empty()) {
      return respond(ErrorResponse(kBadRequest, "invalid_request", "member 'name' is required"));
    }
    if (timeout_ms <= 0) {
      return respond(ErrorResponse(kBadRequest, "invalid_request", "timeout_ms must be positive"));
    }
    Json arguments = body->value("arguments", Json::object());
    if (!arguments.is_object()) {
      return respond(
          ErrorResponse(kBadRequest, "invalid_request", "member 'arguments' must be an object"));
    }
    auto lease = sessions->BeginCall(request.path_params.at("id"));
    if (!lease.ok()) return respond(SessionLookupError(lease.status()));
    const milliseconds timeout = std::min(milliseconds(timeout_ms), options.max_call_timeout);
    auto shared_lease = std::make_shared<CallLease>(std::move(lease).value());
    Dispatch(std::move(respond), [this, start, timeout, name = std::move(name),
                                  arguments = std::move(arguments), shared_lease] {
      HttpResponse response =
          RunCall(shared_lease->session(), name, arguments, start, start + timeout);
      // Free the slot before the client sees the reply and sends its next call.
      shared_lease->Release();
      return response;
    });
  }

  HttpResponse RunCall(const Session& session, const std::string& name, const Json& arguments,
                       Clock::time_point start, Clock::time_point deadline) {
    Json reply = {{"ok", false}, {"content", ""}, {"data", nullptr}};
    std::string error_code;
    Tool* tool = registry->Find(name);
    if (tool == nullptr) {
      error_code = "unknown_tool";
      reply["error"] = CallError(error_code, "no tool named '" + name + "' (see GET /v1/tools)");
    } else if (auto errors = registry->Validate(name, arguments); !errors.empty()) {
      error_code = "invalid_arguments";
      Json error = CallError(
          error_code, "invalid arguments for " + name + ": " + DescribeArgumentErrors(errors));
      error["pointer"] = errors.front().pointer;
      error["details"] = ArgumentErrorsToJson(errors);
      reply["error"] = std::move(error);
    } else {
      ToolContext context{session.id(), session.workspace(), deadline, sandbox.get(),
                          session.network_allowed()};
      Result<ToolOutput> output = tool->Call(context, arguments);
      if (output.ok()) {
        reply["ok"] = true;
        reply["content"] = std::move(output->content);
        reply["data"] = std::move(output->data);
      } else {
        error_code = std::string(StatusCodeName(output.status().code()));
        reply["error"] = CallError(error_code, output.status().message());
      }
    }
    const std::int64_t duration_ms = MsSince(start);
    reply["duration_ms"] = duration_ms;
    if (audit) audit->Record({session.id(), name, arguments, duration_ms, error_code});
    return JsonResponse(kOk, reply);
  }

  void GetFile(const HttpRequest& request, Responder respond) {
    auto session = sessions->Find(request.path_params.at("id"));
    if (!session.ok()) return respond(SessionLookupError(session.status()));
    std::string path = request.path_params.at("path");
    Dispatch(std::move(respond), [this, session = std::move(session).value(), path] {
      auto chunk = tools::ReadWorkspaceFile(session->workspace(), path, 0, options.max_file_bytes);
      if (!chunk.ok()) return FileError(chunk.status());
      if (!chunk->eof) {
        return ErrorResponse(kPayloadTooLarge, "payload_too_large",
                             path + " has " + std::to_string(chunk->size) +
                                 " bytes, over the download limit of " +
                                 std::to_string(options.max_file_bytes));
      }
      HttpResponse response;
      response.content_type = "application/octet-stream";
      response.body = std::move(chunk->bytes);
      return response;
    });
  }

  void PutFile(const HttpRequest& request, Responder respond) {
    auto session = sessions->Find(request.path_params.at("id"));
    if (!session.ok()) return respond(SessionLookupError(session.status()));
    if (request.body.size() > options.max_file_bytes) {
      return respond(ErrorResponse(kPayloadTooLarge, "payload_too_large",
                                   "the file has " + std::to_string(request.body.size()) +
                                       " bytes, over the upload limit of " +
                                       std::to_string(options.max_file_bytes)));
    }
    Dispatch(std::move(respond), [session = std::move(session).value(),
                                  path = request.path_params.at("path"), body = request.body] {
      auto size =
          tools::WriteWorkspaceFile(session->workspace(), path, body, tools::WriteMode::kOverwrite);
      if (!size.ok()) return FileError(size.status());
      return JsonResponse(kOk, {{"path", path}, {"size", *size}});
    });
  }
};

Status AddBuiltinTools(ToolRegistry& registry, const ToolServerOptions& options) {
  for (auto& tool : tools::MakeFileTools(options.files)) {
    SEXTANT_RETURN_IF_ERROR(registry.Add(std::move(tool)));
  }
  for (auto& tool : tools::MakeExecTools(options.exec)) {
    SEXTANT_RETURN_IF_ERROR(registry.Add(std::move(tool)));
  }
  return Status::Ok();
}

ToolServer::ToolServer(std::unique_ptr<State> state) : state_(std::move(state)) {}

ToolServer::~ToolServer() { Shutdown(milliseconds(state_->options.http.shutdown_grace_ms)); }

uint16_t ToolServer::port() const { return state_->http->port(); }
std::string ToolServer::address() const { return state_->http->address(); }
SessionManager& ToolServer::sessions() { return *state_->sessions; }

void ToolServer::Shutdown(milliseconds grace) {
  if (state_->http) state_->http->Shutdown(grace);
  if (state_->workers) state_->workers->Stop();
}

Result<std::unique_ptr<ToolServer>> ToolServer::Start(ToolServerOptions options,
                                                      std::unique_ptr<ToolRegistry> registry,
                                                      std::unique_ptr<sandbox::Sandbox> sandbox) {
  if (registry == nullptr || sandbox == nullptr) {
    return InvalidArgumentError("toolserver: a registry and a sandbox are required");
  }
  if (options.worker_threads < 1 || options.max_queued_calls < 1) {
    return InvalidArgumentError("toolserver: worker_threads and max_queued_calls must be positive");
  }
  auto state = std::make_unique<State>();
  State* s = state.get();
  s->sandbox = std::move(sandbox);
  s->registry = std::move(registry);
  const sandbox::HostSupport& support = s->sandbox->support();
  if (!support.idmapped_workspace && support.host_uid != ::geteuid()) {
    options.sessions.workspace_owner = support.host_uid;
  }
  SEXTANT_ASSIGN_OR_RETURN(s->sessions, SessionManager::Create(options.sessions));
  if (!options.audit_log.empty()) {
    SEXTANT_ASSIGN_OR_RETURN(s->audit, AuditLog::Open(options.audit_log, Redactor()));
  }
  s->tools_body = {{"tools", s->registry->List()}};
  s->workers = std::make_unique<WorkerPool>(options.worker_threads, options.max_queued_calls);
  s->options = options;

  Router router;
  const RouteOptions open{.auth = false};
  SEXTANT_RETURN_IF_ERROR(router.Add(
      "GET", "/v1/health", [s](const HttpRequest&) { return s->Health(); }, open));
  SEXTANT_RETURN_IF_ERROR(router.Add(
      "GET", "/v1/tools", [s](const HttpRequest&) { return JsonResponse(kOk, s->tools_body); }));
  SEXTANT_RETURN_IF_ERROR(router.Add("POST", "/v1/sessions",
                                     [s](const HttpRequest& r) { return s->CreateSession(r); }));
  SEXTANT_RETURN_IF_ERROR(
      router.AddAsync("DELETE", "/v1/sessions/{id}", [s](const HttpRequest& r, Responder respond) {
        s->Dispatch(std::move(respond),
                    [s, id = r.path_params.at("id")] { return s->DeleteSession(id); });
      }));
  SEXTANT_RETURN_IF_ERROR(router.AddAsync(
      "POST", "/v1/sessions/{id}/call",
      [s](const HttpRequest& r, Responder respond) { s->Call(r, std::move(respond)); }));
  SEXTANT_RETURN_IF_ERROR(router.AddAsync(
      "GET", "/v1/sessions/{id}/files/{path*}",
      [s](const HttpRequest& r, Responder respond) { s->GetFile(r, std::move(respond)); }));
  SEXTANT_RETURN_IF_ERROR(router.AddAsync(
      "PUT", "/v1/sessions/{id}/files/{path*}",
      [s](const HttpRequest& r, Responder respond) { s->PutFile(r, std::move(respond)); }));
  SEXTANT_ASSIGN_OR_RETURN(s->http, HttpServer::Start(options.http, std::move(router)));
  return std::unique_ptr<ToolServer>(new ToolServer(std::move(state)));
}

}  // namespace sextant::toolserver
