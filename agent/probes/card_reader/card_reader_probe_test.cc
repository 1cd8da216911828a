// The card reader probe through the real libusb path, against a CCID reader this test answers
// itself (tests/umockdev/emulated_usb.h, under umockdev-wrapper): a reader whose interface another
// process has claimed is busy, nothing is sent to it, and its state is asked of pcscd instead.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "agent/probes/card_reader/card_reader_device.h"
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

constexpr std::string_view kConfig = "[card_reader]\nvid = 0x072F\npid = 0x90CC\n";

// A CCID reader with a card present and active: RDR_to_PC_SlotStatus for every GetSlotStatus.
std::vector<std::uint8_t> SlotStatus(const std::vector<std::uint8_t>& out) {
  if (out.size() < 10 || out[0] != 0x65) return {};
  return {0x81, 0, 0, 0, 0, out[5], out[6], 0x00, 0x00, 0x00};
}

class CardReaderProbeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::getenv("LD_PRELOAD") == nullptr) GTEST_SKIP() << "run under umockdev-wrapper";
    ASSERT_EQ(usb_.error(), "");
    usb_.SetBulkAnswer(SlotStatus);
  }

  EmulatedUsb usb_{POSDIAG_SOURCE_DIR "/tests/umockdev/ccid_reader.umockdev",
                   "/dev/bus/usb/001/002"};
  FixtureTree tree_;
  CardReaderDevice device_;
  FixedClock clock_{AtEpoch(1'700'000'000)};
};

TEST_F(CardReaderProbeTest, AFreeReaderIsAsked) {
  const auto r = RunProbe(device_, tree_, kConfig, clock_);
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_EQ(r.Value("card_reader.busy"), V(false));
  EXPECT_EQ(r.Value("card_reader.responds"), V(true));
  EXPECT_EQ(r.Value("card_reader.slot.icc_status"), V(std::string("active")));
  EXPECT_EQ(usb_.claims(), 1);
  EXPECT_FALSE(usb_.bulk_out().empty());
}

TEST_F(CardReaderProbeTest, AnInterfaceClaimedElsewhereIsBusyAndLeftAlone) {
  usb_.SetClaimedElsewhere(true);  // by a process /proc does not show
  const auto r = RunProbe(device_, tree_, kConfig, clock_);
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_EQ(r.Value("card_reader.detected"), V(true));
  EXPECT_EQ(r.Value("card_reader.busy"), V(true));
  EXPECT_NE(r.Why("card_reader.holder").find("claim interface"), std::string::npos)
      << r.Why("card_reader.holder");
  // Nothing went to the reader; its state was asked of pcscd, which this test does not run.
  EXPECT_TRUE(usb_.bulk_out().empty());
  EXPECT_NE(r.Why("card_reader.responds").find("PC/SC"), std::string::npos)
      << r.Why("card_reader.responds");
}

}  // namespace
}  // namespace posdiag::agent::probes
