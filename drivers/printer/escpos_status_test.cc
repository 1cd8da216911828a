#include "drivers/printer/escpos_status.h"

#include <gtest/gtest.h>

#include <vector>

namespace posdiag::drivers::printer {
namespace {

DleEotReply Decode(int n, std::vector<std::uint8_t> bytes) {
  auto r = DecodeDleEot(n, bytes);
  EXPECT_TRUE(r.ok());
  return r.ok() ? *r : DleEotReply{};
}

TEST(DecodeDleEot, AllClearIs0x12ForEveryN) {
  for (int n = 1; n <= 4; ++n) {
    const DleEotReply r = Decode(n, {0x12});
    ASSERT_TRUE(r.raw);
    EXPECT_EQ(*r.raw, 0x12);
    EXPECT_FALSE(r.offline || r.cover_open || r.stopped_paper_end || r.error_occurred ||
                 r.cutter_error || r.unrecoverable_error || r.auto_recoverable_error ||
                 r.recoverable_error || r.paper_near_end || r.paper_end);
    EXPECT_EQ(r.framing_errors, 0u);
  }
}

TEST(DecodeDleEot, PrinterStatus) {
  const DleEotReply r = Decode(1, {0x7E});  // every bit of n=1 set
  EXPECT_TRUE(r.drawer_pin3_high);
  EXPECT_TRUE(r.offline);
  EXPECT_TRUE(r.waiting_online_recovery);
  EXPECT_TRUE(r.feed_button_pressed);
  EXPECT_TRUE(Decode(1, {0x1A}).offline);
  EXPECT_FALSE(Decode(1, {0x16}).offline);
}

TEST(DecodeDleEot, OfflineCause) {
  EXPECT_TRUE(Decode(2, {0x16}).cover_open);
  EXPECT_TRUE(Decode(2, {0x1A}).paper_fed_by_button);
  EXPECT_TRUE(Decode(2, {0x32}).stopped_paper_end);
  EXPECT_TRUE(Decode(2, {0x52}).error_occurred);
  EXPECT_FALSE(Decode(2, {0x52}).cover_open);
}

TEST(DecodeDleEot, ErrorCause) {
  EXPECT_TRUE(Decode(3, {0x16}).recoverable_error);
  EXPECT_TRUE(Decode(3, {0x1A}).cutter_error);
  EXPECT_TRUE(Decode(3, {0x32}).unrecoverable_error);
  EXPECT_TRUE(Decode(3, {0x52}).auto_recoverable_error);
  EXPECT_FALSE(Decode(3, {0x52}).cutter_error);
}

TEST(DecodeDleEot, PaperSensorNeedsBothBits) {
  EXPECT_TRUE(Decode(4, {0x1E}).paper_near_end);
  EXPECT_FALSE(Decode(4, {0x1E}).paper_end);
  EXPECT_FALSE(Decode(4, {0x16}).paper_near_end);  // one bit only
  EXPECT_TRUE(Decode(4, {0x72}).paper_end);
  EXPECT_FALSE(Decode(4, {0x32}).paper_end);
  const DleEotReply both = Decode(4, {0x7E});
  EXPECT_TRUE(both.paper_end);
  EXPECT_TRUE(both.paper_near_end);
}

TEST(DecodeDleEot, BytesFailingTheFixedBitsAreFramingErrors) {
  // 0x00 and 0xFF and an ASB first byte (0xx1xx00) and GS r (0xx0xxxx): none is a DLE EOT reply.
  const DleEotReply r = Decode(1, {0x00, 0xFF, 0x10, 0x0C, 0x92});
  EXPECT_FALSE(r.raw);
  EXPECT_EQ(r.framing_errors, 5u);
}

TEST(DecodeDleEot, XonXoffAreSkippedAndTheLastStatusWins) {
  const DleEotReply r = Decode(4, {0x13, 0x12, 0x11, 0x80, 0x72});
  ASSERT_TRUE(r.raw);
  EXPECT_EQ(*r.raw, 0x72);
  EXPECT_TRUE(r.paper_end);
  EXPECT_EQ(r.flow_control, 2u);
  EXPECT_EQ(r.framing_errors, 1u);
  EXPECT_EQ(r.extra, 1u);
}

TEST(DecodeDleEot, NothingIsNoStatus) {
  const DleEotReply r = Decode(2, {});
  EXPECT_FALSE(r.raw);
  EXPECT_EQ(r.framing_errors, 0u);
}

TEST(DecodeDleEot, RefusesNOutsideOneToFour) {
  const std::vector<std::uint8_t> b{0x12};
  for (int n : {0, 5, -1, 49}) {
    auto r = DecodeDleEot(n, b);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::kInvalid);
  }
}

}  // namespace
}  // namespace posdiag::drivers::printer
