#include "drivers/base/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace posdiag::io {

Result<std::string> ReadFileBounded(const std::filesystem::path& path, ReadFileOptions options) {
  const std::string where = path.string();
  // O_NONBLOCK: opening a FIFO must not wait for a writer.
  const int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | (options.follow_symlinks ? 0 : O_NOFOLLOW);
  const int fd = ::open(path.c_str(), flags);
  if (fd < 0) return ErrnoError(where, errno);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return ErrnoError(where, err);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Error{ErrorKind::kInvalid, where + ": not a regular file"};
  }
  std::string text;
  char buf[16384];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return ErrnoError(where, err);
    }
    if (n == 0) break;
    if (text.size() + static_cast<std::size_t>(n) > options.max_bytes) {
      ::close(fd);
      return Error{ErrorKind::kInvalid,
                   where + ": larger than " + std::to_string(options.max_bytes) + " bytes"};
    }
    text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return text;
}

}  // namespace posdiag::io
