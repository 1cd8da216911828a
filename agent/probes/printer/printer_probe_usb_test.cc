// The printer probe with [printer] transport = "usb", through the real libusb path, against a
// printer this test answers itself (tests/umockdev/emulated_usb.h, under umockdev-wrapper): the
// model from the IEEE 1284 device ID, the status over the bulk endpoints, and an interface
// another process has claimed.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "agent/probes/printer/printer_device.h"
#include "agent/probes/testing/probe_harness.h"
#include "tests/umockdev/emulated_usb.h"

namespace posdiag::agent::probes {
namespace {

using posdiag::testing::EmulatedUsb;
using posdiag::testing::FixtureTree;
using testing::AtEpoch;
using testing::FixedClock;
using testing::RunProbe;
using V = rules::FactValue;

constexpr std::string_view kConfig = "[printer]\ntransport = \"usb\"\n";
constexpr EmulatedUsb::Setup kGetDeviceId = {0xA1, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04};

// Out of paper: DLE EOT 4 answers 0x72 (sensor: paper end), the others all clear.
std::vector<std::uint8_t> PaperEnd(const std::vector<std::uint8_t>& out) {
  std::vector<std::uint8_t> answer;
  for (std::size_t i = 0; i + 2 < out.size(); ++i) {
    if (out[i] == 0x10 && out[i + 1] == 0x04) answer.push_back(out[i + 2] == 4 ? 0x72 : 0x12);
  }
  return answer;
}

class PrinterProbeUsbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::getenv("LD_PRELOAD") == nullptr) GTEST_SKIP() << "run under umockdev-wrapper";
    ASSERT_EQ(usb_.error(), "");
    usb_.SetBulkAnswer(PaperEnd);
    const std::string id = "MFG:EPSON;CMD:ESC/POS;MDL:TM-T20II;";
    std::vector<std::uint8_t> reply{0, static_cast<std::uint8_t>(id.size() + 2)};
    reply.insert(reply.end(), id.begin(), id.end());
    usb_.SetControlReply(kGetDeviceId, reply);
  }

  EmulatedUsb usb_{POSDIAG_SOURCE_DIR "/tests/umockdev/printer_usb.umockdev",
                   "/dev/bus/usb/001/003"};
  FixtureTree tree_;
  PrinterDevice device_;
  FixedClock clock_{AtEpoch(1'700'000'000)};
};

TEST_F(PrinterProbeUsbTest, ModelAndStatus) {
  const auto r = RunProbe(device_, tree_, kConfig, clock_);
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_EQ(r.Value("printer.detected"), V(true));
  EXPECT_EQ(r.Value("printer.busy"), V(false));
  EXPECT_EQ(r.Value("printer.model"), V(std::string("TM-T20II")));
  EXPECT_EQ(r.Value("printer.manufacturer"), V(std::string("EPSON")));
  EXPECT_EQ(r.Value("printer.command_set"), V(std::string("ESC/POS")));
  EXPECT_EQ(r.Value("printer.responds"), V(true));
  EXPECT_EQ(r.Value("printer.paper_end"), V(true));
  EXPECT_EQ(r.Value("printer.bytes_sent"), V(std::int64_t{12}));
}

TEST_F(PrinterProbeUsbTest, AnInterfaceClaimedElsewhereIsBusyAndNothingIsSent) {
  usb_.SetClaimedElsewhere(true);
  const auto r = RunProbe(device_, tree_, kConfig, clock_);
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_EQ(r.Value("printer.detected"), V(true));
  EXPECT_EQ(r.Value("printer.busy"), V(true));
  EXPECT_FALSE(r.Has("printer.responds"));
  EXPECT_FALSE(r.Has("printer.model"));
  EXPECT_TRUE(usb_.bulk_out().empty());
  EXPECT_TRUE(usb_.control_requests().empty());
}

}  // namespace
}  // namespace posdiag::agent::probes
