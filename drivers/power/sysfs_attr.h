// Reading one sysfs attribute of a device directory into a typed value, for the power and thermal
// readers: the error says which attribute failed and why, without the fixture or root prefix.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "drivers/base/result.h"
#include "drivers/io/root_fs.h"

namespace posdiag::drivers::power::internal {

// Reads <dir>/<attr> and hands the text to parse (one of the io::Parse* functions or a lambda).
// The error reads "BAT0/health: not provided by the driver" or "BAT0/temp: not an integer: ...".
template <typename Parse>
auto ReadAttr(const io::RootFs& fs, std::string_view dir, std::string_view label,
              std::string_view attr, Parse&& parse) -> decltype(parse(std::string_view{})) {
  const std::string where = std::string(label) + "/" + std::string(attr);
  auto text = fs.ReadAttr(std::string(dir) + "/" + std::string(attr));
  if (!text) {
    if (text.error().kind == ErrorKind::kNotFound) {
      return Error{ErrorKind::kNotFound, where + ": not provided by the driver"};
    }
    return Error{text.error().kind, where + ": " + text.error().detail};
  }
  auto value = parse(std::string_view(*text));
  if (!value) return value.error().Context(where);
  return value;
}

}  // namespace posdiag::drivers::power::internal
