#include "drivers/io/root_fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>

namespace posdiag::io {

RootFs::RootFs(std::filesystem::path root) : root_(std::move(root)) {
  if (root_.empty()) root_ = "/";
}

std::filesystem::path RootFs::Path(std::string_view system_path) const {
  std::filesystem::path out = root_;
  // Append component by component so "/.." in a configured path cannot climb above the root.
  for (const auto& part : std::filesystem::path(system_path).relative_path()) {
    if (part == ".." || part == "." || part.empty()) continue;
    out /= part;
  }
  return out;
}

Result<std::string> RootFs::ReadText(std::string_view system_path, std::size_t max_bytes) const {
  const auto path = Path(system_path);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return ErrnoError(path.string(), errno);
  std::string out;
  char buf[4096];
  while (out.size() < max_bytes) {
    const ssize_t n = ::read(fd, buf, std::min(sizeof buf, max_bytes - out.size()));
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return ErrnoError(path.string(), err);
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

Result<std::string> RootFs::ReadAttr(std::string_view system_path) const {
  auto text = ReadText(system_path, 4096);
  if (!text) return text.error();
  std::string& s = *text;
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\t' ||
                        s.back() == '\r' || s.back() == '\0')) {
    s.pop_back();
  }
  return std::move(s);
}

Result<std::vector<std::string>> RootFs::List(std::string_view system_path) const {
  const auto path = Path(system_path);
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(path.c_str()), ::closedir);
  if (!dir) return ErrnoError(path.string(), errno);
  std::vector<std::string> names;
  while (const dirent* entry = ::readdir(dir.get())) {
    std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    names.emplace_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

bool RootFs::Exists(std::string_view system_path) const {
  struct stat st {};
  return ::stat(Path(system_path).c_str(), &st) == 0;
}

}  // namespace posdiag::io
