// The card reader probe's serial path against ccid_serial_sim (tests/sim), a GemPC Twin-style
// serial CCID reader on a real pseudo-terminal: framing, echo, card movement notices and the
// CcidSession over SerialCcidTransport, through io::SerialPort.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "agent/probes/card_reader/card_reader_probe.h"
#include "agent/probes/testing/probe_harness.h"

namespace posdiag::agent::probes {
namespace {

using posdiag::testing::FixtureTree;
using std::chrono::milliseconds;
using testing::AtEpoch;
using testing::FixedClock;
using testing::ProbeRun;
using V = rules::FactValue;

constexpr std::string_view kConfig =
    "[card_reader]\ntransport = \"serial\"\nport = \"/dev/ttyS2\"\n";

class ReaderSim : public testing::PtySimulator {
 public:
  ReaderSim(const FixtureTree& tree, const std::string& mode)
      : PtySimulator(POSDIAG_CCID_SERIAL_SIM, tree.At("/dev/ttyS2"), mode) {}
};

class CardReaderSerialTest : public ::testing::Test {
 protected:
  ProbeRun Run(Level level = Level::kBoot, std::string_view config = kConfig,
               milliseconds budget = milliseconds(5000)) {
    ProbeRun run;
    std::vector<std::shared_ptr<Probe>> list{std::shared_ptr<Probe>(&probe_, [](Probe*) {})};
    auto cfg = Config::Parse(config, "test.toml", ConfigSpecs(list));
    EXPECT_TRUE(cfg.ok()) << cfg.error().detail;
    if (!cfg.ok()) return run;
    const io::RootFs fs(tree_.root());
    const ProbeContext ctx{fs,
                           clock_,
                           cfg->Section("card_reader"),
                           *cfg,
                           io::Deadline::In(budget),
                           std::stop_token(),
                           level};
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
  CardReaderProbe probe_;
  FixedClock clock_{AtEpoch(1'700'000'000)};
  milliseconds took_{0};
};

TEST_F(CardReaderSerialTest, HealthyReaderWithACardAtBootLevel) {
  ReaderSim sim(tree_, "healthy");
  ASSERT_TRUE(sim.ready());
  const ProbeRun r = Run();
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_EQ(r.Value("card_reader.transport"), V(std::string("serial")));
  EXPECT_EQ(r.Value("card_reader.detected"), V(true));
  EXPECT_EQ(r.Value("card_reader.busy"), V(false));
  EXPECT_EQ(r.Value("card_reader.responds"), V(true));
  EXPECT_EQ(r.Value("card_reader.slot.icc_status"), V(std::string("inactive")));
  EXPECT_EQ(r.Value("card_reader.slot.clock_status"), V(std::string("running")));
  EXPECT_EQ(r.Value("card_reader.hw_error"), V(false));
  EXPECT_EQ(r.Why("card_reader.atr.valid"), "the card is powered at engineer level only");
}

TEST_F(CardReaderSerialTest, EngineerLevelReadsTheAtr) {
  ReaderSim sim(tree_, "healthy");
  ASSERT_TRUE(sim.ready());
  const ProbeRun r = Run(Level::kEngineer);
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_EQ(r.Value("card_reader.card_mute"), V(false));
  EXPECT_EQ(r.Value("card_reader.atr.valid"), V(true));
  EXPECT_EQ(r.Value("card_reader.atr.length"), V(std::int64_t{4}));
  EXPECT_EQ(r.Value("card_reader.atr.protocols"), V(std::string("T=0")));
  EXPECT_FALSE(r.Has("card_reader.power_off_error"));
}

TEST_F(CardReaderSerialTest, EmptySlot) {
  ReaderSim sim(tree_, "no-card");
  ASSERT_TRUE(sim.ready());
  const ProbeRun r = Run(Level::kEngineer);
  ASSERT_TRUE(r.result.ok());
  EXPECT_EQ(r.Value("card_reader.responds"), V(true));
  EXPECT_EQ(r.Value("card_reader.slot.icc_status"), V(std::string("absent")));
  EXPECT_EQ(r.Why("card_reader.card_mute"), "no card in the reader");
}

TEST_F(CardReaderSerialTest, SilentReaderIsDetectedButNotAnsweringWithinTheBudget) {
  ReaderSim sim(tree_, "silent");
  ASSERT_TRUE(sim.ready());
  const ProbeRun r = Run();
  ASSERT_TRUE(r.result.ok());
  EXPECT_EQ(r.Value("card_reader.detected"), V(true));
  EXPECT_EQ(r.Value("card_reader.responds"), V(false));
  EXPECT_NE(std::get<std::string>(r.Value("card_reader.no_answer")).find("no reply"),
            std::string::npos);
  EXPECT_LT(took_, milliseconds(5000));
}

TEST_F(CardReaderSerialTest, GarbageIsAFramingErrorNotACrash) {
  ReaderSim sim(tree_, "garbage");
  ASSERT_TRUE(sim.ready());
  const ProbeRun r = Run();
  ASSERT_TRUE(r.result.ok());
  EXPECT_EQ(r.Value("card_reader.responds"), V(false));
  EXPECT_NE(std::get<std::string>(r.Value("card_reader.no_answer")).find("instead of SYNC"),
            std::string::npos);
}

TEST_F(CardReaderSerialTest, NoDeviceAtThePortIsNotDetected) {
  const ProbeRun r = Run();
  ASSERT_TRUE(r.result.ok());
  EXPECT_EQ(r.Value("card_reader.detected"), V(false));
  EXPECT_EQ(r.Why("card_reader.responds"), "no device at /dev/ttyS2");
}

TEST_F(CardReaderSerialTest, HeldPortIsBusyAndNotAsked) {
  ReaderSim sim(tree_, "healthy");
  ASSERT_TRUE(sim.ready());
  tree_.Put("/proc/4242/comm", "pcscd\n");
  std::filesystem::create_directories(tree_.At("/proc/4242/fd"));
  std::filesystem::create_symlink(sim.device(), tree_.At("/proc/4242/fd/7"));
  const ProbeRun r = Run();
  ASSERT_TRUE(r.result.ok());
  EXPECT_EQ(r.Value("card_reader.busy"), V(true));
  EXPECT_EQ(r.Value("card_reader.holder"), V(std::string("pcscd pid 4242")));
  // Nothing went to the reader: what its session would say is not known.
  EXPECT_NE(r.Why("card_reader.slot.clock_status"), "<not missing>");
  EXPECT_FALSE(r.Has("card_reader.no_answer"));
}

TEST_F(CardReaderSerialTest, PortMustBeAnAbsolutePath) {
  const ProbeRun r = Run(Level::kBoot, "[card_reader]\ntransport = \"serial\"\n");
  EXPECT_EQ(r.support.state, Support::State::kNotConfigured);
  EXPECT_FALSE(r.measured);
}

}  // namespace
}  // namespace posdiag::agent::probes
