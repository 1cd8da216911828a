#include "drivers/io/companion.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <fstream>

#include "drivers/base/unique_fd.h"
#include "tests/sim/fixture_tree.h"

namespace posdiag::io {
namespace {

TEST(FindCompanion, BesideTheBinaryFirst) {
  testing::FixtureTree tree;
  tree.Put("/bin/posdiag-tls", "");
  auto found = FindCompanionFrom(tree.root() / "bin", "posdiag-tls");
  ASSERT_TRUE(found) << found.error().detail;
  EXPECT_EQ(*found, tree.root() / "bin" / "posdiag-tls");
}

TEST(FindCompanion, MissingEverywhereNamesBothPlaces) {
  testing::FixtureTree tree;
  tree.Put("/bin/posdiag-tls/x", "");  // a directory by that name is not the program
  auto found = FindCompanionFrom(tree.root() / "bin", "posdiag-tls");
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().kind, ErrorKind::kNotFound);
  EXPECT_NE(found.error().detail.find(tree.root().string()), std::string::npos);
  EXPECT_NE(found.error().detail.find("libexec/posdiag"), std::string::npos);
}

TEST(FindCompanion, ThenTheLibexecDirectoryFromTheBinarysOwn) {
  testing::FixtureTree tree;
  tree.Put("/usr/bin/posdiag", "");
  tree.Put(std::string("/usr/bin/") + POSDIAG_LIBEXEC_FROM_BIN + "/posdiag-tls", "");
  auto found = FindCompanionFrom(tree.root() / "usr/bin", "posdiag-tls");
  ASSERT_TRUE(found) << found.error().detail;
  EXPECT_EQ(
      *found,
      (tree.root() / "usr/bin" / POSDIAG_LIBEXEC_FROM_BIN / "posdiag-tls").lexically_normal());
}

using std::chrono::milliseconds;

Result<CompanionRun> Sh(const std::string& script, const CompanionIo& io = {},
                        milliseconds limit = milliseconds(5000)) {
  return RunCompanion("/bin/sh", {"-c", script}, io, Deadline::In(limit));
}

TEST(RunCompanion, ItsOutputAndExitStatus) {
  auto run = Sh("printf 'one\\ntwo'; echo noise >&2; exit 3");
  ASSERT_TRUE(run) << run.error().detail;
  EXPECT_EQ(run->output, "one\ntwo");  // stderr is not its answer
  EXPECT_EQ(run->exit_status, 3);
  EXPECT_EQ(run->signal, 0);
}

TEST(RunCompanion, StdinAndDescriptorThreeAreWhatTheCallerGives) {
  UniqueFd input(::memfd_create("input", MFD_CLOEXEC));
  ASSERT_TRUE(input.valid());
  ASSERT_EQ(::write(input.get(), "from stdin", 10), 10);
  ASSERT_EQ(::lseek(input.get(), 0, SEEK_SET), 0);
  int pipe_fds[2];
  ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
  UniqueFd read_end(pipe_fds[0]);
  UniqueFd write_end(pipe_fds[1]);
  auto run =
      Sh("cat; echo ' and fd 3' >&3", {.stdin_fd = input.get(), .extra_fd = write_end.get()});
  ASSERT_TRUE(run) << run.error().detail;
  EXPECT_EQ(run->output, "from stdin");
  write_end.Reset();
  char buf[64] = {};
  EXPECT_EQ(::read(read_end.get(), buf, sizeof buf), 10);
  EXPECT_STREQ(buf, " and fd 3\n");
}

TEST(RunCompanion, NoStdinMeansAnEmptyOneAndNoInheritedDescriptors) {
  UniqueFd mine(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(mine.valid());
  auto run = Sh("cat; [ -e /proc/self/fd/3 ] && echo fd3; [ -e /proc/self/fd/" +
                std::to_string(mine.get()) + " ] && echo mine; true");
  ASSERT_TRUE(run) << run.error().detail;
  EXPECT_EQ(run->output, "");
}

TEST(RunCompanion, OneThatHangsIsKilledAtItsDeadline) {
  auto run = Sh("echo started; exec sleep 30", {}, milliseconds(300));
  ASSERT_FALSE(run);
  EXPECT_EQ(run.error().kind, ErrorKind::kTimeout);
}

TEST(RunCompanion, OneThatClosesStdoutButDoesNotExitIsKilledToo) {
  auto run = Sh("exec >&-; sleep 30", {}, milliseconds(300));
  ASSERT_FALSE(run);
  EXPECT_EQ(run.error().kind, ErrorKind::kTimeout);
}

TEST(RunCompanion, TooMuchOutputIsRefused) {
  auto run = Sh("head -c 100000 /dev/zero", {.max_output = 1000});
  ASSERT_FALSE(run);
  EXPECT_EQ(run.error().kind, ErrorKind::kParse);
}

TEST(RunCompanion, AMissingProgramIsNotFound) {
  auto run = RunCompanion("/nonexistent/posdiag-tls", {}, {}, Deadline::In(milliseconds(1000)));
  ASSERT_FALSE(run);
  EXPECT_EQ(run.error().kind, ErrorKind::kNotFound) << run.error().detail;
}

TEST(RunCompanion, KilledBySignalIsSaid) {
  auto run = Sh("kill -TERM $$");
  ASSERT_TRUE(run) << run.error().detail;
  EXPECT_EQ(run->exit_status, -1);
  EXPECT_EQ(run->signal, SIGTERM);
}

}  // namespace
}  // namespace posdiag::io
