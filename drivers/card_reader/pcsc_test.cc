// ReadPcscReaders against a real pcscd: a private one this test starts (in the namespaces ctest
// gives it, with a /run of its own, as pcscd's socket path is fixed), with no reader, or with
// vpcd's virtual reader from Debian's vsmartcard-vpcd and tests/sim/vicc_sim as the card.
// POSDIAG_PCSCD and POSDIAG_VPCD_DRIVER name pcscd and the vpcd driver; POSDIAG_VICC_SIM the card.
#include "drivers/card_reader/pcsc.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace posdiag::drivers::card_reader {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr int kVpcdPort = 35963;  // vpcd's port for its first reader (CHANNELID 0x8C7B)
const fs::path kSocket = "/run/pcscd/pcscd.comm";

// A child process, ended (SIGTERM, then reaped) when the object goes away.
class Child {
 public:
  explicit Child(std::vector<std::string> args, const fs::path& output = "/dev/null") {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, output.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (::posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~Child() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  bool started() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
};

// Polls `ready` every 20 ms until it holds or `limit` passes (a process starting up has no other
// way to say it is listening).
template <typename F>
bool WaitFor(F ready, std::chrono::milliseconds limit = 10s) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!ready()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

class PcscTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // pcscd's socket path is fixed: only in namespaces with a /run of their own (as ctest runs
    // this test) may it start one without meeting the system's.
    const char* private_run = std::getenv("POSDIAG_PRIVATE_RUN");
    if (private_run == nullptr || std::string(private_run) != "1" || fs::exists(kSocket)) {
      GTEST_SKIP() << "needs a private /run: run it through ctest";
    }
    dir_ = fs::temp_directory_path() / ("posdiag_pcsc_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "reader.conf.d");
  }
  void TearDown() override {
    pcscd_.reset();
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  // Starts pcscd in the foreground with our reader.conf.d and waits for its socket.
  void StartPcscd(bool with_vpcd) {
    if (with_vpcd) {
      std::ofstream(dir_ / "reader.conf.d" / "vpcd")
          << "FRIENDLYNAME \"Virtual PCD\"\nDEVICENAME /dev/null:0x8C7B\nLIBPATH "
          << POSDIAG_VPCD_DRIVER << "\nCHANNELID 0x8C7B\n";
    }
    pcscd_ =
        std::make_unique<Child>(std::vector<std::string>{POSDIAG_PCSCD, "--foreground", "--config",
                                                         (dir_ / "reader.conf.d").string()},
                                dir_ / "pcscd.log");
    ASSERT_TRUE(pcscd_->started());
    ASSERT_TRUE(WaitFor([] { return fs::exists(kSocket); })) << "pcscd made no socket";
  }

  fs::path dir_;
  std::unique_ptr<Child> pcscd_;
};

TEST_F(PcscTest, NoPcscdIsNotFound) {
  auto r = ReadPcscReaders(io::Deadline::In(2s));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kNotFound) << r.error().detail;
  EXPECT_NE(r.error().detail.find("pcscd"), std::string::npos) << r.error().detail;
}

TEST_F(PcscTest, PcscdWithoutReadersIsNotFound) {
  StartPcscd(false);
  auto r = ReadPcscReaders(io::Deadline::In(2s));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kNotFound) << r.error().detail;
  EXPECT_NE(r.error().detail.find("list readers"), std::string::npos) << r.error().detail;
}

TEST_F(PcscTest, VirtualReaderWithAndWithoutACard) {
  StartPcscd(true);
  Result<std::vector<PcscReaderState>> r = Error{ErrorKind::kNotFound, ""};
  ASSERT_TRUE(WaitFor([&] { return (r = ReadPcscReaders(io::Deadline::In(2s))).ok(); }))
      << r.error().detail;
  ASSERT_FALSE(r->empty());
  EXPECT_NE(r->front().name.find("Virtual PCD"), std::string::npos) << r->front().name;
  EXPECT_FALSE(r->front().present);
  EXPECT_FALSE(r->front().mute);

  const fs::path ready = dir_ / "card.ready";
  {
    Child card({POSDIAG_VICC_SIM, "--port", std::to_string(kVpcdPort), "--ready", ready.string(),
                "--lifetime", "60"},
               dir_ / "vicc.log");
    ASSERT_TRUE(card.started());
    // vicc_sim says so once pcscd reports the card.
    ASSERT_TRUE(WaitFor([&] { return fs::exists(ready); }));
    r = ReadPcscReaders(io::Deadline::In(2s));
    ASSERT_TRUE(r) << r.error().detail;
    EXPECT_TRUE(r->front().present);
    EXPECT_FALSE(r->front().mute);
    EXPECT_FALSE(r->front().in_use);
  }
  // The card went away with its connection: pcscd's next look finds the reader empty.
  ASSERT_TRUE(WaitFor([&] {
    r = ReadPcscReaders(io::Deadline::In(2s));
    return r.ok() && !r->front().present;
  }));
}

TEST_F(PcscTest, ADeadlineThatHasPassedIsATimeout) {
  StartPcscd(true);
  Result<std::vector<PcscReaderState>> r = Error{ErrorKind::kNotFound, ""};
  ASSERT_TRUE(WaitFor([&] { return (r = ReadPcscReaders(io::Deadline::In(2s))).ok(); }));
  r = ReadPcscReaders(io::Deadline::In(0ms));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kTimeout) << r.error().detail;
}

}  // namespace
}  // namespace posdiag::drivers::card_reader
