// The card reader as a device: its table (wrong values are config errors), the facts the
// catalogue names, the probe's USB path against a scripted bus and reader, and `test chip`
// against scripted probe runs.
#include "agent/probes/card_reader/card_reader_device.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "agent/probes/testing/fake_openers.h"
#include "agent/probes/testing/probe_harness.h"
#include "drivers/card_reader/ccid.h"
#include "rules/loader/catalog.h"

namespace posdiag::agent::probes {
namespace {

namespace cr = drivers::card_reader;
using posdiag::testing::FixtureTree;
using std::chrono::milliseconds;
using testing::AtEpoch;
using testing::FakeOpeners;
using testing::FixedClock;
using testing::RunProbe;
using Bytes = std::vector<std::uint8_t>;
using V = rules::FactValue;
using Verdict = RoutineResult::Verdict;

class CardReaderDeviceTest : public ::testing::Test {
 protected:
  FixtureTree tree_;
  CardReaderDevice device_;
  FixedClock clock_{AtEpoch(1'700'000'000)};
};

TEST_F(CardReaderDeviceTest, DeclaresItsSectionProbeAndRoutine) {
  const auto sections = device_.ConfigSections();
  ASSERT_EQ(sections.size(), 1u);
  EXPECT_EQ(sections[0].name, "card_reader");
  EXPECT_TRUE(CheckSpecs(sections).empty());
  auto probe = device_.MakeProbe();
  ASSERT_NE(probe, nullptr);
  EXPECT_EQ(probe->Name(), "card_reader");
  EXPECT_EQ(probe->Levels(), kAllLevels);
  EXPECT_EQ(probe->DefaultTimeout(), std::chrono::seconds(5));
  const auto routines = device_.Routines();
  ASSERT_EQ(routines.size(), 1u);
  EXPECT_EQ(routines[0]->Name(), "chip");
  EXPECT_EQ(routines[0]->Section(), "card_reader");
}

TEST_F(CardReaderDeviceTest, TheDefaultsAreUsbAnd115200Baud) {
  auto config = testing::DeviceConfig(device_, "[card_reader]\n");
  ASSERT_TRUE(config.ok()) << config.error().detail;
  const ConfigSection& s = config->Section("card_reader");
  EXPECT_EQ(s.GetString("transport"), "usb");
  EXPECT_EQ(s.GetInt("baud"), 115200);
  EXPECT_FALSE(s.Has("vid"));
}

// Wrong values never reach the probe: the schema refuses them, with where and why.
TEST_F(CardReaderDeviceTest, WrongValuesAreConfigErrors) {
  struct Case {
    const char* text;
    const char* key;
  };
  for (const Case& c : {
           Case{"[card_reader]\nvid = 0x072F\n", "vid"},
           Case{"[card_reader]\npid = 0x90CC\n", "pid"},
           Case{"[card_reader]\nvid = 0x1072F\npid = 0x90CC\n", "vid"},
           Case{"[card_reader]\ntransport = \"bluetooth\"\n", "transport"},
           Case{"[card_reader]\ntransport = \"serial\"\n", "port"},
           Case{"[card_reader]\ntransport = \"serial\"\nport = \"ttyS2\"\n", "port"},
           Case{"[card_reader]\ntransport = \"serial\"\nport = \"/dev/ttyS2\"\nbaud = 0\n", "baud"},
       }) {
    auto config = testing::DeviceConfig(device_, c.text);
    ASSERT_FALSE(config.ok()) << c.text;
    EXPECT_NE(config.error().detail.find("test.toml:"), std::string::npos) << config.error().detail;
    EXPECT_NE(config.error().detail.find(std::string("[card_reader] ") + c.key), std::string::npos)
        << config.error().detail;
  }
}

TEST_F(CardReaderDeviceTest, EveryFactTheCatalogueNamesIsDeclared) {
  const auto loaded = rules::LoadRuleFile(POSDIAG_SOURCE_DIR "/rules/catalog/card_reader.toml");
  ASSERT_TRUE(loaded.ok());
  ASSERT_FALSE(loaded.rules.empty());
  const rules::FactSchema declared(device_.MakeProbe()->Facts());
  for (const auto& d : rules::CheckFactNames(loaded.rules, declared)) ADD_FAILURE() << d.ToString();
}

// A USB CCID interface as the bus describes it: bulk OUT 0x02, bulk IN 0x82, interrupt IN 0x83,
// and the class descriptor (one slot, 271-byte messages).
io::UsbDeviceInfo CcidReaderInfo() {
  io::UsbInterface itf;
  itf.number = 0;
  itf.interface_class = cr::kCcidClass;
  itf.endpoints = {{0x02, 0x02, 64}, {0x82, 0x02, 64}, {0x83, 0x03, 8}};
  Bytes d(54, 0);
  d[0] = 54;
  d[1] = 0x21;
  d[2] = 0x10;
  d[3] = 0x01;
  d[44] = 0x0F;
  d[45] = 0x01;
  itf.extra = d;
  io::UsbDeviceInfo info;
  info.bus = 1;
  info.address = 2;
  info.vid = 0x072F;
  info.pid = 0x90CC;
  info.interfaces = {itf};
  return info;
}

io::UsbDeviceInfo KeyboardInfo() {
  io::UsbInterface itf;
  itf.interface_class = 0x03;
  io::UsbDeviceInfo info;
  info.bus = 1;
  info.address = 3;
  info.vid = 0x046D;
  info.pid = 0xC31C;
  info.interfaces = {itf};
  return info;
}

// A CCID reader with an inactive card on a scripted USB device: every command it is sent gets a
// SlotStatus (as GetSlotStatus wants); its interrupt endpoint never has anything.
class ScriptedUsbReader final : public io::UsbDevice {
 public:
  struct Log {
    int claims = 0;
    int releases = 0;
    std::vector<Bytes> sent;
    bool claimed_elsewhere = false;
  };
  explicit ScriptedUsbReader(std::shared_ptr<Log> log) : log_(std::move(log)) {}
  ~ScriptedUsbReader() override { Release(); }

  Result<void> Claim(std::uint8_t) override {
    if (log_->claimed_elsewhere) return Error{ErrorKind::kBusy, "claim interface 0: busy"};
    ++log_->claims;
    claimed_ = true;
    return Ok();
  }
  void Release() override {
    if (claimed_) ++log_->releases;
    claimed_ = false;
  }
  Result<void> BulkWrite(std::uint8_t, std::span<const std::uint8_t> bytes, io::Deadline) override {
    log_->sent.emplace_back(bytes.begin(), bytes.end());
    replies_.push_back({cr::kSlotStatus, 0, 0, 0, 0, bytes[5], bytes[6], 0x01, 0x00, 0x00});
    return Ok();
  }
  Result<std::size_t> BulkRead(std::uint8_t, std::span<std::uint8_t> buffer,
                               io::Deadline) override {
    if (replies_.empty()) return Error{ErrorKind::kTimeout, "bulk IN: timeout"};
    const Bytes reply = replies_.front();
    replies_.pop_front();
    const std::size_t n = std::min(buffer.size(), reply.size());
    std::copy_n(reply.begin(), n, buffer.begin());
    return n;
  }
  Result<std::size_t> InterruptRead(std::uint8_t, std::span<std::uint8_t>, io::Deadline) override {
    return Error{ErrorKind::kTimeout, "interrupt IN: timeout"};
  }
  Result<std::size_t> Control(std::uint8_t, std::uint8_t, std::uint16_t, std::uint16_t,
                              std::span<std::uint8_t>, io::Deadline) override {
    return Error{ErrorKind::kUnsupported, "control: not scripted"};
  }

 private:
  std::shared_ptr<Log> log_;
  std::deque<Bytes> replies_;
  bool claimed_ = false;
};

class CardReaderUsbTest : public CardReaderDeviceTest {
 protected:
  void SetUp() override {
    open_.list_usb = [this] { return Result<std::vector<io::UsbDeviceInfo>>(bus_); };
    open_.usb = [this](const io::UsbDeviceInfo&) -> Result<std::unique_ptr<io::UsbDevice>> {
      ++opens_;
      return std::unique_ptr<io::UsbDevice>(std::make_unique<ScriptedUsbReader>(log_));
    };
  }
  testing::ProbeRun Run(std::string_view config = "[card_reader]\n") {
    return RunProbe(device_, tree_, config, clock_, open_);
  }

  std::vector<io::UsbDeviceInfo> bus_;
  std::shared_ptr<ScriptedUsbReader::Log> log_ = std::make_shared<ScriptedUsbReader::Log>();
  int opens_ = 0;
  FakeOpeners open_;
};

TEST_F(CardReaderUsbTest, ABusWithoutAReaderIsNotDetected) {
  bus_ = {KeyboardInfo()};
  const auto r = Run();
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_EQ(r.Value("card_reader.transport"), V(std::string("usb")));
  EXPECT_EQ(r.Value("card_reader.detected"), V(false));
  EXPECT_EQ(r.Why("card_reader.busy"), "no CCID reader on the USB bus");
  EXPECT_EQ(r.Why("card_reader.responds"), "no CCID reader on the USB bus");
  EXPECT_EQ(opens_, 0);
}

TEST_F(CardReaderUsbTest, AReaderWithOtherIdsIsNotTheConfiguredOne) {
  bus_ = {KeyboardInfo(), CcidReaderInfo()};
  const auto r = Run("[card_reader]\nvid = 0x08E6\npid = 0x3437\n");
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_EQ(r.Value("card_reader.detected"), V(false));
  EXPECT_EQ(r.Why("card_reader.responds"),
            "no CCID reader with the configured vid:pid on the USB bus");
}

TEST_F(CardReaderUsbTest, AFreeReaderIsClaimedAskedAndReleased) {
  bus_ = {KeyboardInfo(), CcidReaderInfo()};
  const auto r = Run("[card_reader]\nvid = 0x072F\npid = 0x90CC\n");
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_EQ(r.Value("card_reader.detected"), V(true));
  EXPECT_EQ(r.Value("card_reader.vid"), V(std::int64_t{0x072F}));
  EXPECT_EQ(r.Value("card_reader.pid"), V(std::int64_t{0x90CC}));
  EXPECT_EQ(r.Value("card_reader.device"), V(std::string("/dev/bus/usb/001/002")));
  EXPECT_EQ(r.Value("card_reader.busy"), V(false));
  EXPECT_EQ(r.Value("card_reader.max_slot_index"), V(std::int64_t{0}));
  EXPECT_EQ(r.Value("card_reader.responds"), V(true));
  EXPECT_EQ(r.Value("card_reader.slot.icc_status"), V(std::string("inactive")));
  EXPECT_EQ(r.Value("card_reader.hw_error"), V(false));
  ASSERT_EQ(log_->sent.size(), 1u);
  EXPECT_EQ(log_->sent[0][0], cr::kGetSlotStatus);
  EXPECT_EQ(log_->claims, 1);
  EXPECT_EQ(log_->releases, 1);
}

TEST_F(CardReaderUsbTest, AReaderPcscdHoldsIsReadThroughPcscAndNotOpened) {
  bus_ = {CcidReaderInfo()};
  tree_.Put("/proc/812/comm", "pcscd\n");
  std::filesystem::create_directories(tree_.At("/proc/812/fd"));
  std::filesystem::create_symlink("/dev/bus/usb/001/002", tree_.At("/proc/812/fd/9"));
  open_.pcsc = [](io::Deadline) -> Result<std::vector<cr::PcscReaderState>> {
    cr::PcscReaderState reader;
    reader.name = "ACS ACR39U ICC Reader 00 00";
    reader.present = true;
    reader.mute = true;
    return std::vector<cr::PcscReaderState>{reader};
  };
  const auto r = Run();
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_EQ(opens_, 0);
  EXPECT_EQ(r.Value("card_reader.busy"), V(true));
  EXPECT_EQ(r.Value("card_reader.holder"), V(std::string("pcscd pid 812")));
  EXPECT_EQ(r.Value("card_reader.pcsc_name"), V(std::string("ACS ACR39U ICC Reader 00 00")));
  EXPECT_EQ(r.Value("card_reader.slot.icc_status"), V(std::string("inactive")));
  EXPECT_EQ(r.Value("card_reader.card_mute"), V(true));
}

TEST_F(CardReaderUsbTest, AnInterfaceClaimedElsewhereIsBusyAndLeftAlone) {
  bus_ = {CcidReaderInfo()};
  log_->claimed_elsewhere = true;
  open_.pcsc = [](io::Deadline) -> Result<std::vector<cr::PcscReaderState>> {
    return std::vector<cr::PcscReaderState>{};
  };
  const auto r = Run();
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_EQ(r.Value("card_reader.busy"), V(true));
  EXPECT_EQ(r.Why("card_reader.holder"), "claim interface 0: busy");
  EXPECT_TRUE(log_->sent.empty());
  EXPECT_EQ(r.Why("card_reader.responds"),
            "the reader is in use and PC/SC gives no state: pcscd knows no reader");
}

TEST_F(CardReaderUsbTest, ABusThatCannotBeListedIsAnError) {
  open_.list_usb = [] {
    return Result<std::vector<io::UsbDeviceInfo>>(Error{ErrorKind::kPermission, "libusb: denied"});
  };
  const auto r = Run();
  ASSERT_FALSE(r.result.ok());
  EXPECT_EQ(r.result.error().detail, "card reader: USB: libusb: denied");
  EXPECT_EQ(r.Why("card_reader.detected"), "card reader: USB: libusb: denied");
}

// `test chip` against scripted runs of the card reader probe.

class RecordingScreen final : public Screen {
 public:
  Result<void> ShowProgress(const RunProgress&, Level) override { return Ok(); }
  Result<void> ShowReport(const Report&, std::size_t) override { return Ok(); }
  std::size_t PageCount(const Report&) const override { return 1; }
  Result<void> ShowMessage(std::string_view zh_cn, std::string_view en) override {
    messages.emplace_back(std::string(zh_cn) + "|" + std::string(en));
    return Ok();
  }
  Result<void> ShowTestPattern() override { return Ok(); }
  std::vector<std::string> messages;
};

struct Scripted {
  std::vector<std::pair<std::string, V>> facts;
  std::vector<std::pair<std::string, std::string>> missing;
};

agent::ProbeRun Measured(const Scripted& s) {
  agent::ProbeRun run;
  run.outcome.name = "card_reader";
  run.outcome.status = ProbeStatus::kOk;
  for (const auto& [name, value] : s.facts) {
    rules::Fact f;
    f.name = name;
    f.value = value;
    f.probe = "card_reader";
    run.facts.Add(std::move(f));
  }
  for (const auto& [name, why] : s.missing) {
    rules::MissingFact m;
    m.name = name;
    m.reason = why;
    m.probe = "card_reader";
    run.facts.AddMissing(std::move(m));
  }
  return run;
}

agent::ProbeRun NotMeasured(ProbeStatus status, std::string error) {
  agent::ProbeRun run;
  run.outcome.name = "card_reader";
  run.outcome.status = status;
  run.outcome.error = std::move(error);
  return run;
}

// A reader that answers, with what its slot holds.
Scripted Slot(std::string icc) {
  return {{{"card_reader.detected", V(true)},
           {"card_reader.busy", V(false)},
           {"card_reader.responds", V(true)},
           {"card_reader.hw_error", V(false)},
           {"card_reader.slot.icc_status", V(std::move(icc))}},
          {}};
}

Scripted With(Scripted s, std::string name, V value) {
  s.facts.emplace_back(std::move(name), std::move(value));
  return s;
}

class ChipRoutineTest : public CardReaderDeviceTest {
 protected:
  // Runs `test chip`; the probe runs answer from `runs` in turn, the last one again and again.
  RoutineResult Chip(std::vector<Result<agent::ProbeRun>> runs,
                     milliseconds budget = milliseconds(3000)) {
    auto config = testing::DeviceConfig(device_, "[card_reader]\n");
    EXPECT_TRUE(config.ok());
    const io::RootFs fs(tree_.root());
    const RoutineContext ctx{*config,
                             fs,
                             open_,
                             &screen_,
                             [&](std::string_view probe, io::Deadline) -> Result<agent::ProbeRun> {
                               asked_.emplace_back(probe);
                               const std::size_t i = std::min(asked_.size(), runs.size()) - 1;
                               return runs[i];
                             },
                             {},
                             {}};
    const auto routine = device_.Routines().at(0);
    const auto start = std::chrono::steady_clock::now();
    RoutineResult result = routine->Run(ctx, io::Deadline::In(budget));
    took_ = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start);
    return result;
  }

  FakeOpeners open_;
  RecordingScreen screen_;
  std::vector<std::string> asked_;
  milliseconds took_{0};
};

TEST_F(ChipRoutineTest, AValidAtrPasses) {
  const auto r = Chip({Measured(With(With(Slot("inactive"), "card_reader.atr.valid", V(true)),
                                     "card_reader.atr.protocols", V(std::string("T=0,T=1"))))});
  EXPECT_EQ(r.verdict, Verdict::kPassed) << r.detail;
  EXPECT_EQ(r.detail, "ATR valid, T=0,T=1");
  EXPECT_EQ(screen_.messages, std::vector<std::string>{"请插入芯片卡|Insert a chip card"});
  EXPECT_EQ(asked_, std::vector<std::string>{"card_reader"});
}

TEST_F(ChipRoutineTest, TheSlotIsAskedAgainEveryHalfSecondUntilACardIsIn) {
  const auto r = Chip({Measured(Slot("absent")), Measured(Slot("absent")),
                       Measured(With(Slot("inactive"), "card_reader.atr.valid", V(true)))});
  EXPECT_EQ(r.verdict, Verdict::kPassed) << r.detail;
  EXPECT_EQ(asked_.size(), 3u);
  EXPECT_GE(took_, milliseconds(1000));
  EXPECT_LT(took_, milliseconds(2000));
}

TEST_F(ChipRoutineTest, NoCardByTheDeadlineIsSkipped) {
  const auto r = Chip({Measured(Slot("absent"))}, milliseconds(1200));
  EXPECT_EQ(r.verdict, Verdict::kSkipped);
  EXPECT_EQ(r.detail, "no card before the deadline");
  EXPECT_EQ(asked_.size(), 3u);  // at 0, 500 and 1000 ms; the next would pass the deadline
  EXPECT_LT(took_, milliseconds(1200));
}

TEST_F(ChipRoutineTest, EachStateHasItsVerdict) {
  struct Case {
    Result<agent::ProbeRun> run;
    Verdict verdict;
    std::string detail;
  };
  const std::vector<Case> cases = {
      {Measured({{{"card_reader.detected", V(false)}},
                 {{"card_reader.busy", "no CCID reader on the USB bus"}}}),
       Verdict::kError, "no card reader: no CCID reader on the USB bus"},
      {Measured({{{"card_reader.detected", V(true)},
                  {"card_reader.busy", V(true)},
                  {"card_reader.holder", V(std::string("pcscd pid 812"))}},
                 {}}),
       Verdict::kError, "the reader is in use by pcscd pid 812; left alone"},
      {Measured({{{"card_reader.detected", V(true)}, {"card_reader.busy", V(true)}},
                 {{"card_reader.holder", "claim interface 0: busy"}}}),
       Verdict::kError, "the reader is in use by another process; left alone"},
      {Measured({{{"card_reader.detected", V(true)},
                  {"card_reader.busy", V(false)},
                  {"card_reader.responds", V(false)}},
                 {}}),
       Verdict::kFailed, "the reader does not answer"},
      {Measured(With(Slot("inactive"), "card_reader.hw_error", V(true))), Verdict::kFailed,
       "the reader reports a hardware error"},
      {Measured(With(Slot("inactive"), "card_reader.card_mute", V(true))), Verdict::kFailed,
       "the card does not answer (mute)"},
      {Measured(With(With(Slot("active"), "card_reader.atr.valid", V(false)),
                     "card_reader.atr.problem", V(std::string("TCK mismatch")))),
       Verdict::kFailed, "bad ATR: TCK mismatch"},
      {Measured(
           {Slot("inactive").facts, {{"card_reader.atr.valid", "IccPowerOn: receive: timeout"}}}),
       Verdict::kError, "the card could not be powered: IccPowerOn: receive: timeout"},
      {NotMeasured(ProbeStatus::kNotConfigured, "no [card_reader] table"), Verdict::kError,
       "not configured: no [card_reader] table"},
      {NotMeasured(ProbeStatus::kError, "card reader: USB: libusb: denied"), Verdict::kError,
       "card reader: USB: libusb: denied"},
      {NotMeasured(ProbeStatus::kTimeout, "timed out"), Verdict::kSkipped,
       "nothing happened before the deadline"},
      {Result<agent::ProbeRun>(Error{ErrorKind::kUnsupported, "this build has no card_reader"}),
       Verdict::kError, "this build has no card_reader"},
  };
  for (const Case& c : cases) {
    asked_.clear();
    const auto r = Chip({c.run});
    EXPECT_EQ(r.verdict, c.verdict) << c.detail << " / " << r.detail;
    EXPECT_EQ(r.detail, c.detail);
    EXPECT_EQ(asked_.size(), 1u) << c.detail;
  }
}

TEST_F(ChipRoutineTest, WithoutADisplayThereIsNoPrompt) {
  auto config = testing::DeviceConfig(device_, "[card_reader]\n");
  ASSERT_TRUE(config.ok());
  const io::RootFs fs(tree_.root());
  const RoutineContext ctx{
      *config,
      fs,
      open_,
      nullptr,
      [](std::string_view, io::Deadline) -> Result<agent::ProbeRun> {
        return Measured(With(Slot("inactive"), "card_reader.atr.valid", V(true)));
      },
      {},
      {}};
  EXPECT_EQ(device_.Routines().at(0)->Run(ctx, io::Deadline::In(milliseconds(500))).verdict,
            Verdict::kPassed);
}

}  // namespace
}  // namespace posdiag::agent::probes
