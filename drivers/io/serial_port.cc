#include "drivers/io/serial_port.h"

#include <fcntl.h>
#include <libserialport.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <system_error>
#include <utility>

namespace posdiag::io {
namespace {

// libserialport keeps the OS error of its last failure per thread.
Error LastOsError(std::string_view what) {
  const int err = sp_last_error_code();
  char* message = sp_last_error_message();
  std::string detail = message != nullptr ? message : "";
  sp_free_error_message(message);
  Error e = ErrnoError(what, err);
  if (!detail.empty() && e.kind == ErrorKind::kIo) e.detail = std::string(what) + ": " + detail;
  return e;
}

// Every sp_return the library can give, mapped to our kinds; no default, so a new code in the
// library is a compile error here rather than a silent kIo.
Error SpError(sp_return code, std::string_view what) {
  switch (code) {
    case SP_OK:
      return Error{ErrorKind::kIo, std::string(what) + ": no error reported"};
    case SP_ERR_ARG:
      return Error{ErrorKind::kInvalid, std::string(what) + ": not a serial port"};
    case SP_ERR_FAIL:
      return LastOsError(what);
    case SP_ERR_MEM:
      return Error{ErrorKind::kIo, std::string(what) + ": out of memory"};
    case SP_ERR_SUPP:
      return Error{ErrorKind::kUnsupported, std::string(what) + ": not supported by this device"};
  }
  return Error{ErrorKind::kIo, std::string(what) + ": libserialport error " +
                                   std::to_string(static_cast<int>(code))};
}

// libserialport reads 0 ms as "wait forever"; a deadline that has passed must not become that.
unsigned TimeoutMs(Deadline deadline) {
  const auto left = deadline.Remaining().count();
  return static_cast<unsigned>(std::clamp<long long>(left, 1, UINT_MAX));
}

// TIOCEXCL makes further opens of the tty fail with EBUSY (except for root); TIOCNXCL undoes it
// before the close, so the port is released at once.
Result<void> MakeExclusive(int fd, const std::string& what) {
  if (::ioctl(fd, TIOCEXCL) != 0) return ErrnoError(what + ": TIOCEXCL", errno);
  return Ok();
}

class LibSerialPort final : public SerialPort {
 public:
  explicit LibSerialPort(sp_port* port) : port_(port) {}
  ~LibSerialPort() override {
    if (exclusive_) {
      int fd = -1;
      if (sp_get_port_handle(port_, &fd) == SP_OK && fd >= 0) ::ioctl(fd, TIOCNXCL);
    }
    sp_close(port_);
    sp_free_port(port_);
  }
  LibSerialPort(const LibSerialPort&) = delete;
  LibSerialPort& operator=(const LibSerialPort&) = delete;

  Result<void> Write(std::span<const std::uint8_t> bytes, Deadline deadline) override {
    std::size_t done = 0;
    while (done < bytes.size()) {
      if (deadline.Expired()) return Error{ErrorKind::kTimeout, "write: timeout"};
      const sp_return r =
          sp_blocking_write(port_, bytes.data() + done, bytes.size() - done, TimeoutMs(deadline));
      if (r < 0) return SpError(r, "write");
      done += static_cast<std::size_t>(r);
    }
    return Ok();
  }

  Result<std::size_t> Read(std::span<std::uint8_t> buffer, Deadline deadline) override {
    if (buffer.empty() || deadline.Expired()) return std::size_t{0};
    const sp_return r =
        sp_blocking_read_next(port_, buffer.data(), buffer.size(), TimeoutMs(deadline));
    if (r < 0) return SpError(r, "read");
    return static_cast<std::size_t>(r);
  }

  Result<void> DiscardInput() override {
    const sp_return r = sp_flush(port_, SP_BUF_INPUT);
    if (r != SP_OK) return SpError(r, "flush");
    return Ok();
  }

  int PollFd() const override {
    int fd = -1;
    return sp_get_port_handle(port_, &fd) == SP_OK ? fd : -1;
  }

  void set_exclusive() { exclusive_ = true; }

 private:
  sp_port* port_;
  bool exclusive_ = false;
};

// Pseudo-terminals: libserialport refuses them (it looks the port up under /sys/class/tty, where
// /dev/pts/N is not listed), yet the simulators, socat and ser2net bridges are pseudo-terminals.
// They carry bytes only, so raw mode and the same deadlines are all they need.
class PtyPort final : public SerialPort {
 public:
  explicit PtyPort(int fd) : fd_(fd) {}
  ~PtyPort() override { ::close(fd_); }
  PtyPort(const PtyPort&) = delete;
  PtyPort& operator=(const PtyPort&) = delete;

  Result<void> Write(std::span<const std::uint8_t> bytes, Deadline deadline) override {
    std::size_t done = 0;
    while (done < bytes.size()) {
      auto ready = Wait(POLLOUT, deadline);
      if (!ready) return ready.error().Context("write");
      if (!*ready) return Error{ErrorKind::kTimeout, "write: timeout"};
      const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
      if (n < 0) {
        if (errno == EINTR || errno == EAGAIN) continue;
        return ErrnoError("write", errno);
      }
      done += static_cast<std::size_t>(n);
    }
    return Ok();
  }

  Result<std::size_t> Read(std::span<std::uint8_t> buffer, Deadline deadline) override {
    if (buffer.empty()) return std::size_t{0};
    while (true) {
      auto ready = Wait(POLLIN, deadline);
      if (!ready) return ready.error().Context("read");
      if (!*ready) return std::size_t{0};
      const ssize_t n = ::read(fd_, buffer.data(), buffer.size());
      if (n < 0) {
        if (errno == EINTR || errno == EAGAIN) continue;
        return ErrnoError("read", errno);
      }
      if (n == 0) return Error{ErrorKind::kIo, "read: the other end closed"};
      return static_cast<std::size_t>(n);
    }
  }

  Result<void> DiscardInput() override {
    if (::tcflush(fd_, TCIFLUSH) != 0) return ErrnoError("flush", errno);
    return Ok();
  }

  int PollFd() const override { return fd_; }

 private:
  // True when the fd is ready for `events`, false when the deadline passed first.
  Result<bool> Wait(short events, Deadline deadline) {
    while (true) {
      const auto left = deadline.Remaining().count();
      if (left <= 0) return false;
      pollfd p{fd_, events, 0};
      const int r = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, INT_MAX)));
      if (r < 0) {
        if (errno == EINTR) continue;
        return ErrnoError("poll", errno);
      }
      if (r == 0) return false;
      if ((p.revents & (POLLERR | POLLNVAL)) != 0) return Error{ErrorKind::kIo, "device error"};
      if ((p.revents & events) != 0) return true;
      if ((p.revents & POLLHUP) != 0) return Error{ErrorKind::kIo, "the other end closed"};
    }
  }

  int fd_;
};

// Linux gives pseudo-terminal slaves (/dev/pts/N) the UNIX98 majors 136 to 143.
bool IsPtySlave(const struct stat& st) {
  const unsigned m = major(st.st_rdev);
  return S_ISCHR(st.st_mode) && m >= 136 && m <= 143;
}

// A pseudo-terminal carries bytes whatever its speed; the speed is set only so that a bridge
// reading it (socat, ser2net) sees the configured one. Rates termios lacks fall back to 115200.
speed_t SpeedOf(int baud) {
  switch (baud) {
    case 9600:
      return B9600;
    case 19200:
      return B19200;
    case 38400:
      return B38400;
    case 57600:
      return B57600;
    case 230400:
      return B230400;
    case 460800:
      return B460800;
    case 921600:
      return B921600;
    default:
      return B115200;
  }
}

// No TIOCEXCL here, `exclusive` or not: a pseudo-terminal keeps the flag after its holder dies
// (the master side lives on), so a posdiag killed mid-dialogue would leave the port unopenable,
// for the payment application too, until the bridge or simulator restarts. A UART's or a USB
// adapter's flag goes with the last close. Callers hold an flock on the port (serial_access.h).
Result<std::unique_ptr<SerialPort>> OpenPty(const std::filesystem::path& path,
                                            const SerialSettings& settings) {
  const int fd = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return ErrnoError(path.string(), errno);
  auto port = std::make_unique<PtyPort>(fd);
  termios tio{};
  if (::tcgetattr(fd, &tio) != 0) return ErrnoError(path.string() + ": tcgetattr", errno);
  ::cfmakeraw(&tio);
  ::cfsetspeed(&tio, SpeedOf(settings.baud));
  tio.c_cflag |= CLOCAL | CREAD;
  if (settings.parity != Parity::kNone) tio.c_cflag |= PARENB;
  if (settings.parity == Parity::kOdd) tio.c_cflag |= PARODD;
  if (settings.flow_control == FlowControl::kRtsCts) tio.c_cflag |= CRTSCTS;
  if (settings.flow_control == FlowControl::kXonXoff) tio.c_iflag |= IXON | IXOFF;
  if (::tcsetattr(fd, TCSANOW, &tio) != 0) return ErrnoError(path.string() + ": tcsetattr", errno);
  return std::unique_ptr<SerialPort>(std::move(port));
}

sp_parity ParityOf(Parity p) {
  switch (p) {
    case Parity::kNone:
      return SP_PARITY_NONE;
    case Parity::kOdd:
      return SP_PARITY_ODD;
    case Parity::kEven:
      return SP_PARITY_EVEN;
  }
  return SP_PARITY_NONE;
}

sp_flowcontrol FlowControlOf(FlowControl f) {
  switch (f) {
    case FlowControl::kNone:
      return SP_FLOWCONTROL_NONE;
    case FlowControl::kXonXoff:
      return SP_FLOWCONTROL_XONXOFF;
    case FlowControl::kRtsCts:
      return SP_FLOWCONTROL_RTSCTS;
    case FlowControl::kDtrDsr:
      return SP_FLOWCONTROL_DTRDSR;
  }
  return SP_FLOWCONTROL_NONE;
}

}  // namespace

Result<std::unique_ptr<SerialPort>> OpenSerialPort(const std::filesystem::path& path,
                                                   const SerialSettings& settings) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return ErrnoError(path.string(), errno);
  if (!S_ISCHR(st.st_mode)) {
    return Error{ErrorKind::kInvalid, path.string() + ": not a character device"};
  }
  if (IsPtySlave(st)) return OpenPty(path, settings);

  sp_port* raw = nullptr;
  if (const sp_return r = sp_get_port_by_name(path.c_str(), &raw); r != SP_OK) {
    return SpError(r, path.string());
  }
  if (const sp_return r = sp_open(raw, SP_MODE_READ_WRITE); r != SP_OK) {
    Error e = SpError(r, path.string() + ": open");
    sp_free_port(raw);
    return e;
  }
  auto port = std::make_unique<LibSerialPort>(raw);
  if (settings.exclusive) {
    int fd = -1;
    if (const sp_return r = sp_get_port_handle(raw, &fd); r != SP_OK) {
      return SpError(r, path.string() + ": handle");
    }
    if (auto r = MakeExclusive(fd, path.string()); !r) return r.error();
    port->set_exclusive();
  }
  // One at a time: libserialport keeps only the last OS error, so stop at the first failure.
  sp_return r = sp_set_baudrate(raw, settings.baud);
  if (r != SP_OK) return SpError(r, path.string() + ": baud rate");
  r = sp_set_bits(raw, 8);
  if (r != SP_OK) return SpError(r, path.string() + ": data bits");
  r = sp_set_parity(raw, ParityOf(settings.parity));
  if (r != SP_OK) return SpError(r, path.string() + ": parity");
  r = sp_set_stopbits(raw, 1);
  if (r != SP_OK) return SpError(r, path.string() + ": stop bits");
  r = sp_set_flowcontrol(raw, FlowControlOf(settings.flow_control));
  if (r != SP_OK) return SpError(r, path.string() + ": flow control");
  return std::unique_ptr<SerialPort>(std::move(port));
}

Parity ParityFromName(std::string_view name) {
  if (name == "odd") return Parity::kOdd;
  if (name == "even") return Parity::kEven;
  return Parity::kNone;
}

FlowControl FlowControlFromName(std::string_view name) {
  if (name == "xonxoff") return FlowControl::kXonXoff;
  if (name == "rtscts") return FlowControl::kRtsCts;
  if (name == "dtrdsr") return FlowControl::kDtrDsr;
  return FlowControl::kNone;
}

}  // namespace posdiag::io
