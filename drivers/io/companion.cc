#include "drivers/io/companion.h"

#include <sys/stat.h>

#include <string>
#include <system_error>

#ifndef POSDIAG_LIBEXEC_FROM_BIN
#define POSDIAG_LIBEXEC_FROM_BIN "../libexec/posdiag"
#endif

namespace posdiag::io {
namespace {

bool IsRegularFile(const std::filesystem::path& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

Result<std::filesystem::path> FindCompanionFrom(const std::filesystem::path& binary_dir,
                                                std::string_view name) {
  if (binary_dir.empty()) {
    return Error{ErrorKind::kNotFound,
                 std::string(name) + ": not found (the binary's own path cannot be read)"};
  }
  const std::filesystem::path beside = binary_dir / name;
  if (IsRegularFile(beside)) return beside;
  const std::filesystem::path installed =
      (binary_dir / POSDIAG_LIBEXEC_FROM_BIN / name).lexically_normal();
  if (IsRegularFile(installed)) return installed;
  return Error{ErrorKind::kNotFound, std::string(name) + ": not found beside the binary (" +
                                         beside.string() + ") nor in " +
                                         installed.parent_path().string()};
}

Result<std::filesystem::path> FindCompanion(std::string_view name) {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return FindCompanionFrom(ec ? std::filesystem::path() : self.parent_path(), name);
}

}  // namespace posdiag::io
