#include "drivers/io/serial_port.h"

#include <gtest/gtest.h>
#include <pty.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <string>

#include "tests/sim/fixture_tree.h"

namespace posdiag::io {
namespace {

using posdiag::testing::FixtureTree;
using std::chrono::milliseconds;

TEST(OpenSerialPort, MissingAndNotADevice) {
  FixtureTree tree;
  auto missing = OpenSerialPort(tree.At("/dev/ttyUSB9"), {});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, ErrorKind::kNotFound);
  tree.Put("/dev/ttyUSB0", "not a device");
  auto file = OpenSerialPort(tree.At("/dev/ttyUSB0"), {});
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().kind, ErrorKind::kInvalid);
}

TEST(OpenSerialPort, NotASerialDevice) {
  // /dev/null is a character device but no tty: libserialport refuses it.
  auto null = OpenSerialPort("/dev/null", {});
  ASSERT_FALSE(null);
  EXPECT_NE(null.error().kind, ErrorKind::kTimeout);
}

class PtyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::openpty(&master_, &slave_, nullptr, nullptr, nullptr), 0);
    name_ = ::ttyname(slave_);
  }
  void TearDown() override {
    ::close(master_);
    ::close(slave_);
  }
  int master_ = -1;
  int slave_ = -1;
  std::string name_;
};

TEST_F(PtyTest, BytesBothWaysAndReadsEndAtTheDeadline) {
  auto port = OpenSerialPort(name_, {.baud = 115200});
  ASSERT_TRUE(port) << port.error().detail;
  const std::string out = "AT\r";
  ASSERT_TRUE((*port)->Write({reinterpret_cast<const std::uint8_t*>(out.data()), out.size()},
                             Deadline::In(milliseconds(500))));
  char got[8] = {};
  ASSERT_EQ(::read(master_, got, sizeof got), 3);
  EXPECT_EQ(std::string(got, 3), "AT\r");

  ASSERT_EQ(::write(master_, "OK\r\n", 4), 4);
  std::uint8_t buf[16];
  auto n = (*port)->Read(buf, Deadline::In(milliseconds(500)));
  ASSERT_TRUE(n);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(buf), *n), "OK\r\n");

  const auto start = std::chrono::steady_clock::now();
  auto none = (*port)->Read(buf, Deadline::In(milliseconds(100)));
  ASSERT_TRUE(none);
  EXPECT_EQ(*none, 0u);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, milliseconds(90));
  EXPECT_LT(took, milliseconds(400));

  ASSERT_EQ(::write(master_, "late", 4), 4);
  ::usleep(20000);
  ASSERT_TRUE((*port)->DiscardInput());
  auto after = (*port)->Read(buf, Deadline::In(milliseconds(50)));
  ASSERT_TRUE(after);
  EXPECT_EQ(*after, 0u);
}

TEST_F(PtyTest, ThroughASymlinkAsUdevAndTheSimulatorsMakeThem) {
  FixtureTree tree;
  std::filesystem::create_directories(tree.At("/dev"));
  std::filesystem::create_symlink(name_, tree.At("/dev/ttyUSB2"));
  auto port = OpenSerialPort(tree.At("/dev/ttyUSB2"), {});
  ASSERT_TRUE(port) << port.error().detail;
}

// A pseudo-terminal keeps TIOCEXCL after its holder dies (its master lives on: socat, ser2net, a
// simulator), unlike a UART or a USB adapter, which the last close resets. A posdiag killed
// mid-dialogue (SIGKILL: no destructor runs) would leave the port unopenable for the payment
// application until the bridge restarts, so on a pseudo-terminal "exclusive" sets no flag: the
// caller's flock (OpenSerialForProbe) keeps other posdiag processes out.
TEST_F(PtyTest, AnExclusiveOpenLeavesNoFlagBehindWhenKilled) {
  int excl = -1;
  // qemu-user (the cross builds' tests) passes TIOCEXCL through but answers TIOCGEXCL, which
  // reads it back, with ENOSYS.
  if (::ioctl(slave_, TIOCGEXCL, &excl) != 0 && errno == ENOSYS) {
    GTEST_SKIP() << "TIOCGEXCL is not supported here (qemu-user?): exclusivity cannot be read back";
  }
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto port = OpenSerialPort(name_, {.baud = 9600,
                                       .parity = Parity::kEven,
                                       .flow_control = FlowControl::kXonXoff,
                                       .exclusive = true});
    termios tio{};
    const bool xon = port && ::tcgetattr(slave_, &tio) == 0 && (tio.c_iflag & IXON) != 0;
    if (!xon) ::_exit(1);
    ::raise(SIGKILL);  // as the OOM killer or a watchdog ends it: no destructor, no TIOCNXCL
    ::_exit(2);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  // Opened with the settings (Linux's pty driver forces CS8 without parity, so only flow control
  // shows), then killed.
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "child status " << status;
  ASSERT_EQ(::ioctl(slave_, TIOCGEXCL, &excl), 0);
  EXPECT_EQ(excl, 0);
}

TEST(FindDeviceHolder, FindsTheProcessWithALinkToTheDevice) {
  FixtureTree tree;
  tree.Put("/proc/1/comm", "init\n");
  std::filesystem::create_directories(tree.At("/proc/1/fd"));
  std::filesystem::create_symlink("/dev/null", tree.At("/proc/1/fd/0"));
  tree.Put("/proc/4242/comm", "payapp\n");
  std::filesystem::create_directories(tree.At("/proc/4242/fd"));
  std::filesystem::create_symlink("/dev/null", tree.At("/proc/4242/fd/0"));
  std::filesystem::create_symlink("/dev/pts/7", tree.At("/proc/4242/fd/5"));
  tree.Put("/proc/meminfo", "MemTotal: 1 kB\n");
  const RootFs fs(tree.root());

  auto holder = FindDeviceHolder(fs, "/dev/pts/7", Deadline::In(milliseconds(500)));
  ASSERT_TRUE(holder);
  EXPECT_EQ(holder->pid, 4242);
  EXPECT_EQ(holder->comm, "payapp");
  EXPECT_FALSE(FindDeviceHolder(fs, "/dev/pts/8", Deadline::In(milliseconds(500))));
  // A deadline that has passed looks at nothing.
  EXPECT_FALSE(FindDeviceHolder(fs, "/dev/pts/7", Deadline::In(milliseconds(0))));
}

TEST(FindDeviceHolder, NoProcIsNoHolder) {
  FixtureTree tree;
  EXPECT_FALSE(
      FindDeviceHolder(RootFs(tree.root()), "/dev/ttyUSB2", Deadline::In(milliseconds(100))));
}

}  // namespace
}  // namespace posdiag::io
