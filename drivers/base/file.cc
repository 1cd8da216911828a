#include "drivers/base/file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

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

namespace {

Result<void> WriteAll(int fd, std::string_view data, const std::string& what) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(what, errno);
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return Ok();
}

Result<void> SyncDir(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoError("open " + dir.string(), errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  // Some file systems cannot sync a directory; the rename is still in their journal.
  if (rc != 0 && err != EINVAL && err != ENOTSUP) return ErrnoError("sync " + dir.string(), err);
  return Ok();
}

}  // namespace

Result<UniqueFd> LockDirectory(const std::filesystem::path& dir, std::chrono::milliseconds wait) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoError("open " + dir.string(), errno);
  const auto give_up = std::chrono::steady_clock::now() + wait;
  while (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    if (errno != EWOULDBLOCK) return ErrnoError("lock " + dir.string(), errno);
    if (std::chrono::steady_clock::now() >= give_up) {
      return Error{ErrorKind::kBusy, "lock " + dir.string() + ": held by another process for " +
                                         std::to_string(wait.count() / 1000) + " s"};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return fd;
}

Result<void> WriteFileAtomically(const std::filesystem::path& dir, const std::string& name,
                                 std::string_view text) {
  const std::filesystem::path temp = dir / ("." + name + "." + std::to_string(::getpid()) + ".tmp");
  const std::filesystem::path final_path = dir / name;
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return ErrnoError("create " + temp.string(), errno);
  Result<void> done = WriteAll(fd, text, "write " + temp.string());
  if (done.ok() && ::fsync(fd) != 0) done = ErrnoError("sync " + temp.string(), errno);
  if (::close(fd) != 0 && done.ok()) done = ErrnoError("close " + temp.string(), errno);
  if (done.ok() && ::rename(temp.c_str(), final_path.c_str()) != 0) {
    done = ErrnoError("rename to " + final_path.string(), errno);
  }
  if (!done.ok()) {
    ::unlink(temp.c_str());
    return done;
  }
  return SyncDir(dir);
}

std::string SetAside(const std::filesystem::path& dir, const std::string& name,
                     std::string problem) {
  const std::string aside = name + ".corrupt";
  std::error_code ec;
  if (std::filesystem::symlink_status(dir / aside, ec).type() !=
      std::filesystem::file_type::not_found) {
    return problem + "; could not set it aside: " + aside + " exists";
  }
  if (::rename((dir / name).c_str(), (dir / aside).c_str()) != 0) {
    return problem + "; could not set it aside: " + ErrnoError("rename", errno).Message();
  }
  return problem + "; set aside as " + aside;
}

}  // namespace posdiag::io
