// Every path to /sys, /proc and /dev goes through one root so tests can point posdiag at a
// fixture tree: RootFs("/tmp/fixture").Path("/sys/class/power_supply") is
// "/tmp/fixture/sys/class/power_supply". Reads are bounded; nothing here follows a path
// out of the root through "..".
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/base/result.h"

namespace posdiag::io {

class RootFs {
 public:
  explicit RootFs(std::filesystem::path root = "/");

  const std::filesystem::path& root() const { return root_; }

  // Maps an absolute system path ("/sys/class/...") to the path under the root.
  std::filesystem::path Path(std::string_view system_path) const;

  // Reads a whole small file (sysfs attributes, /proc files); at most max_bytes.
  Result<std::string> ReadText(std::string_view system_path,
                               std::size_t max_bytes = 64 * 1024) const;

  // Reads an attribute and trims trailing whitespace and newlines, as sysfs writes them.
  Result<std::string> ReadAttr(std::string_view system_path) const;

  // Names of the entries of a directory, sorted; not "." or "..".
  Result<std::vector<std::string>> List(std::string_view system_path) const;

  bool Exists(std::string_view system_path) const;

 private:
  std::filesystem::path root_;
};

}  // namespace posdiag::io
