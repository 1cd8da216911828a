#include "drivers/journal/journal_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string_view>

#include "drivers/base/unique_fd.h"

namespace posdiag::drivers::journal {
namespace {

constexpr std::size_t kChunkBytes = 64 * 1024;
constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// Opens a regular file for reading without blocking on a FIFO; size is its length.
Result<io::UniqueFd> OpenRegular(const std::filesystem::path& path, off_t& size) {
  io::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (!fd.valid()) return ErrnoError(path.string(), errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    const int err = errno;
    return ErrnoError(path.string(), err);
  }
  if (!S_ISREG(st.st_mode)) {
    return Error{ErrorKind::kInvalid, path.string() + ": not a regular file"};
  }
  size = st.st_size;
  return fd;
}

// Reads up to want bytes from offset, chunk by chunk, checking the deadline between chunks.
Result<std::string> ReadRange(int fd, const std::filesystem::path& path, off_t offset,
                              std::size_t want, const io::Deadline& deadline) {
  std::string out;
  out.reserve(want);
  char buf[kChunkBytes];
  while (out.size() < want) {
    if (deadline.Expired()) {
      return Error{ErrorKind::kTimeout, path.string() + ": deadline passed while reading"};
    }
    const ssize_t n = ::pread(fd, buf, std::min(sizeof buf, want - out.size()),
                              offset + static_cast<off_t>(out.size()));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(path.string(), errno);
    }
    if (n == 0) break;  // the file shrank (rotated) since fstat
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

}  // namespace

Result<Tail> ReadTail(const std::filesystem::path& path, const io::Deadline& deadline,
                      TailOptions options) {
  off_t size = 0;
  auto fd = OpenRegular(path, size);
  if (!fd) return fd.error();
  const auto max = static_cast<off_t>(options.max_bytes);
  const off_t start = size > max ? size - max : 0;
  auto bytes = ReadRange(fd->get(), path, start, static_cast<std::size_t>(size - start), deadline);
  if (!bytes) return bytes.error();
  std::string_view text = *bytes;

  Tail tail;
  tail.from_start = start == 0;
  if (start == 0 && text.substr(0, kUtf8Bom.size()) == kUtf8Bom)
    text.remove_prefix(kUtf8Bom.size());
  if (start > 0) {
    // The read began inside a line: drop that piece.
    const std::size_t nl = text.find('\n');
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
  }
  bool first = true;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
      // An empty first line means lines[0] is no longer the file's first line.
      if (first) tail.from_start = false;
      first = false;
      continue;
    }
    first = false;
    tail.lines.emplace_back(line);
  }
  if (tail.lines.size() > options.max_lines) {
    tail.lines.erase(tail.lines.begin(),
                     tail.lines.end() - static_cast<std::ptrdiff_t>(options.max_lines));
    tail.from_start = false;
  }
  return tail;
}

Result<std::string> ReadFirstLine(const std::filesystem::path& path, const io::Deadline& deadline,
                                  std::size_t max_bytes) {
  off_t size = 0;
  auto fd = OpenRegular(path, size);
  if (!fd) return fd.error();
  auto bytes =
      ReadRange(fd->get(), path, 0,
                std::min(max_bytes, static_cast<std::size_t>(std::max<off_t>(size, 0))), deadline);
  if (!bytes) return bytes.error();
  std::string_view text = *bytes;
  if (text.substr(0, kUtf8Bom.size()) == kUtf8Bom) text.remove_prefix(kUtf8Bom.size());
  const std::size_t nl = text.find('\n');
  if (nl == std::string_view::npos) {
    return Error{ErrorKind::kParse, path.string() + ": no complete first line in the first " +
                                        std::to_string(max_bytes) + " bytes"};
  }
  std::string_view line = text.substr(0, nl);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return std::string(line);
}

}  // namespace posdiag::drivers::journal
