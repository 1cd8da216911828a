#include "drivers/display/console.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <pty.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <string>

namespace posdiag::drivers::display {
namespace {

// A pseudo-terminal standing in for /dev/tty1; the test reads what the console wrote.
class PtyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    winsize ws{};
    ws.ws_col = 40;
    ws.ws_row = 12;
    char name[128] = {};
    ASSERT_EQ(::openpty(&master_, &slave_, name, nullptr, &ws), 0);
    // Raw, so the bytes arrive as written.
    termios t{};
    ::tcgetattr(slave_, &t);
    ::cfmakeraw(&t);
    ::tcsetattr(slave_, TCSANOW, &t);
    name_ = name;
  }
  void TearDown() override {
    ::close(master_);
    ::close(slave_);
  }
  std::string ReadAll() {
    std::string out;
    char buf[4096];
    ::fcntl(master_, F_SETFL, O_NONBLOCK);
    for (;;) {
      const ssize_t n = ::read(master_, buf, sizeof buf);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }
  int master_ = -1;
  int slave_ = -1;
  std::string name_;
};

TEST_F(PtyTest, ReportsItsSizeAndWritesBytes) {
  auto console = TextConsole::Open(name_);
  ASSERT_TRUE(console.ok()) << console.error().detail;
  EXPECT_EQ((*console)->columns(), 40);
  EXPECT_EQ((*console)->rows(), 12);
  ASSERT_TRUE((*console)->Write("hello 电池", io::Deadline::In(std::chrono::seconds(1))).ok());
  EXPECT_EQ(ReadAll(), "hello 电池");
}

TEST_F(PtyTest, AStalledTerminalTimesOutInsteadOfBlocking) {
  auto console = TextConsole::Open(name_);
  ASSERT_TRUE(console.ok());
  // Nobody reads the master: the pty's buffer fills and the write must give up at its deadline.
  const std::string chunk(64 * 1024, 'x');
  Result<void> last = Ok();
  for (int i = 0; i < 64 && last.ok(); ++i) {
    last = (*console)->Write(chunk, io::Deadline::In(std::chrono::milliseconds(50)));
  }
  ASSERT_FALSE(last.ok());
  EXPECT_EQ(last.error().kind, ErrorKind::kTimeout);
}

TEST(TextConsole, RefusesWhatIsNotATerminal) {
  auto missing = TextConsole::Open("/nonexistent/tty1");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::kNotFound);
  auto file = TextConsole::Open("/dev/null");
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.error().kind, ErrorKind::kInvalid);
}

}  // namespace
}  // namespace posdiag::drivers::display
