// posdiag as an unprivileged user beside a device held by a root process it cannot look into:
// a pseudo-terminal whose slave a root child keeps open with no lock and no TIOCEXCL, as pcscd's
// serial driver keeps a reader's port. posdiag (as nobody, the real /proc, `[system] root = "/"`)
// must not send a byte to it — the printer, the modem and the serial card reader alike — and must
// say it cannot tell whether the device is in use. With `shared = false` it may talk. The
// capabilities docs/integration.md offers are tried too: CAP_DAC_READ_SEARCH alone lists the
// holder's /proc/PID/fd but cannot read its links, CAP_SYS_PTRACE alone cannot list it; either
// alone must still send nothing, and only the two together name the holder.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <pty.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

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
  pid_t holder() const { return holder_; }
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

  // `posdiag selftest` as nobody with TABLE (its port the held pty) and the JSON report; CAPS
  // ("+dac_read_search", "+sys_ptrace", both comma-separated) are given to it as ambient
  // capabilities, as a unit's AmbientCapabilities= would.
  json RunAsNobody(const std::string& table, const std::string& caps = "") {
    const std::string config = (dir_ / "posdiag.toml").string();
    std::ofstream(config) << "[system]\nroot = \"/\"\n[log]\ndir = \"" << (dir_ / "log").string()
                          << "\"\n[history]\ndir = \"" << (dir_ / "history").string() << "\"\n"
                          << table;
    ::chmod(config.c_str(), 0644);
    std::vector<std::string> argv = AsNobody(caps);
    for (const char* a : {POSDIAG_BINARY, "selftest", "--level", "engineer", "--config"}) {
      argv.emplace_back(a);
    }
    argv.insert(argv.end(), {config, "--format", "json"});
    const Outcome o = RunCommand(argv);
    EXPECT_LE(o.exit_status, 2) << o.err;
    try {
      return json::parse(o.out);
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what() << "\n" << o.out << o.err;
      return json::object();
    }
  }

  static std::vector<std::string> AsNobody(const std::string& caps) {
    std::vector<std::string> argv = {"setpriv", std::string("--reuid=") + kNobody,
                                     std::string("--regid=") + kNobody, "--clear-groups"};
    if (!caps.empty()) {
      argv.push_back("--inh-caps=" + caps);
      argv.push_back("--ambient-caps=" + caps);
    }
    return argv;
  }

  // True when a process started as nobody with CAPS really holds them (bits CAP_...): a container
  // without them in its bounding set cannot give them.
  static bool CanGive(const std::string& caps, std::uint64_t bits) {
    std::vector<std::string> argv = AsNobody(caps);
    argv.insert(argv.end(), {"cat", "/proc/self/status"});
    const Outcome o = RunCommand(argv);
    if (o.exit_status != 0) return false;
    std::istringstream lines(o.out);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("CapEff:", 0) == 0) {
        return (std::stoull(line.substr(7), nullptr, 16) & bits) == bits;
      }
    }
    return false;
  }

  HeldByRoot port_;
  std::filesystem::path dir_;
};

constexpr std::uint64_t kDacReadSearch = std::uint64_t{1} << 2;  // CAP_DAC_READ_SEARCH
constexpr std::uint64_t kSysPtrace = std::uint64_t{1} << 19;     // CAP_SYS_PTRACE

bool Fired(const json& report, const std::string& rule) {
  for (const auto& f : report["findings"]) {
    if (f["rule"] == rule) return true;
  }
  return false;
}

TEST_F(UnseenHolderTest, ThePrinterIsLeftAlone) {
  const json r = RunAsNobody("[printer]\nport = \"" + port_.slave() + "\"\n");
  EXPECT_EQ(r["facts"]["printer.busy_unknown"], true) << r.dump(2);
  EXPECT_FALSE(r["facts"].contains("printer.responds"));
  EXPECT_NE(r["facts_missing"]["printer.holder"].get<std::string>().find("other users"),
            std::string::npos);
  EXPECT_TRUE(Fired(r, "printer.busy_unknown")) << r["findings"].dump(2);
  EXPECT_EQ(port_.Written(), 0u);
}

TEST_F(UnseenHolderTest, TheSerialCardReaderIsLeftAlone) {
  const json r =
      RunAsNobody("[card_reader]\ntransport = \"serial\"\nport = \"" + port_.slave() + "\"\n");
  EXPECT_EQ(r["facts"]["card_reader.busy_unknown"], true) << r.dump(2);
  EXPECT_NE(r["facts_missing"]["card_reader.holder"].get<std::string>().find("other users"),
            std::string::npos);
  EXPECT_TRUE(Fired(r, "card_reader.busy_unknown")) << r["findings"].dump(2);
  EXPECT_EQ(port_.Written(), 0u);
}

TEST_F(UnseenHolderTest, TheModemIsLeftAlone) {
  const json r = RunAsNobody("[modem]\nport = \"" + port_.slave() + "\"\n");
  EXPECT_EQ(r["facts"]["modem.port.busy_unknown"], true) << r.dump(2);
  EXPECT_FALSE(r["facts"].contains("modem.responds"));
  EXPECT_NE(r["facts_missing"]["modem.port.holder"].get<std::string>().find("other users"),
            std::string::npos);
  EXPECT_TRUE(Fired(r, "modem.port_busy_unknown")) << r["findings"].dump(2);
  EXPECT_EQ(port_.Written(), 0u);
}

// One device as the capability tests see it: its table, facts and rules.
struct HeldDevice {
  const char* name;
  const char* table_head;  // the table up to `port = `
  const char* busy;        // facts
  const char* busy_unknown;
  const char* holder;
  const char* busy_rule;  // rules
  const char* busy_unknown_rule;
};

const HeldDevice kHeldDevices[] = {
    {"printer", "[printer]\n", "printer.busy", "printer.busy_unknown", "printer.holder",
     "printer.port_busy", "printer.busy_unknown"},
    {"modem", "[modem]\n", "modem.port.busy", "modem.port.busy_unknown", "modem.port.holder",
     "modem.port_busy", "modem.port_busy_unknown"},
    {"card_reader", "[card_reader]\ntransport = \"serial\"\n", "card_reader.busy",
     "card_reader.busy_unknown", "card_reader.holder", "card_reader.busy",
     "card_reader.busy_unknown"},
};

void PrintTo(const HeldDevice& d, std::ostream* os) { *os << d.name; }

class UnseenHolderCapsTest : public UnseenHolderTest,
                             public ::testing::WithParamInterface<HeldDevice> {
 protected:
  std::string Table() const {
    return std::string(GetParam().table_head) + "port = \"" + port_.slave() + "\"\n";
  }
};

// CAP_DAC_READ_SEARCH lists the holder's fd directory but cannot read the links in it;
// CAP_SYS_PTRACE may read them but cannot list the directory. Either alone: cannot tell.
TEST_P(UnseenHolderCapsTest, OneCapabilityAloneStillSendsNothing) {
  const HeldDevice& d = GetParam();
  int tried = 0;
  for (const auto& [caps, bit] :
       {std::pair<std::string, std::uint64_t>{"+dac_read_search", kDacReadSearch},
        {"+sys_ptrace", kSysPtrace}}) {
    if (!CanGive(caps, bit)) continue;
    ++tried;
    SCOPED_TRACE(caps);
    const json r = RunAsNobody(Table(), caps);
    EXPECT_EQ(r["facts"].value(d.busy_unknown, json()), true) << r.dump(2);
    EXPECT_FALSE(r["facts"].contains(d.holder));
    EXPECT_NE(r["facts_missing"].value(d.holder, std::string()).find("other users"),
              std::string::npos)
        << r["facts_missing"].dump(2);
    EXPECT_TRUE(Fired(r, d.busy_unknown_rule)) << r["findings"].dump(2);
    EXPECT_EQ(port_.Written(), 0u);
  }
  if (tried == 0)
    GTEST_SKIP() << "setpriv cannot give nobody CAP_DAC_READ_SEARCH or CAP_SYS_PTRACE";
}

// Both together: the holder is seen and named, and still nothing is sent.
TEST_P(UnseenHolderCapsTest, BothCapabilitiesNameTheHolder) {
  const HeldDevice& d = GetParam();
  const std::string caps = "+dac_read_search,+sys_ptrace";
  if (!CanGive(caps, kDacReadSearch | kSysPtrace)) {
    GTEST_SKIP() << "setpriv cannot give nobody CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE";
  }
  const json r = RunAsNobody(Table(), caps);
  EXPECT_EQ(r["facts"].value(d.busy, json()), true) << r.dump(2);
  ASSERT_TRUE(r["facts"].contains(d.holder)) << r.dump(2);
  EXPECT_NE(r["facts"][d.holder].get<std::string>().find("pid " + std::to_string(port_.holder())),
            std::string::npos)
      << r["facts"][d.holder];
  EXPECT_TRUE(Fired(r, d.busy_rule)) << r["findings"].dump(2);
  EXPECT_FALSE(Fired(r, d.busy_unknown_rule));
  EXPECT_EQ(port_.Written(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Devices, UnseenHolderCapsTest, ::testing::ValuesIn(kHeldDevices),
                         [](const ::testing::TestParamInfo<HeldDevice>& param_info) {
                           return std::string(param_info.param.name);
                         });

TEST_F(UnseenHolderTest, SharedFalseAssertsNobodyElseUsesIt) {
  const json r = RunAsNobody("[printer]\nport = \"" + port_.slave() + "\"\nshared = false\n");
  EXPECT_EQ(r["facts"]["printer.busy_unknown"], false) << r.dump(2);
  EXPECT_EQ(r["facts"]["printer.busy"], false);
  EXPECT_GT(port_.Written(), 0u);  // the status queries went out
}

}  // namespace
}  // namespace posdiag
