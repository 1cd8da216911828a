#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "agent/probes/printer/printer_device.h"
#include "agent/probes/testing/fake_openers.h"
#include "agent/probes/testing/probe_harness.h"

namespace posdiag::agent::probes {
namespace {

using posdiag::testing::FixtureTree;
using std::chrono::milliseconds;
using testing::AtEpoch;
using testing::FixedClock;
using testing::ProbeRun;
using testing::RunProbe;
using V = rules::FactValue;

// printer_sim (tests/sim/printer_sim.cc) in one mode, linked at <root>/dev/ttyS1.
class PrinterSim : public testing::PtySimulator {
 public:
  PrinterSim(const FixtureTree& tree, const std::string& mode)
      : PtySimulator(POSDIAG_PRINTER_SIM, tree.At("/dev/ttyS1"), mode) {}
};

class PrinterProbeTest : public ::testing::Test {
 protected:
  // Runs the probe with its whole deadline `budget`, as the runner would give it.
  ProbeRun Run(milliseconds budget = milliseconds(10000),
               std::string_view config = "[printer]\nport = \"/dev/ttyS1\"\n",
               Level level = Level::kBoot) {
    ProbeRun run = RunProbe(device_, tree_, config, clock_, testing::RealOpeners(),
                            {.level = level, .budget = budget});
    took_ = run.took;
    return run;
  }

  FixtureTree tree_;
  PrinterDevice device_;
  FixedClock clock_{AtEpoch(1'700'000'000)};
  milliseconds took_{0};
};

TEST_F(PrinterProbeTest, DeclaresItsSectionAndProbe) {
  const auto sections = device_.ConfigSections();
  ASSERT_EQ(sections.size(), 1u);
  EXPECT_EQ(sections[0].name, "printer");
  auto probe = device_.MakeProbe();
  ASSERT_NE(probe, nullptr);
  EXPECT_EQ(probe->Levels(), kAllLevels);
  EXPECT_TRUE(probe->NeedsConfigSection());
  ASSERT_EQ(device_.Routines().size(), 1u);
  EXPECT_EQ(device_.Routines()[0]->Name(), "slip");
}

TEST_F(PrinterProbeTest, HealthyPrinter) {
  PrinterSim sim(tree_, "healthy");
  ASSERT_TRUE(sim.ready());
  const ProbeRun r = Run();
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_EQ(r.Value("printer.detected"), V(true));
  EXPECT_EQ(r.Value("printer.busy"), V(false));
  EXPECT_EQ(r.Value("printer.responds"), V(true));
  EXPECT_EQ(r.Value("printer.online"), V(true));
  EXPECT_EQ(r.Value("printer.paper_end"), V(false));
  EXPECT_EQ(r.Value("printer.cover_open"), V(false));
  EXPECT_EQ(r.Value("printer.framing_errors"), V(std::int64_t{0}));
  EXPECT_EQ(r.Value("printer.bytes_sent"), V(std::int64_t{12}));
  EXPECT_EQ(r.Value("printer.bytes_received"), V(std::int64_t{4}));
  EXPECT_EQ(r.Unit("printer.query_ms"), "ms");
}

TEST_F(PrinterProbeTest, TestSlipAtEngineerLevelOnlyAndNeverOnAFault) {
  constexpr std::string_view kConfig = "[printer]\nport = \"/dev/ttyS1\"\n";
  {
    PrinterSim sim(tree_, "healthy");
    ASSERT_TRUE(sim.ready());
    EXPECT_EQ(Run(milliseconds(10000), kConfig, Level::kBoot).Why("printer.test_slip_sent"),
              "a test slip is printed at engineer level only");
    EXPECT_EQ(Run(milliseconds(10000), kConfig, Level::kMerchant).Why("printer.test_slip_sent"),
              "a test slip is printed at engineer level only");
    EXPECT_EQ(Run(milliseconds(10000), "[printer]\nport = \"/dev/ttyS1\"\ntest_slip = true\n",
                  Level::kMerchant)
                  .Value("printer.test_slip_sent"),
              rules::FactValue(true));
    EXPECT_EQ(Run(milliseconds(10000), kConfig, Level::kEngineer).Value("printer.test_slip_sent"),
              rules::FactValue(true));
  }
  PrinterSim sim(tree_, "paper-end");
  ASSERT_TRUE(sim.ready());
  EXPECT_EQ(Run(milliseconds(10000), kConfig, Level::kEngineer).Why("printer.test_slip_sent"),
            "not printed: the printer reported a fault");
}

TEST_F(PrinterProbeTest, PaperEndAndCoverOpen) {
  {
    PrinterSim sim(tree_, "paper-end");
    ASSERT_TRUE(sim.ready());
    const ProbeRun r = Run();
    EXPECT_EQ(r.Value("printer.online"), V(false));
    EXPECT_EQ(r.Value("printer.paper_end"), V(true));
    EXPECT_EQ(r.Value("printer.paper_near_end"), V(true));
  }
  {
    PrinterSim sim(tree_, "cover-open");
    ASSERT_TRUE(sim.ready());
    const ProbeRun r = Run();
    EXPECT_EQ(r.Value("printer.cover_open"), V(true));
    EXPECT_EQ(r.Value("printer.cutter_error"), V(false));
  }
  {
    PrinterSim sim(tree_, "overheated");
    ASSERT_TRUE(sim.ready());
    const ProbeRun r = Run();
    EXPECT_EQ(r.Value("printer.head_overheat"), V(true));
    EXPECT_EQ(r.Value("printer.unrecoverable_error"), V(false));
  }
}

TEST_F(PrinterProbeTest, SilentPrinterIsOnTheBusButNotAnswering) {
  PrinterSim sim(tree_, "silent");
  ASSERT_TRUE(sim.ready());
  const ProbeRun r = Run(milliseconds(3000));
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_LT(took_, milliseconds(3000));
  EXPECT_EQ(r.Value("printer.detected"), V(true));
  EXPECT_EQ(r.Value("printer.responds"), V(false));
  EXPECT_EQ(r.Value("printer.connection_lost"), V(false));
  EXPECT_EQ(r.Value("printer.framing_errors"), V(std::int64_t{0}));
  EXPECT_EQ(r.Value("printer.bytes_received"), V(std::int64_t{0}));
  EXPECT_NE(r.Why("printer.online").find("no reply"), std::string::npos) << r.Why("printer.online");
}

TEST_F(PrinterProbeTest, GarbageIsFramingErrorsWithinTheDeadline) {
  PrinterSim sim(tree_, "garbage");
  ASSERT_TRUE(sim.ready());
  const ProbeRun r = Run(milliseconds(3000));
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_LT(took_, milliseconds(3000));
  EXPECT_EQ(r.Value("printer.responds"), V(false));
  EXPECT_EQ(r.Value("printer.framing_errors"), V(std::int64_t{12}));
  EXPECT_NE(r.Why("printer.online").find("status bit check"), std::string::npos)
      << r.Why("printer.online");
}

TEST_F(PrinterProbeTest, UnpluggedMidQueryIsALostConnection) {
  PrinterSim sim(tree_, "unplug");
  ASSERT_TRUE(sim.ready());
  const ProbeRun r = Run(milliseconds(3000));
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_LT(took_, milliseconds(3000));
  EXPECT_EQ(r.Value("printer.responds"), V(true));
  EXPECT_EQ(r.Value("printer.connection_lost"), V(true));
  EXPECT_EQ(r.Value("printer.online"), V(true));
  EXPECT_FALSE(r.Has("printer.cover_open"));
}

TEST_F(PrinterProbeTest, NoDeviceAtThePortIsNotDetected) {
  const ProbeRun r = Run();
  ASSERT_TRUE(r.result.ok());
  EXPECT_EQ(r.Value("printer.detected"), V(false));
  EXPECT_EQ(r.Why("printer.responds"), "no device at /dev/ttyS1");
}

TEST_F(PrinterProbeTest, BusyPortIsLeftAlone) {
  PrinterSim sim(tree_, "healthy");
  ASSERT_TRUE(sim.ready());
  tree_.Put("/proc/4242/comm", "payapp\n");
  std::filesystem::create_directories(tree_.At("/proc/4242/fd"));
  std::filesystem::create_symlink(sim.device(), tree_.At("/proc/4242/fd/7"));
  const ProbeRun r = Run();
  ASSERT_TRUE(r.result.ok());
  EXPECT_EQ(r.Value("printer.busy"), V(true));
  EXPECT_EQ(r.Value("printer.holder"), V(std::string("payapp pid 4242")));
  EXPECT_FALSE(r.Has("printer.responds"));
}

// A pseudo-terminal this test owns both ends of, and a child process named "payapp" that holds
// its slave open with TIOCEXCL, as the payment application holds the printer's port while it
// prints. Whatever anyone writes to the slave arrives at `master`.
class HeldPort {
 public:
  HeldPort() {
    master_ = ::posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK);
    if (master_ < 0 || ::grantpt(master_) != 0 || ::unlockpt(master_) != 0) return;
    char name[64];
    if (::ptsname_r(master_, name, sizeof name) != 0) return;
    slave_ = name;
    termios t{};
    if (::tcgetattr(master_, &t) == 0) {
      ::cfmakeraw(&t);
      ::tcsetattr(master_, TCSANOW, &t);
    }
    int ready[2], release[2];
    if (::pipe(ready) != 0) return;
    if (::pipe(release) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {  // only async-signal-safe calls from here on
      ::close(ready[0]);
      ::close(release[1]);
      ::prctl(PR_SET_NAME, "payapp");
      const int fd = ::open(name, O_RDWR | O_NOCTTY);
      const char ok = fd >= 0 && ::ioctl(fd, TIOCEXCL) == 0 ? 'y' : 'n';
      if (::write(ready[1], &ok, 1) != 1) ::_exit(1);
      char c;
      while (::read(release[0], &c, 1) < 0 && errno == EINTR) {
      }
      ::_exit(0);
    }
    ::close(ready[1]);
    ::close(release[0]);
    release_ = release[1];
    char ok = 'n';
    pollfd p{ready[0], POLLIN, 0};
    if (pid_ > 0 && ::poll(&p, 1, 5000) == 1 && ::read(ready[0], &ok, 1) == 1) held_ = ok == 'y';
    ::close(ready[0]);
  }
  ~HeldPort() {
    if (release_ >= 0) ::close(release_);  // the holder exits
    if (pid_ > 0) ::waitpid(pid_, nullptr, 0);
    if (master_ >= 0) ::close(master_);
  }
  HeldPort(const HeldPort&) = delete;
  HeldPort& operator=(const HeldPort&) = delete;

  bool held() const { return held_; }
  pid_t pid() const { return pid_; }
  const std::string& slave() const { return slave_; }
  // Bytes written to the slave so far (the master is non-blocking).
  std::size_t Written() const {
    std::size_t total = 0;
    char buf[256];
    ssize_t n;
    while ((n = ::read(master_, buf, sizeof buf)) > 0) total += static_cast<std::size_t>(n);
    return total;
  }

 private:
  int master_ = -1;
  int release_ = -1;
  pid_t pid_ = -1;
  bool held_ = false;
  std::string slave_;
};

TEST_F(PrinterProbeTest, RealHolderIsNamedAndNothingIsSent) {
  HeldPort port;
  ASSERT_TRUE(port.held());
  std::filesystem::create_directories(tree_.At("/dev"));
  std::filesystem::create_symlink(port.slave(), tree_.At("/dev/ttyS1"));
  // The fixture's /proc holds only what a test puts there: the holder's real entry.
  std::filesystem::create_directories(tree_.At("/proc"));
  std::filesystem::create_symlink("/proc/" + std::to_string(port.pid()),
                                  tree_.At("/proc/" + std::to_string(port.pid())));
  const ProbeRun r = Run(milliseconds(10000), "[printer]\nport = \"/dev/ttyS1\"\n",
                         Level::kEngineer);  // even where a test slip would print
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_EQ(r.Value("printer.detected"), V(true));
  EXPECT_EQ(r.Value("printer.busy"), V(true));
  EXPECT_EQ(r.Value("printer.holder"), V("payapp pid " + std::to_string(port.pid())));
  EXPECT_FALSE(r.Has("printer.responds"));
  EXPECT_FALSE(r.Has("printer.test_slip_sent"));
  EXPECT_EQ(port.Written(), 0u);
}

// Wrong values never reach the probe: the schema refuses them, with where and why.
TEST_F(PrinterProbeTest, WrongValuesAreConfigErrors) {
  for (const char* text :
       {"[printer]\nport = \"ttyS1\"\n", "[printer]\nport = \"/dev/ttyS1\"\nparity = \"mark\"\n",
        "[printer]\nport = \"/dev/ttyS1\"\nflow_control = \"magic\"\n",
        "[printer]\ntransport = \"parallel\"\nport = \"/dev/lp0\"\n",
        "[printer]\ntransport = \"serial\"\n", "[printer]\n",
        "[printer]\ntransport = \"usb\"\nvid = 0x04b8\n"}) {
    auto config = testing::DeviceConfig(device_, text);
    ASSERT_FALSE(config.ok()) << text;
    EXPECT_NE(config.error().detail.find("test.toml:"), std::string::npos) << config.error().detail;
    EXPECT_NE(config.error().detail.find("[printer] "), std::string::npos) << config.error().detail;
  }
}

// The status dialogue in-process, against a scripted printer on a scripted serial line.
std::string Dle(char n) { return std::string("\x10\x04") + n; }

TEST_F(PrinterProbeTest, ScriptedPrinterWithPaperEnd) {
  tree_.Put("/dev/ttyS1", "");  // the port exists
  auto port = std::make_shared<testing::ScriptedSerialPort>([](std::string_view sent) {
    if (sent == Dle('\x01')) return std::string("\x1e");  // offline (bit 3)
    if (sent == Dle('\x02')) return std::string("\x32");  // stopped by paper end (bit 5)
    if (sent == Dle('\x03')) return std::string("\x12");
    if (sent == Dle('\x04')) return std::string("\x7e");  // near end and end
    return std::string();
  });
  testing::FakeOpeners open;
  open.serial = port->Opener();
  const ProbeRun r =
      RunProbe(device_, tree_, "[printer]\nport = \"/dev/ttyS1\"\nbaud = 19200\n", clock_, open);
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_EQ(port->settings().baud, 19200);
  EXPECT_TRUE(port->settings().exclusive);
  EXPECT_EQ(port->written(), Dle('\x01') + Dle('\x02') + Dle('\x03') + Dle('\x04'));
  EXPECT_EQ(r.Value("printer.busy"), V(false));
  EXPECT_EQ(r.Value("printer.responds"), V(true));
  EXPECT_EQ(r.Value("printer.online"), V(false));
  EXPECT_EQ(r.Value("printer.paper_end"), V(true));
  EXPECT_EQ(r.Value("printer.paper_near_end"), V(true));
}

TEST_F(PrinterProbeTest, ScriptedPortHeldExclusivelyIsBusyAndUntouched) {
  tree_.Put("/dev/ttyS1", "");
  testing::FakeOpeners open;
  open.serial = [](const std::filesystem::path&,
                   const io::SerialSettings&) -> Result<std::unique_ptr<io::SerialPort>> {
    return Error{ErrorKind::kBusy, "/dev/ttyS1: in exclusive use"};
  };
  const ProbeRun r = RunProbe(device_, tree_, "[printer]\nport = \"/dev/ttyS1\"\n", clock_, open);
  ASSERT_TRUE(r.result.ok());
  EXPECT_EQ(r.Value("printer.busy"), V(true));
  EXPECT_EQ(r.Why("printer.holder"), "/dev/ttyS1: in exclusive use");
  EXPECT_FALSE(r.Has("printer.responds"));
}

TEST_F(PrinterProbeTest, ScriptedUsbBusWithoutAPrinter) {
  testing::FakeOpeners open;
  open.list_usb = [] {
    return Result<std::vector<io::UsbDeviceInfo>>(std::vector<io::UsbDeviceInfo>{});
  };
  const ProbeRun r = RunProbe(device_, tree_, "[printer]\ntransport = \"usb\"\n", clock_, open);
  ASSERT_TRUE(r.result.ok());
  EXPECT_EQ(r.Value("printer.detected"), V(false));
  EXPECT_EQ(r.Why("printer.responds"), "no printer-class device on the USB bus");
}

}  // namespace
}  // namespace posdiag::agent::probes
