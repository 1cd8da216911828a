// The card reader probe's serial path: in-process against a scripted GemPC Twin-style reader on a
// scripted line (framing, echo, NAK, card movement notices, the busy path through PC/SC), and
// against ccid_serial_sim (tests/sim), the same kind of reader on a real pseudo-terminal.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "agent/probes/card_reader/card_reader_device.h"
#include "agent/probes/testing/fake_openers.h"
#include "agent/probes/testing/probe_harness.h"
#include "drivers/card_reader/ccid.h"
#include "drivers/card_reader/ccid_serial.h"

namespace posdiag::agent::probes {
namespace {

namespace cr = drivers::card_reader;
using posdiag::testing::FixtureTree;
using std::chrono::milliseconds;
using testing::AtEpoch;
using testing::FakeOpeners;
using testing::FixedClock;
using testing::ProbeRun;
using testing::RunProbe;
using testing::ScriptedSerialPort;
using Bytes = std::vector<std::uint8_t>;
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
    ProbeRun run = RunProbe(device_, tree_, config, clock_, testing::RealOpeners(),
                            {.level = level, .budget = budget});
    took_ = run.took;
    return run;
  }

  FixtureTree tree_;
  CardReaderDevice device_;
  FixedClock clock_{AtEpoch(1'700'000'000)};
  milliseconds took_{0};
};

TEST_F(CardReaderSerialTest, HealthyReaderWithACardAtBootLevel) {
  ReaderSim sim(tree_, "healthy");
  ASSERT_TRUE(sim.ready());
  const ProbeRun r = Run();
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_EQ(r.Value("card_reader.transport"), V(std::string("serial")));
  EXPECT_EQ(r.Value("card_reader.port"), V(std::string("/dev/ttyS2")));
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
  EXPECT_EQ(r.Unit("card_reader.atr.length"), "bytes");
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
  EXPECT_EQ(r.Why("card_reader.max_slot_index"), "a serial reader has no CCID class descriptor");
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

// A GemPC Twin-style reader on a scripted line, as ccid_serial_sim plays it on a pty: each
// command frame echoed, then the reply framed; a card movement notice before the first reply.
// Commands are decoded with the driver's own framing, replies built with it.
struct ScriptedReader {
  bool card = true;
  Bytes atr = {0x3B, 0x02, 0x14, 0x50};  // T=0, two historical bytes, no TCK
  std::uint8_t slot_error = 0;           // bError of a failed GetSlotStatus; 0: it succeeds
  bool mute = false;                     // IccPowerOn gets ICC_MUTE
  int naks = 0;                          // frames refused (NAK) before the first is taken

  bool powered = false;
  bool notified = false;
  std::vector<std::uint8_t> commands;  // bMessageType of each command taken

  static Bytes Reply(std::uint8_t type, const Bytes& command, std::uint8_t status,
                     std::uint8_t error, const Bytes& data = {}) {
    Bytes m(cr::kHeaderSize + data.size(), 0);
    m[0] = type;
    m[1] = static_cast<std::uint8_t>(data.size());
    m[5] = command[5];  // slot
    m[6] = command[6];  // sequence
    m[7] = status;
    m[8] = error;
    std::copy(data.begin(), data.end(), m.begin() + cr::kHeaderSize);
    return m;
  }

  Bytes Answer(const Bytes& command) {
    const std::uint8_t icc = !card ? 2 : (powered ? 0 : 1);
    switch (command[0]) {
      case cr::kGetSlotStatus:
        if (slot_error != 0) return Reply(cr::kSlotStatus, command, 0x40 | icc, slot_error);
        return Reply(cr::kSlotStatus, command, icc, 0);
      case cr::kIccPowerOn:
        if (!card || mute) return Reply(cr::kDataBlock, command, 0x40 | icc, cr::kErrIccMute);
        powered = true;
        return Reply(cr::kDataBlock, command, 0, 0, atr);
      case cr::kIccPowerOff:
        powered = false;
        return Reply(cr::kSlotStatus, command, card ? 1 : 2, 0);
      default:
        return Reply(cr::kSlotStatus, command, 0x40 | icc, 0);
    }
  }

  std::string operator()(std::string_view sent) {
    const Bytes bytes(sent.begin(), sent.end());
    auto frame = cr::DecodeWholeSerialFrame(bytes, cr::kSerialMaxMessage);
    if (!frame) return {};  // not a whole frame yet
    if (naks > 0) {
      --naks;
      return std::string("\x03\x15\x16", 3);
    }
    commands.push_back(frame->message[0]);
    std::string out(sent);  // the echo
    if (card && !notified) {
      out += std::string("\x50\x03", 2);
      notified = true;
    }
    const Bytes reply = cr::EncodeSerialFrame(Answer(frame->message));
    out.append(reply.begin(), reply.end());
    return out;
  }
};

class ScriptedReaderTest : public CardReaderSerialTest {
 protected:
  void SetUp() override { tree_.Put("/dev/ttyS2", ""); }  // the port exists

  ProbeRun RunScripted(Level level = Level::kBoot, std::string_view config = kConfig) {
    port_ = std::make_shared<ScriptedSerialPort>(
        [this](std::string_view sent) { return reader_(sent); });
    open_.serial = port_->Opener();
    return RunProbe(device_, tree_, config, clock_, open_,
                    {.level = level, .budget = milliseconds(5000)});
  }

  ScriptedReader reader_;
  std::shared_ptr<ScriptedSerialPort> port_;
  FakeOpeners open_;
};

TEST_F(ScriptedReaderTest, ACardIsPoweredAtEngineerLevelAndLeftUnpowered) {
  const ProbeRun r = RunScripted(Level::kEngineer);
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_EQ(port_->opens(), 1);
  EXPECT_EQ(port_->settings().baud, 115200);
  EXPECT_TRUE(port_->settings().exclusive);
  EXPECT_EQ(reader_.commands, (Bytes{cr::kGetSlotStatus, cr::kIccPowerOn, cr::kIccPowerOff}));
  EXPECT_FALSE(reader_.powered);
  EXPECT_EQ(r.Value("card_reader.busy"), V(false));
  EXPECT_EQ(r.Value("card_reader.responds"), V(true));
  EXPECT_EQ(r.Value("card_reader.slot.icc_status"), V(std::string("inactive")));
  EXPECT_EQ(r.Value("card_reader.card_mute"), V(false));
  EXPECT_EQ(r.Value("card_reader.atr.valid"), V(true));
  EXPECT_EQ(r.Value("card_reader.atr.protocols"), V(std::string("T=0")));
  EXPECT_EQ(r.Value("card_reader.hw_error"), V(false));
  EXPECT_EQ(r.Why("card_reader.error"), "the reader reported no error");
  EXPECT_FALSE(r.Has("card_reader.power_off_error"));
}

TEST_F(ScriptedReaderTest, BootLevelOnlyAsksTheSlotAtTheConfiguredBaud) {
  const ProbeRun r = RunScripted(
      Level::kBoot, "[card_reader]\ntransport = \"serial\"\nport = \"/dev/ttyS2\"\nbaud = 9600\n");
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_EQ(port_->settings().baud, 9600);
  EXPECT_EQ(reader_.commands, Bytes{cr::kGetSlotStatus});
  EXPECT_EQ(r.Why("card_reader.card_mute"), "the card is powered at engineer level only");
}

TEST_F(ScriptedReaderTest, ANakedFrameIsSentAgain) {
  reader_.naks = 1;
  const ProbeRun r = RunScripted();
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_EQ(r.Value("card_reader.responds"), V(true));
  const Bytes frame = cr::EncodeSerialFrame(cr::EncodeCommand(cr::kGetSlotStatus, 0, 0));
  const std::string once(frame.begin(), frame.end());
  EXPECT_EQ(port_->written(), once + once);
}

TEST_F(ScriptedReaderTest, AHardwareErrorIsSaidAndTheCardLeftAlone) {
  reader_.slot_error = cr::kErrHwError;
  const ProbeRun r = RunScripted(Level::kEngineer);
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_EQ(reader_.commands, Bytes{cr::kGetSlotStatus});
  EXPECT_EQ(r.Value("card_reader.hw_error"), V(true));
  EXPECT_EQ(r.Value("card_reader.error"), V(std::string("HW_ERROR")));
  EXPECT_EQ(r.Why("card_reader.atr.valid"), "the slot reports an error");
}

TEST_F(ScriptedReaderTest, AMuteCard) {
  reader_.mute = true;
  const ProbeRun r = RunScripted(Level::kEngineer);
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_EQ(r.Value("card_reader.card_mute"), V(true));
  EXPECT_EQ(r.Why("card_reader.atr.valid"), "the card does not answer (ICC_MUTE)");
  EXPECT_EQ(r.Value("card_reader.hw_error"), V(false));
}

TEST_F(ScriptedReaderTest, AMalformedAtrIsAVerdictWithItsProblem) {
  reader_.atr = {0x3B, 0x05, 0x14};  // five historical bytes announced, one sent
  const ProbeRun r = RunScripted(Level::kEngineer);
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_EQ(r.Value("card_reader.atr.valid"), V(false));
  EXPECT_TRUE(r.Has("card_reader.atr.problem"));
  EXPECT_EQ(r.Value("card_reader.atr.length"), V(std::int64_t{3}));
}

// pcscd's serial driver holds the port with no lock and no TIOCEXCL, as another user: nothing
// on the port says so. pcscd is asked first; knowing a reader, the port is its.
TEST_F(ScriptedReaderTest, WhenPcscdKnowsAReaderThePortIsNeverOpened) {
  open_.pcsc = [](io::Deadline) -> Result<std::vector<cr::PcscReaderState>> {
    cr::PcscReaderState reader;
    reader.name = "Gemalto GemPC Twin 00 00";
    return std::vector<cr::PcscReaderState>{reader};
  };
  const ProbeRun r = RunScripted(Level::kEngineer);
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_EQ(port_->opens(), 0);
  EXPECT_EQ(port_->written(), "");
  EXPECT_EQ(r.Value("card_reader.busy"), V(true));
  EXPECT_EQ(r.Value("card_reader.holder"), V(std::string("pcscd")));
  EXPECT_EQ(r.Value("card_reader.slot.icc_status"), V(std::string("absent")));
}

// The port someone holds is theirs: nothing is opened, the slot is asked of pcscd.
TEST_F(ScriptedReaderTest, AHeldPortIsReadThroughPcsc) {
  tree_.Put("/proc/4242/comm", "pcscd\n");
  std::filesystem::create_directories(tree_.At("/proc/4242/fd"));
  std::filesystem::create_symlink(std::filesystem::canonical(tree_.At("/dev/ttyS2")),
                                  tree_.At("/proc/4242/fd/7"));
  int asked = 0;
  open_.pcsc = [&asked](io::Deadline) -> Result<std::vector<cr::PcscReaderState>> {
    ++asked;
    cr::PcscReaderState reader;
    reader.name = "Gemalto GemPC Twin 00 00";
    reader.present = true;
    reader.in_use = true;
    return std::vector<cr::PcscReaderState>{reader};
  };
  const ProbeRun r = RunScripted(Level::kEngineer);
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_EQ(port_->opens(), 0);
  EXPECT_EQ(asked, 1);
  EXPECT_EQ(r.Value("card_reader.busy"), V(true));
  EXPECT_EQ(r.Value("card_reader.holder"), V(std::string("pcscd pid 4242")));
  EXPECT_EQ(r.Value("card_reader.pcsc_name"), V(std::string("Gemalto GemPC Twin 00 00")));
  EXPECT_EQ(r.Value("card_reader.responds"), V(true));
  EXPECT_EQ(r.Value("card_reader.slot.icc_status"), V(std::string("active")));
  EXPECT_EQ(r.Value("card_reader.card_mute"), V(false));
  EXPECT_EQ(r.Why("card_reader.hw_error"), "read through pcscd, which does not report it");
  EXPECT_EQ(r.Why("card_reader.atr.valid"),
            "the reader is pcscd's; posdiag does not power the card");
}

TEST_F(ScriptedReaderTest, AnExclusiveHolderWeCannotSeeIsBusyAndPcscDownIsSaid) {
  int opens = 0;
  open_.serial = [&opens](const std::filesystem::path&,
                          const io::SerialSettings&) -> Result<std::unique_ptr<io::SerialPort>> {
    ++opens;
    return Error{ErrorKind::kBusy, "/dev/ttyS2: in exclusive use"};
  };
  open_.pcsc = [](io::Deadline) -> Result<std::vector<cr::PcscReaderState>> {
    return Error{ErrorKind::kNotFound, "pcscd is not running"};
  };
  const ProbeRun r = RunProbe(device_, tree_, kConfig, clock_, open_);
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_EQ(opens, 1);
  EXPECT_EQ(r.Value("card_reader.busy"), V(true));
  EXPECT_EQ(r.Why("card_reader.holder"), "/dev/ttyS2: in exclusive use");
  EXPECT_EQ(r.Why("card_reader.responds"),
            "the reader is in use and PC/SC gives no state: pcscd is not running");
}

TEST_F(ScriptedReaderTest, APortThatWillNotOpenIsAnError) {
  open_.serial = [](const std::filesystem::path&,
                    const io::SerialSettings&) -> Result<std::unique_ptr<io::SerialPort>> {
    return Error{ErrorKind::kPermission, "/dev/ttyS2: permission denied"};
  };
  const ProbeRun r = RunProbe(device_, tree_, kConfig, clock_, open_);
  ASSERT_FALSE(r.result.ok());
  EXPECT_NE(r.result.error().detail.find("permission denied"), std::string::npos)
      << r.result.error().detail;
  EXPECT_EQ(r.Value("card_reader.detected"), V(true));
  EXPECT_NE(r.Why("card_reader.responds").find("permission denied"), std::string::npos);
}

}  // namespace
}  // namespace posdiag::agent::probes
