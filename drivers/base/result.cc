#include "drivers/base/result.h"

#include <cerrno>
#include <cstring>
#include <string>

namespace posdiag {

std::string_view ErrorKindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kNotFound:
      return "not_found";
    case ErrorKind::kPermission:
      return "permission";
    case ErrorKind::kTimeout:
      return "timeout";
    case ErrorKind::kIo:
      return "io";
    case ErrorKind::kParse:
      return "parse";
    case ErrorKind::kBusy:
      return "busy";
    case ErrorKind::kInvalid:
      return "invalid";
    case ErrorKind::kUnsupported:
      return "unsupported";
  }
  return "unknown";
}

Error Error::Context(std::string_view what) const {
  std::string d(what);
  if (!detail.empty()) {
    d += ": ";
    d += detail;
  }
  return Error{kind, std::move(d)};
}

Error ErrnoError(std::string_view what, int err) {
  ErrorKind kind = ErrorKind::kIo;
  switch (err) {
    case ENOENT:
    case ENOTDIR:  // a path through a file: nothing is there either
    case ENODEV:
    case ENXIO:
      kind = ErrorKind::kNotFound;
      break;
    case EACCES:
    case EPERM:
      kind = ErrorKind::kPermission;
      break;
    case ETIMEDOUT:
      kind = ErrorKind::kTimeout;
      break;
    case EBUSY:
      kind = ErrorKind::kBusy;
      break;
    case EINVAL:
      kind = ErrorKind::kInvalid;
      break;
    case ENOTSUP:
      kind = ErrorKind::kUnsupported;
      break;
    default:
      break;
  }
  std::string d(what);
  d += ": ";
  d += std::strerror(err);
  return Error{kind, std::move(d)};
}

}  // namespace posdiag
