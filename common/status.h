// Status and Result<T>: how every expected failure in Sextant is reported.
//
// A Status is either OK or carries a named code plus a message with context
// ("open model.gguf: tensor 'blk.0.attn_q.weight' extends past end of file").
// Result<T> holds either a value or a non-OK Status. Both are [[nodiscard]]:
// dropping one is a compile error under -Werror.
//
// Thread safety: plain values; copy freely, share read-only.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace sextant {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // the caller's input is malformed or out of range
  kNotFound,            // a named thing does not exist
  kAlreadyExists,       // a thing to be created exists already
  kPermissionDenied,    // authenticated but not allowed, or refused by policy
  kUnauthenticated,     // missing or wrong credentials
  kResourceExhausted,   // a size, count or memory limit was hit
  kDeadlineExceeded,    // a time limit was hit
  kFailedPrecondition,  // the system is not in a state to do this
  kAborted,             // gave up, e.g. on a conflict or a cancel
  kOutOfRange,          // an index or offset past the end
  kUnimplemented,       // a valid request this build does not support
  kUnavailable,         // a peer or service cannot be reached now; may retry
  kDataLoss,            // stored data is corrupt or truncated
  kInternal,            // an invariant broke; a bug
  kUnknown,
};

// "invalid_argument", "not_found", ... (stable; used in JSON error bodies).
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "not_found: open kb.sqlite: no such file" (or "ok").
  std::string ToString() const;

  // Returns a copy whose message is "context: <old message>". OK stays OK.
  Status WithContext(std::string_view context) const;

  // Explicitly discards a status the caller has decided not to act on.
  void IgnoreError() const {}

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Shorthands: InvalidArgumentError("bad port: ", port) style is not offered;
// build the message with std::string or std::format at the call site.
Status InvalidArgumentError(std::string message);
Status NotFoundError(std::string message);
Status AlreadyExistsError(std::string message);
Status PermissionDeniedError(std::string message);
Status UnauthenticatedError(std::string message);
Status ResourceExhaustedError(std::string message);
Status DeadlineExceededError(std::string message);
Status FailedPreconditionError(std::string message);
Status AbortedError(std::string message);
Status OutOfRangeError(std::string message);
Status UnimplementedError(std::string message);
Status UnavailableError(std::string message);
Status DataLossError(std::string message);
Status InternalError(std::string message);

// Result<T>: a T or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(v_).ok() && "Result built from an OK Status");
    if (std::get<Status>(v_).ok())
      v_ = Status(StatusCode::kInternal, "Result built from OK status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  // OK when a value is held.
  Status status() const { return ok() ? Status() : std::get<Status>(v_); }

  T& value() & {
    assert(ok());
    return std::get<T>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<T>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<T>(std::move(v_));
  }
  T value_or(T fallback) const& { return ok() ? std::get<T>(v_) : std::move(fallback); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace sextant

// Propagates a non-OK Status from an expression returning Status.
#define SEXTANT_RETURN_IF_ERROR(expr)                  \
  do {                                                 \
    ::sextant::Status sextant_status_ = (expr);        \
    if (!sextant_status_.ok()) return sextant_status_; \
  } while (0)

#define SEXTANT_CONCAT_INNER_(a, b) a##b
#define SEXTANT_CONCAT_(a, b) SEXTANT_CONCAT_INNER_(a, b)

// `SEXTANT_ASSIGN_OR_RETURN(auto x, MakeX());` declares x from a Result or
// returns its Status.
#define SEXTANT_ASSIGN_OR_RETURN(lhs, expr) \
  SEXTANT_ASSIGN_OR_RETURN_IMPL_(SEXTANT_CONCAT_(sextant_result_, __LINE__), lhs, expr)
#define SEXTANT_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                   \
  if (!tmp.ok()) return tmp.status();                  \
  lhs = std::move(tmp).value()
