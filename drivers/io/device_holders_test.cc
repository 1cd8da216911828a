#include "drivers/io/device_holders.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <pty.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>

#include "tests/sim/fixture_tree.h"

namespace posdiag::io {
namespace {

using posdiag::testing::FixtureTree;
using std::chrono::milliseconds;

TEST(FindUucpLock, AsciiAndBinaryLocksOfLiveProcesses) {
  FixtureTree tree;
  tree.Put("/proc/812/comm", "minicom\n");
  tree.Put("/var/lock/LCK..ttyS1", "       812\n");  // HDB UUCP: ten columns and a newline
  const RootFs fs(tree.root());
  auto lock = FindUucpLock(fs, "ttyS1");
  ASSERT_TRUE(lock);
  EXPECT_EQ(lock->pid, 812);
  EXPECT_EQ(lock->comm, "minicom");

  const std::int32_t pid = 812;
  tree.Put("/run/lock/LCK..ttyUSB2", std::string(reinterpret_cast<const char*>(&pid), 4));
  auto binary = FindUucpLock(fs, "ttyUSB2");
  ASSERT_TRUE(binary);
  EXPECT_EQ(binary->pid, 812);
}

TEST(FindUucpLock, StaleAndUnreadableLocksAreNotHolders) {
  FixtureTree tree;
  tree.Put("/var/lock/LCK..ttyS1", "4242\n");  // no /proc/4242: its process is gone
  tree.Put("/var/lock/LCK..ttyS2", "garbage\n");
  const RootFs fs(tree.root());
  EXPECT_FALSE(FindUucpLock(fs, "ttyS1"));
  EXPECT_FALSE(FindUucpLock(fs, "ttyS2"));
  EXPECT_FALSE(FindUucpLock(fs, "ttyS3"));
}

TEST(SearchProcHolders, CountsWhatItMayNotSee) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root, to look as another user";
  // As nobody, the real /proc: root's processes (init, this test) keep their fd tables closed.
  const pid_t child = ::fork();
  if (child == 0) {
    if (::setresgid(65534, 65534, 65534) != 0 || ::setresuid(65534, 65534, 65534) != 0) {
      ::_exit(2);
    }
    const HolderSearch search =
        SearchProcHolders(RootFs("/"), "/dev/ttyNOTHING", Deadline::In(milliseconds(2000)));
    ::_exit(!search.holder && search.unseen > 0 && search.complete ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

class PtyLocksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char name[128] = {};
    ASSERT_EQ(::openpty(&master_, &slave_, name, nullptr, nullptr), 0);
    path_ = name;
  }
  void TearDown() override {
    if (slave_ >= 0) ::close(slave_);
    if (master_ >= 0) ::close(master_);
  }
  // Runs `hold` in a child that keeps the device open until the check is done.
  template <typename Hold>
  Result<DeviceLocks> CheckWhileAChildHolds(Hold hold) {
    int ready[2], done[2];
    EXPECT_EQ(::pipe(ready), 0);
    EXPECT_EQ(::pipe(done), 0);
    const pid_t child = ::fork();
    if (child == 0) {
      ::close(done[1]);  // the parent's end: its closing is the signal to let go
      ::close(ready[0]);
      const int fd = ::open(path_.c_str(), O_RDWR | O_NOCTTY);
      const char ok = fd >= 0 && hold(fd) ? 'y' : 'n';
      if (::write(ready[1], &ok, 1) != 1) ::_exit(1);
      char c;
      while (::read(done[0], &c, 1) < 0 && errno == EINTR) {
      }
      ::_exit(0);
    }
    ::close(ready[1]);
    ::close(done[0]);
    char ok = 'n';
    EXPECT_EQ(::read(ready[0], &ok, 1), 1);
    EXPECT_EQ(ok, 'y');
    auto locks = CheckDeviceLocks(path_);
    ::close(done[1]);
    ::waitpid(child, nullptr, 0);
    ::close(ready[0]);
    return locks;
  }

  int master_ = -1;
  int slave_ = -1;
  std::string path_;
};

TEST_F(PtyLocksTest, AFreeDeviceIsLockedForUs) {
  auto locks = CheckDeviceLocks(path_);
  ASSERT_TRUE(locks) << locks.error().detail;
  EXPECT_FALSE(locks->held);
  EXPECT_TRUE(locks->lock.valid());
  // Ours now: another open file description cannot take it.
  const int other = ::open(path_.c_str(), O_RDWR | O_NOCTTY);
  ASSERT_GE(other, 0);
  EXPECT_NE(::flock(other, LOCK_EX | LOCK_NB), 0);
  ::close(other);
}

TEST_F(PtyLocksTest, AnFlockHeldElsewhere) {
  auto locks = CheckWhileAChildHolds([](int fd) { return ::flock(fd, LOCK_EX) == 0; });
  ASSERT_TRUE(locks) << locks.error().detail;
  EXPECT_TRUE(locks->held);
  EXPECT_EQ(locks->how, "locked (flock)");
}

TEST_F(PtyLocksTest, AnFcntlLockNamesItsHolder) {
  pid_t holder = 0;
  auto locks = CheckWhileAChildHolds([&holder](int fd) {
    struct flock l {};
    l.l_type = F_WRLCK;
    l.l_whence = SEEK_SET;
    holder = ::getpid();
    return ::fcntl(fd, F_SETLK, &l) == 0;
  });
  ASSERT_TRUE(locks) << locks.error().detail;
  EXPECT_TRUE(locks->held);
  EXPECT_EQ(locks->how, "locked (fcntl)");
  EXPECT_TRUE(locks->pid.has_value());
}

TEST_F(PtyLocksTest, ExclusiveModeIsSeenEvenByRoot) {
  int excl = 0;
  if (::ioctl(slave_, TIOCGEXCL, &excl) != 0) GTEST_SKIP() << "no TIOCGEXCL here (qemu-user?)";
  ASSERT_EQ(::ioctl(slave_, TIOCEXCL), 0);
  auto locks = CheckDeviceLocks(path_);
  ASSERT_TRUE(locks) << locks.error().detail;
  EXPECT_TRUE(locks->held);
  EXPECT_EQ(locks->how, "held exclusively (TIOCEXCL)");
}

}  // namespace
}  // namespace posdiag::io
