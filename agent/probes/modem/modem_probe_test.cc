#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "agent/probes/modem/modem_device.h"
#include "agent/probes/testing/fake_openers.h"
#include "agent/probes/testing/probe_harness.h"
#include "rules/engine/evaluator.h"
#include "rules/loader/catalog.h"

namespace posdiag::agent::probes {
namespace {

using posdiag::testing::FixtureTree;
using std::chrono::milliseconds;
using testing::AtEpoch;
using testing::FixedClock;
using testing::ProbeRun;
using testing::RunProbe;
using V = rules::FactValue;

constexpr std::string_view kConfig = "[modem]\nport = \"/dev/ttyUSB2\"\n";

// modem_sim (tests/sim/modem_sim.cc) in one mode, linked at <root>/dev/ttyUSB2.
class ModemSim : public testing::PtySimulator {
 public:
  ModemSim(const FixtureTree& tree, const std::string& mode)
      : PtySimulator(POSDIAG_MODEM_SIM, tree.At("/dev/ttyUSB2"), mode) {}
};

class ModemProbeTest : public ::testing::Test {
 protected:
  // Runs the probe against the real port with its whole deadline `budget`, as the runner would.
  ProbeRun Run(milliseconds budget = milliseconds(10000), std::string_view config = kConfig) {
    return RunProbe(device_, tree_, config, clock_, testing::RealOpeners(), {.budget = budget});
  }

  FixtureTree tree_;
  ModemDevice device_;
  FixedClock clock_{AtEpoch(1'700'000'000)};
};

TEST_F(ModemProbeTest, DeclaresItsSectionAndProbe) {
  const auto sections = device_.ConfigSections();
  ASSERT_EQ(sections.size(), 1u);
  EXPECT_EQ(sections[0].name, "modem");
  auto probe = device_.MakeProbe();
  ASSERT_NE(probe, nullptr);
  EXPECT_EQ(probe->Name(), "modem");
  EXPECT_EQ(probe->Levels(), kAllLevels);
  EXPECT_TRUE(probe->NeedsConfigSection());
  EXPECT_TRUE(device_.Routines().empty());
}

TEST_F(ModemProbeTest, DefaultsAreTheSchemas) {
  auto config = testing::DeviceConfig(device_, "[modem]\n");
  ASSERT_TRUE(config.ok()) << config.error().detail;
  EXPECT_EQ(config->Section("modem").GetString("port"), "/dev/ttyUSB2");
  EXPECT_EQ(config->Section("modem").GetInt("baud"), 115200);
  EXPECT_EQ(config->Section("modem").GetInt("timeout_ms"), 10000);
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

// Modems that start with AT+CMEE=0 and send their start-up URCs between the first replies.
TEST_F(ModemProbeTest, ErrorCodesOffAtStart) {
  {
    ModemSim sim(tree_, "cmee-off-no-sim");
    ASSERT_TRUE(sim.ready());
    const ProbeRun r = Run();
    EXPECT_EQ(r.Value("modem.numeric_errors"), V(true));
    EXPECT_EQ(r.Value("modem.sim.status"), V(std::string("not inserted")));
    EXPECT_EQ(r.Value("modem.cme_error_code"), V(std::int64_t{10}));
    EXPECT_EQ(r.Value("modem.identity"), V(std::string("Quectel EC25 Revision: EC25EFAR06A06M4G")));
    EXPECT_EQ(r.Value("modem.reg.registered"), V(false));
  }
  {
    ModemSim sim(tree_, "cmee-refused-no-sim");
    ASSERT_TRUE(sim.ready());
    const ProbeRun r = Run();
    EXPECT_EQ(r.Value("modem.numeric_errors"), V(false));
    EXPECT_EQ(r.Value("modem.sim.state_known"), V(false));
    EXPECT_NE(r.Why("modem.sim.status").find("answered ERROR"), std::string::npos)
        << r.Why("modem.sim.status");
    EXPECT_EQ(r.Value("modem.reg.registered"), V(false));
  }
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
  EXPECT_LT(r.took, milliseconds(1000));
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
  EXPECT_LT(r.took, milliseconds(1000));
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

// Wrong values never reach the probe: the schema refuses them, with where and why.
TEST_F(ModemProbeTest, WrongValuesAreConfigErrors) {
  for (const char* text :
       {"[modem]\nport = \"ttyUSB2\"\n", "[modem]\nport = \"\"\n", "[modem]\nport = 2\n",
        "[modem]\nbaud = 100\n", "[modem]\nbaud = 5000000\n", "[modem]\nbaud = \"fast\"\n",
        "[modem]\nspeed = 9600\n"}) {
    auto config = testing::DeviceConfig(device_, text);
    ASSERT_FALSE(config.ok()) << text;
    EXPECT_NE(config.error().detail.find("test.toml:"), std::string::npos) << config.error().detail;
    EXPECT_NE(config.error().detail.find("[modem] "), std::string::npos) << config.error().detail;
  }
}

// In-process: the AT dialogue against a modem played by a script on a scripted serial line.

// Replies as 27.007 frames them: each line between CR LF pairs.
std::string Lines(std::initializer_list<std::string_view> lines) {
  std::string out;
  for (auto l : lines) out += "\r\n" + std::string(l) + "\r\n";
  return out;
}

// A modem with echo on (as modems start) that answers each command from `replies`, and ERROR to
// any other.
testing::ScriptedSerialPort::Device AtModem(
    std::map<std::string, std::string, std::less<>> replies) {
  return [replies = std::move(replies)](std::string_view sent) -> std::string {
    if (!sent.ends_with('\r')) return {};
    const std::string_view command = sent.substr(0, sent.size() - 1);
    const auto it = replies.find(command);
    return std::string(sent) + (it != replies.end() ? it->second : Lines({"ERROR"}));
  };
}

std::map<std::string, std::string, std::less<>> HealthyReplies() {
  return {
      {"AT", Lines({"OK"})},
      {"ATE0", Lines({"OK"})},
      {"AT+CMEE=1", Lines({"OK"})},
      {"ATI", Lines({"Quectel", "EC25", "Revision: EC25EFAR06A06M4G", "OK"})},
      {"AT+CPIN?", Lines({"+CPIN: READY", "OK"})},
      {"AT+CSQ", Lines({"+CSQ: 20,99", "OK"})},
      {"AT+CREG?", Lines({"+CREG: 0,1", "OK"})},
      {"AT+CEREG?", Lines({"+CEREG: 0,1", "OK"})},
      {"AT+COPS?", Lines({"+COPS: 0,0,\"CHINA MOBILE\",7", "OK"})},
  };
}

class ScriptedModemTest : public ModemProbeTest {
 protected:
  ScriptedModemTest() { tree_.Put("/dev/ttyUSB2", ""); }  // the port exists

  ProbeRun RunScripted(testing::ScriptedSerialPort::Device modem,
                       milliseconds budget = milliseconds(10000),
                       std::string_view config = kConfig) {
    port_ = std::make_shared<testing::ScriptedSerialPort>(std::move(modem));
    open_.serial = port_->Opener();
    return RunProbe(device_, tree_, config, clock_, open_, {.budget = budget});
  }

  testing::FakeOpeners open_;
  std::shared_ptr<testing::ScriptedSerialPort> port_;
};

TEST_F(ScriptedModemTest, Healthy) {
  const ProbeRun r = RunScripted(AtModem(HealthyReplies()), milliseconds(10000),
                                 "[modem]\nport = \"/dev/ttyUSB2\"\nbaud = 9600\n");
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_EQ(port_->opens(), 1);
  EXPECT_EQ(port_->settings().baud, 9600);
  EXPECT_TRUE(port_->settings().exclusive);
  // Echo off and numeric errors, as ModemManager sets them, then read-only queries in its order.
  EXPECT_EQ(port_->written(),
            "AT\rATE0\rAT+CMEE=1\rATI\rAT+CPIN?\rAT+CSQ\rAT+CREG?\rAT+CEREG?\rAT+COPS?\r");
  EXPECT_EQ(r.Value("modem.numeric_errors"), V(true));
  EXPECT_EQ(r.Value("modem.sim.state_known"), V(true));
  EXPECT_EQ(r.Value("modem.port.present"), V(true));
  EXPECT_EQ(r.Value("modem.port.busy"), V(false));
  EXPECT_EQ(r.Value("modem.responds"), V(true));
  EXPECT_EQ(r.Value("modem.identity"), V(std::string("Quectel EC25 Revision: EC25EFAR06A06M4G")));
  EXPECT_EQ(r.Value("modem.sim.ready"), V(true));
  EXPECT_EQ(r.Value("modem.signal.dbm"), V(std::int64_t{-73}));
  EXPECT_EQ(r.Value("modem.reg.state"), V(std::string("home")));
  EXPECT_EQ(r.Value("modem.reg.source"), V(std::string("CEREG")));
  EXPECT_EQ(r.Value("modem.operator"), V(std::string("CHINA MOBILE")));
  EXPECT_EQ(r.Value("modem.access_tech"), V(std::string("LTE")));
  EXPECT_FALSE(r.Has("modem.cme_error"));
}

TEST_F(ScriptedModemTest, NoSimAnswersCmeError10) {
  auto replies = HealthyReplies();
  replies["AT+CPIN?"] = Lines({"+CME ERROR: 10"});
  replies["AT+CSQ"] = Lines({"+CSQ: 99,99", "OK"});
  replies["AT+CREG?"] = Lines({"+CREG: 0,0", "OK"});
  replies["AT+CEREG?"] = Lines({"+CEREG: 0,0", "OK"});
  replies["AT+COPS?"] = Lines({"+COPS: 0", "OK"});
  const ProbeRun r = RunScripted(AtModem(std::move(replies)));
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_EQ(r.Value("modem.responds"), V(true));
  EXPECT_EQ(r.Value("modem.sim.status"), V(std::string("not inserted")));
  EXPECT_EQ(r.Value("modem.sim.ready"), V(false));
  EXPECT_EQ(r.Value("modem.cme_error_code"), V(std::int64_t{10}));
  EXPECT_EQ(r.Value("modem.cme_error"), V(std::string("10: SIM not inserted")));
  EXPECT_EQ(r.Value("modem.signal.rssi"), V(std::int64_t{99}));
  EXPECT_NE(r.Why("modem.signal.dbm").find("rssi 99"), std::string::npos);
  EXPECT_EQ(r.Value("modem.reg.registered"), V(false));
  EXPECT_EQ(r.Value("modem.reg.state"), V(std::string("not_registered")));
  EXPECT_NE(r.Why("modem.operator").find("no operator"), std::string::npos)
      << r.Why("modem.operator");
}

// A modem without a SIM, which as many do starts with AT+CMEE=0: a bare ERROR to AT+CPIN? until
// AT+CMEE=1 is accepted, then +CME ERROR: 10. `accepts_cmee` false: one that refuses AT+CMEE=1.
testing::ScriptedSerialPort::Device CmeeOffNoSim(bool accepts_cmee) {
  auto replies = HealthyReplies();
  replies["AT+CSQ"] = Lines({"+CSQ: 99,99", "OK"});
  replies["AT+CREG?"] = Lines({"+CREG: 0,0", "OK"});
  replies["AT+CEREG?"] = Lines({"+CEREG: 0,0", "OK"});
  replies["AT+COPS?"] = Lines({"+COPS: 0", "OK"});
  auto cmee = std::make_shared<int>(0);
  return [replies, cmee, accepts_cmee](std::string_view sent) -> std::string {
    if (!sent.ends_with('\r')) return {};
    const std::string_view command = sent.substr(0, sent.size() - 1);
    std::string reply;
    if (command == "AT+CMEE=1") {
      if (accepts_cmee) *cmee = 1;
      reply = Lines({accepts_cmee ? "OK" : "ERROR"});
    } else if (command == "AT+CPIN?") {
      reply = Lines({*cmee == 1 ? "+CME ERROR: 10" : "ERROR"});
    } else {
      const auto it = replies.find(command);
      reply = it != replies.end() ? it->second : Lines({"ERROR"});
    }
    return std::string(sent) + reply;
  };
}

// The rules of the built-in catalogue that fire on a run's facts, and those they hide.
std::vector<std::string> Fired(const ProbeRun& run) {
  const auto evaluation = rules::Evaluate(rules::BuiltinCatalog().rules, run.facts);
  std::vector<std::string> ids;
  for (const auto& f : evaluation.findings) ids.push_back(f.rule);
  return ids;
}
std::vector<std::string> Hidden(const ProbeRun& run) {
  const auto evaluation = rules::Evaluate(rules::BuiltinCatalog().rules, run.facts);
  std::vector<std::string> ids;
  for (const auto& f : evaluation.suppressed) ids.push_back(f.rule);
  return ids;
}

TEST_F(ScriptedModemTest, NumericErrorsTurnABareErrorIntoNoSim) {
  const ProbeRun r = RunScripted(CmeeOffNoSim(true));
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_NE(port_->written().find("AT+CMEE=1\rATI\rAT+CPIN?\r"), std::string::npos)
      << port_->written();
  EXPECT_EQ(r.Value("modem.numeric_errors"), V(true));
  EXPECT_EQ(r.Value("modem.sim.status"), V(std::string("not inserted")));
  EXPECT_EQ(r.Value("modem.sim.state_known"), V(true));
  EXPECT_EQ(r.Value("modem.cme_error_code"), V(std::int64_t{10}));
  EXPECT_EQ(r.Value("modem.reg.registered"), V(false));
  // The SIM is the finding; the operator is not blamed.
  EXPECT_EQ(Fired(r), std::vector<std::string>{"modem.no_sim"});
  const auto hidden = Hidden(r);
  EXPECT_NE(std::ranges::find(hidden, "modem.not_registered"), hidden.end());
}

TEST_F(ScriptedModemTest, RefusedNumericErrorsLeaveTheSimStateUnknown) {
  const ProbeRun r = RunScripted(CmeeOffNoSim(false));
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  // Refused, and asked all the same.
  EXPECT_EQ(port_->written(),
            "AT\rATE0\rAT+CMEE=1\rATI\rAT+CPIN?\rAT+CSQ\rAT+CREG?\rAT+CEREG?\rAT+COPS?\r");
  EXPECT_EQ(r.Value("modem.responds"), V(true));
  EXPECT_EQ(r.Value("modem.numeric_errors"), V(false));
  EXPECT_EQ(r.Value("modem.sim.state_known"), V(false));
  EXPECT_NE(r.Why("modem.sim.status").find("answered ERROR"), std::string::npos)
      << r.Why("modem.sim.status");
  EXPECT_NE(r.Why("modem.sim.status").find("AT+CMEE=1 was not accepted"), std::string::npos)
      << r.Why("modem.sim.status");
  EXPECT_NE(r.Why("modem.sim.ready"), "<not missing>");
  EXPECT_FALSE(r.Has("modem.cme_error"));
  EXPECT_EQ(r.Value("modem.identity"), V(std::string("Quectel EC25 Revision: EC25EFAR06A06M4G")));
  EXPECT_EQ(r.Value("modem.reg.registered"), V(false));
  EXPECT_EQ(r.Value("modem.reg.state"), V(std::string("not_registered")));
  // "SIM state unknown" with the engineer's next step, never "call the operator".
  EXPECT_EQ(Fired(r), std::vector<std::string>{"modem.sim_unknown"});
  const auto hidden = Hidden(r);
  EXPECT_NE(std::ranges::find(hidden, "modem.not_registered"), hidden.end());
}

TEST_F(ScriptedModemTest, NeverAnsweringFinishesWithinItsBudget) {
  const ProbeRun r =
      RunScripted([](std::string_view) { return std::string(); }, milliseconds(1000));
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_LT(r.took, milliseconds(1000));
  EXPECT_EQ(r.Value("modem.responds"), V(false));
  EXPECT_EQ(r.Value("modem.garbled"), V(false));
  EXPECT_EQ(port_->written().substr(0, 3), "AT\r");  // asked, and nothing beyond AT
  EXPECT_EQ(port_->written().find("ATI"), std::string::npos);
  EXPECT_NE(r.Why("modem.sim.status").find("does not answer"), std::string::npos)
      << r.Why("modem.sim.status");
}

TEST_F(ScriptedModemTest, HeldExclusivelyIsBusyAndUntouched) {
  open_.serial = [](const std::filesystem::path&,
                    const io::SerialSettings&) -> Result<std::unique_ptr<io::SerialPort>> {
    return Error{ErrorKind::kBusy, "/dev/ttyUSB2: in exclusive use"};
  };
  const ProbeRun r = RunProbe(device_, tree_, kConfig, clock_, open_);
  ASSERT_TRUE(r.result.ok());
  EXPECT_EQ(r.Value("modem.port.present"), V(true));
  EXPECT_EQ(r.Value("modem.port.busy"), V(true));
  EXPECT_EQ(r.Why("modem.port.holder"), "/dev/ttyUSB2: in exclusive use");
  EXPECT_FALSE(r.Has("modem.responds"));
}

// The modem resets while AT+CSQ is outstanding (modem_sim). A USB modem leaves the bus: its port
// hangs up, and the device that comes back is a new one. What was measured before stands, the
// field that was cut and the ones after it are not measured (each says why), and the finding is
// the dropout, not a guess about the SIM or the network.
TEST_F(ModemProbeTest, AUsbModemResetInTheMiddleOfACommandIsAConnectionLost) {
  ModemSim sim(tree_, "reset-usb");
  ASSERT_TRUE(sim.ready());
  const ProbeRun r = Run();
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_EQ(r.Value("modem.responds"), V(true));
  EXPECT_EQ(r.Value("modem.connection_lost"), V(true));
  EXPECT_EQ(r.Value("modem.restarted"), V(false));
  EXPECT_EQ(r.Value("modem.sim.status"), V(std::string("READY")));
  EXPECT_FALSE(r.Has("modem.signal.dbm"));
  // "the other end closed" or "device error", as the hang-up reaches poll(2)
  EXPECT_EQ(r.Why("modem.signal.dbm").rfind("AT+CSQ: read: ", 0), 0u) << r.Why("modem.signal.dbm");
  EXPECT_FALSE(r.Has("modem.reg.registered"));
  EXPECT_NE(r.Why("modem.reg.registered")
                .find("not asked: the connection to the modem was lost during AT+CSQ"),
            std::string::npos)
      << r.Why("modem.reg.registered");
  EXPECT_FALSE(r.Has("modem.operator"));
  EXPECT_EQ(Fired(r), std::vector<std::string>{"modem.connection_lost"});
}

// A modem on a UART stays on its line: noise while it resets, then RDY instead of the answer.
TEST_F(ModemProbeTest, AUartModemResetInTheMiddleOfACommandIsARestart) {
  ModemSim sim(tree_, "reset-uart");
  ASSERT_TRUE(sim.ready());
  const ProbeRun r = Run();
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_EQ(r.Value("modem.responds"), V(true));
  EXPECT_EQ(r.Value("modem.restarted"), V(true));
  EXPECT_EQ(r.Value("modem.connection_lost"), V(false));
  EXPECT_EQ(r.Value("modem.identity"), V(std::string("Quectel EC25 Revision: EC25EFAR06A06M4G")));
  EXPECT_FALSE(r.Has("modem.signal.rssi"));
  EXPECT_NE(r.Why("modem.signal.rssi").find("the modem restarted"), std::string::npos)
      << r.Why("modem.signal.rssi");
  EXPECT_NE(r.Why("modem.reg.state").find("not asked: the modem restarted during AT+CSQ"),
            std::string::npos)
      << r.Why("modem.reg.state");
  EXPECT_EQ(Fired(r), std::vector<std::string>{"modem.restarted"});
}

}  // namespace
}  // namespace posdiag::agent::probes
