// posdiag as an unprivileged user beside a device held by a root process it cannot look into:
// a pseudo-terminal whose slave a root child keeps open with no lock and no TIOCEXCL, as pcscd's
// serial driver keeps a reader's port. posdiag (as nobody, the real /proc, `[system] root = "/"`)
// must not send a byte to it — the printer, the modem and the serial card reader alike — and must
// say it cannot tell whether the device is in use. With `shared = false` it may talk.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <pty.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/e2e/run_command.h"

namespace posdiag {
namespace {

using e2e::Outcome;
using e2e::RunCommand;
using json = nlohmann::json;

constexpr const char* kNobody = "65534";

// A pty pair; a root child holds the slave open (no lock, no TIOCEXCL) until the object goes.
class HeldByRoot {
 public:
  HeldByRoot() {
    char name[128] = {};
    if (::openpty(&master_, &slave_, name, nullptr, nullptr) != 0) return;
    slave_path_ = name;
    termios t{};
    if (::tcgetattr(master_, &t) == 0) {
      ::cfmakeraw(&t);
      ::tcsetattr(master_, TCSANOW, &t);
    }
    ::fcntl(master_, F_SETFL, O_NONBLOCK);
    ::chmod(name, 0666);  // nobody may open it: only the holder question stands in its way
    int release[2];
    if (::pipe(release) != 0) return;
    holder_ = ::fork();
    if (holder_ == 0) {
      ::close(release[1]);
      const int fd = ::open(name, O_RDWR | O_NOCTTY);
      char c;
      while (::read(release[0], &c, 1) < 0 && errno == EINTR) {
      }
      if (fd >= 0) ::close(fd);
      ::_exit(0);
    }
    ::close(release[0]);
    release_ = release[1];
    ::close(slave_);  // only the child holds the slave now
    slave_ = -1;
    // The child has it open once /proc shows the link.
    for (int i = 0; i < 200 && !Held(); ++i) ::usleep(10'000);
  }
  ~HeldByRoot() {
    if (release_ >= 0) ::close(release_);
    if (holder_ > 0) ::waitpid(holder_, nullptr, 0);
    if (master_ >= 0) ::close(master_);
  }
  HeldByRoot(const HeldByRoot&) = delete;
  HeldByRoot& operator=(const HeldByRoot&) = delete;

  bool Held() const {
    std::error_code ec;
    for (const auto& fd :
         std::filesystem::directory_iterator("/proc/" + std::to_string(holder_) + "/fd", ec)) {
      if (std::filesystem::read_symlink(fd.path(), ec) == slave_path_) return true;
    }
    return false;
  }
  const std::string& slave() const { return slave_path_; }
  // Bytes anyone wrote to the slave.
  std::size_t Written() const {
    std::size_t total = 0;
    char buf[256];
    ssize_t n;
    while ((n = ::read(master_, buf, sizeof buf)) > 0) total += static_cast<std::size_t>(n);
    return total;
  }

 private:
  int master_ = -1;
  int slave_ = -1;
  int release_ = -1;
  pid_t holder_ = -1;
  std::string slave_path_;
};

class UnseenHolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root, to run posdiag as another user";
    dir_ = std::filesystem::temp_directory_path() /
           ("posdiag_unseen_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_ / "log");
    std::filesystem::create_directories(dir_ / "history");
    for (const auto& p : {dir_, dir_ / "log", dir_ / "history"}) ::chmod(p.c_str(), 0777);
    ASSERT_TRUE(port_.Held()) << "the root holder did not open " << port_.slave();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // `posdiag selftest` as nobody with TABLE (its port the held pty) and the JSON report.
  json RunAsNobody(const std::string& table) {
    const std::string config = (dir_ / "posdiag.toml").string();
    std::ofstream(config) << "[system]\nroot = \"/\"\n[log]\ndir = \"" << (dir_ / "log").string()
                          << "\"\n[history]\ndir = \"" << (dir_ / "history").string() << "\"\n"
                          << table;
    ::chmod(config.c_str(), 0644);
    const Outcome o =
        RunCommand({"setpriv", std::string("--reuid=") + kNobody, std::string("--regid=") + kNobody,
                    "--clear-groups", POSDIAG_BINARY, "selftest", "--level", "engineer", "--config",
                    config, "--format", "json"});
    EXPECT_LE(o.exit_status, 2) << o.err;
    try {
      return json::parse(o.out);
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what() << "\n" << o.out << o.err;
      return json::object();
    }
  }

  HeldByRoot port_;
  std::filesystem::path dir_;
};

TEST_F(UnseenHolderTest, ThePrinterIsLeftAlone) {
  const json r = RunAsNobody("[printer]\nport = \"" + port_.slave() + "\"\n");
  EXPECT_EQ(r["facts"]["printer.busy_unknown"], true) << r.dump(2);
  EXPECT_FALSE(r["facts"].contains("printer.responds"));
  EXPECT_NE(r["facts_missing"]["printer.holder"].get<std::string>().find("other users"),
            std::string::npos);
  bool said = false;
  for (const auto& f : r["findings"]) said = said || f["rule"] == "printer.busy_unknown";
  EXPECT_TRUE(said) << r["findings"].dump(2);
  EXPECT_EQ(port_.Written(), 0u);
}

TEST_F(UnseenHolderTest, TheSerialCardReaderIsLeftAlone) {
  const json r =
      RunAsNobody("[card_reader]\ntransport = \"serial\"\nport = \"" + port_.slave() + "\"\n");
  EXPECT_EQ(r["facts"]["card_reader.busy_unknown"], true) << r.dump(2);
  EXPECT_EQ(port_.Written(), 0u);
}

TEST_F(UnseenHolderTest, TheModemIsLeftAlone) {
  const json r = RunAsNobody("[modem]\nport = \"" + port_.slave() + "\"\n");
  EXPECT_EQ(r["facts"]["modem.port.busy_unknown"], true) << r.dump(2);
  EXPECT_FALSE(r["facts"].contains("modem.responds"));
  EXPECT_EQ(port_.Written(), 0u);
}

TEST_F(UnseenHolderTest, SharedFalseAssertsNobodyElseUsesIt) {
  const json r = RunAsNobody("[printer]\nport = \"" + port_.slave() + "\"\nshared = false\n");
  EXPECT_EQ(r["facts"]["printer.busy_unknown"], false) << r.dump(2);
  EXPECT_EQ(r["facts"]["printer.busy"], false);
  EXPECT_GT(port_.Written(), 0u);  // the status queries went out
}

}  // namespace
}  // namespace posdiag
