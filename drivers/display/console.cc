#include "drivers/display/console.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace posdiag::drivers::display {

Result<std::unique_ptr<TextConsole>> TextConsole::Open(const std::filesystem::path& path) {
  const std::string name = path.string();
  const int fd = ::open(path.c_str(), O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return ErrnoError(name, errno);
  if (!::isatty(fd)) {
    ::close(fd);
    return Error{ErrorKind::kInvalid, name + ": not a terminal"};
  }
  int columns = 80;
  int rows = 24;
  winsize ws{};
  if (::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
    columns = ws.ws_col;
    rows = ws.ws_row;
  }
  return std::unique_ptr<TextConsole>(new TextConsole(fd, name, columns, rows));
}

TextConsole::TextConsole(int fd, std::string name, int columns, int rows)
    : fd_(fd), name_(std::move(name)), columns_(columns), rows_(rows) {}

TextConsole::~TextConsole() { ::close(fd_); }

Result<void> TextConsole::Write(std::string_view bytes, const io::Deadline& deadline) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
      return ErrnoError(name_ + ": write", errno);
    }
    const auto left = deadline.Remaining();
    if (left.count() == 0) {
      return Error{ErrorKind::kTimeout, name_ + ": write: the terminal takes no more output"};
    }
    pollfd p{fd_, POLLOUT, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno != EINTR) return ErrnoError(name_ + ": poll", errno);
    if (r > 0 && (p.revents & (POLLERR | POLLHUP | POLLNVAL)) != 0 && (p.revents & POLLOUT) == 0) {
      return Error{ErrorKind::kIo, name_ + ": write: the terminal hung up"};
    }
  }
  return Ok();
}

}  // namespace posdiag::drivers::display
