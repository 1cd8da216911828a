#include "agent/probes/modem/modem_probe.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "agent/probes/testing/probe_harness.h"

namespace posdiag::agent::probes {
namespace {

using posdiag::testing::FixtureTree;
using std::chrono::milliseconds;
using testing::AtEpoch;
using testing::FixedClock;
using testing::ProbeRun;
using V = rules::FactValue;

// modem_sim (tests/sim/modem_sim.cc) in one mode, linked at <root>/dev/ttyUSB2.
class ModemSim : public testing::PtySimulator {
 public:
  ModemSim(const FixtureTree& tree, const std::string& mode)
      : PtySimulator(POSDIAG_MODEM_SIM, tree.At("/dev/ttyUSB2"), mode) {}
};

class ModemProbeTest : public ::testing::Test {
 protected:
  // Runs the probe with its whole deadline `budget`, as the runner would give it.
  ProbeRun Run(milliseconds budget = milliseconds(10000),
               std::string_view config = "[modem]\nport = \"/dev/ttyUSB2\"\n") {
    ProbeRun run;
    std::vector<std::shared_ptr<Probe>> list{std::shared_ptr<Probe>(&probe_, [](Probe*) {})};
    auto cfg = Config::Parse(config, "test.toml", ConfigSpecs(list));
    EXPECT_TRUE(cfg.ok()) << cfg.error().detail;
    if (!cfg.ok()) return run;
    const io::RootFs fs(tree_.root());
    const ProbeContext ctx{
        fs, clock_, cfg->Section("modem"), *cfg, io::Deadline::In(budget), std::stop_token()};
    run.support = probe_.CheckSupport(ctx);
    if (run.support.state != Support::State::kSupported) return run;
    FactWriter writer;
    const auto start = std::chrono::steady_clock::now();
    run.result = probe_.Measure(ctx, writer);
    took_ = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start);
    run.measured = true;
    for (auto& f : writer.facts()) {
      const std::string name = f.name;
      if (!run.facts.Add(std::move(f))) run.invalid_names.push_back(name);
    }
    for (auto& m : writer.missing()) {
      if (!rules::IsValidFactName(m.name)) run.invalid_names.push_back(m.name);
      run.facts.AddMissing(std::move(m));
    }
    EXPECT_TRUE(run.invalid_names.empty()) << run.invalid_names.front();
    return run;
  }

  FixtureTree tree_;
  ModemProbe probe_;
  FixedClock clock_{AtEpoch(1'700'000'000)};
  milliseconds took_{0};
};

TEST_F(ModemProbeTest, DeclaresItsSection) {
  const auto sections = probe_.ConfigSections();
  ASSERT_EQ(sections.size(), 1u);
  EXPECT_EQ(sections[0].name, "modem");
  EXPECT_EQ(probe_.Levels(), kAllLevels);
  EXPECT_TRUE(probe_.NeedsConfigSection());
}

TEST_F(ModemProbeTest, HealthyModem) {
  ModemSim sim(tree_, "healthy");
  ASSERT_TRUE(sim.ready());
  const ProbeRun r = Run();
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_EQ(r.Value("modem.port.present"), V(true));
  EXPECT_EQ(r.Value("modem.port.busy"), V(false));
  EXPECT_EQ(r.Value("modem.responds"), V(true));
  EXPECT_EQ(r.Value("modem.garbled"), V(false));
  EXPECT_EQ(r.Value("modem.identity"), V(std::string("Quectel EC25 Revision: EC25EFAR06A06M4G")));
  EXPECT_EQ(r.Value("modem.sim.status"), V(std::string("READY")));
  EXPECT_EQ(r.Value("modem.sim.ready"), V(true));
  EXPECT_EQ(r.Value("modem.signal.rssi"), V(std::int64_t{20}));
  EXPECT_EQ(r.Value("modem.signal.dbm"), V(std::int64_t{-73}));
  EXPECT_EQ(r.Unit("modem.signal.dbm"), "dBm");
  EXPECT_NE(r.Why("modem.signal.ber"), "<not missing>");
  EXPECT_EQ(r.Value("modem.reg.stat"), V(std::int64_t{1}));
  EXPECT_EQ(r.Value("modem.reg.state"), V(std::string("home")));
  EXPECT_EQ(r.Value("modem.reg.registered"), V(true));
  EXPECT_EQ(r.Value("modem.reg.source"), V(std::string("CEREG")));
  EXPECT_EQ(r.Value("modem.operator"), V(std::string("CHINA MOBILE")));
  EXPECT_EQ(r.Value("modem.access_tech"), V(std::string("LTE")));
  EXPECT_FALSE(r.Has("modem.cme_error"));
}

TEST_F(ModemProbeTest, NoSim) {
  ModemSim sim(tree_, "no-sim");
  ASSERT_TRUE(sim.ready());
  const ProbeRun r = Run();
  EXPECT_EQ(r.Value("modem.sim.status"), V(std::string("not inserted")));
  EXPECT_EQ(r.Value("modem.sim.ready"), V(false));
  EXPECT_EQ(r.Value("modem.cme_error_code"), V(std::int64_t{10}));
  EXPECT_EQ(r.Value("modem.cme_error"), V(std::string("10: SIM not inserted")));
  EXPECT_EQ(r.Value("modem.signal.rssi"), V(std::int64_t{99}));
  EXPECT_NE(r.Why("modem.signal.dbm").find("rssi 99"), std::string::npos);
  EXPECT_EQ(r.Value("modem.reg.state"), V(std::string("not_registered")));
  EXPECT_NE(r.Why("modem.operator"), "<not missing>");
}

TEST_F(ModemProbeTest, SimPinDeniedWeakSignal) {
  {
    ModemSim sim(tree_, "sim-pin");
    ASSERT_TRUE(sim.ready());
    EXPECT_EQ(Run().Value("modem.sim.status"), V(std::string("SIM PIN")));
  }
  {
    ModemSim sim(tree_, "denied");
    ASSERT_TRUE(sim.ready());
    const ProbeRun r = Run();
    EXPECT_EQ(r.Value("modem.reg.state"), V(std::string("denied")));
    EXPECT_EQ(r.Value("modem.reg.registered"), V(false));
  }
  {
    ModemSim sim(tree_, "weak-signal");
    ASSERT_TRUE(sim.ready());
    const ProbeRun r = Run();
    EXPECT_EQ(r.Value("modem.signal.dbm"), V(std::int64_t{-107}));
    EXPECT_EQ(r.Value("modem.signal.ber"), V(std::int64_t{5}));
  }
}

TEST_F(ModemProbeTest, SilentModemIsNotRespondingWithinTheDeadline) {
  ModemSim sim(tree_, "silent");
  ASSERT_TRUE(sim.ready());
  const ProbeRun r = Run(milliseconds(1000));
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_LT(took_, milliseconds(1000));
  EXPECT_EQ(r.Value("modem.responds"), V(false));
  EXPECT_EQ(r.Value("modem.garbled"), V(false));
  EXPECT_NE(r.Why("modem.sim.status").find("does not answer"), std::string::npos)
      << r.Why("modem.sim.status");
}

TEST_F(ModemProbeTest, GarbageIsGarbledWithinTheDeadline) {
  ModemSim sim(tree_, "garbage");
  ASSERT_TRUE(sim.ready());
  const ProbeRun r = Run(milliseconds(1000));
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_LT(took_, milliseconds(1000));
  EXPECT_EQ(r.Value("modem.responds"), V(false));
  EXPECT_EQ(r.Value("modem.garbled"), V(true));
  EXPECT_NE(r.Why("modem.identity").find("not an AT reply"), std::string::npos)
      << r.Why("modem.identity");
}

TEST_F(ModemProbeTest, NoDeviceAtThePort) {
  const ProbeRun r = Run();
  ASSERT_TRUE(r.result.ok());
  EXPECT_EQ(r.Value("modem.port.present"), V(false));
  EXPECT_EQ(r.Value("modem.port.path"), V(std::string("/dev/ttyUSB2")));
  EXPECT_EQ(r.Why("modem.responds"), "no device at /dev/ttyUSB2");
}

TEST_F(ModemProbeTest, BusyPortIsLeftAlone) {
  ModemSim sim(tree_, "healthy");
  ASSERT_TRUE(sim.ready());
  tree_.Put("/proc/4242/comm", "payapp\n");
  std::filesystem::create_directories(tree_.At("/proc/4242/fd"));
  std::filesystem::create_symlink(sim.device(), tree_.At("/proc/4242/fd/7"));
  const ProbeRun r = Run();
  ASSERT_TRUE(r.result.ok());
  EXPECT_EQ(r.Value("modem.port.busy"), V(true));
  EXPECT_EQ(r.Value("modem.port.holder"), V(std::string("payapp pid 4242")));
  EXPECT_FALSE(r.Has("modem.responds"));
  EXPECT_NE(r.Why("modem.responds").find("sends nothing"), std::string::npos);
}

TEST_F(ModemProbeTest, RelativePortIsNotConfigured) {
  const ProbeRun r = Run(milliseconds(1000), "[modem]\nport = \"ttyUSB2\"\n");
  EXPECT_EQ(r.support.state, Support::State::kNotConfigured);
  EXPECT_FALSE(r.measured);
}

}  // namespace
}  // namespace posdiag::agent::probes
