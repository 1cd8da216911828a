// Errors are values: Result<T> holds either a T or an Error with a closed set of kinds.
// Add context as an error travels up: `return err.Context("printer status")` gives
// "printer status: read: timeout". No exception crosses a probe or sink boundary.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace posdiag {

enum class ErrorKind {
  kNotFound,     // the file, device or entry is not there
  kPermission,   // it is there but we may not use it
  kTimeout,      // the deadline passed before an answer
  kIo,           // the transport failed
  kParse,        // bytes or text that do not decode
  kBusy,         // held by another process
  kInvalid,      // a bad argument or configuration value
  kUnsupported,  // this platform or device cannot do it
};

std::string_view ErrorKindName(ErrorKind kind);

struct Error {
  ErrorKind kind;
  std::string detail;

  // "what: detail" — the caller says what it was doing.
  [[nodiscard]] Error Context(std::string_view what) const;
  [[nodiscard]] std::string Message() const { return detail; }
};

// Builds an Error from errno as left by a failed system call.
Error ErrnoError(std::string_view what, int err);

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit on purpose
  Result(Error error) : v_(std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(v_); }
  T value_or(T fallback) const { return ok() ? value() : std::move(fallback); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_{ErrorKind::kIo, {}};
  bool ok_ = true;
};

inline Result<void> Ok() { return {}; }

}  // namespace posdiag
