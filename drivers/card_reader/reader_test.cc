#include "drivers/card_reader/reader.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <vector>

namespace posdiag::drivers::card_reader {
namespace {

using Bytes = std::vector<std::uint8_t>;

// Replays captured replies in order and records what was sent.
class ReplayTransport final : public CcidTransport {
 public:
  explicit ReplayTransport(std::deque<Bytes> replies) : replies_(std::move(replies)) {}
  Result<void> Send(std::span<const std::uint8_t> message, io::Deadline) override {
    sent.emplace_back(message.begin(), message.end());
    return Ok();
  }
  Result<std::vector<std::uint8_t>> Receive(io::Deadline) override {
    if (replies_.empty()) return Error{ErrorKind::kTimeout, "no reply"};
    Bytes b = std::move(replies_.front());
    replies_.pop_front();
    return b;
  }
  std::optional<InterruptMessage> PendingHardwareError(io::Deadline) override {
    return std::nullopt;
  }
  std::vector<Bytes> sent;

 private:
  std::deque<Bytes> replies_;
};

io::Deadline Soon() { return io::Deadline::In(std::chrono::seconds(1)); }

TEST(CcidSession, GetSlotStatusSendsTheCommandAndReadsTheSlot) {
  ReplayTransport t({{0x81, 0, 0, 0, 0, 0, 0, 0x01, 0x00, 0x01}});
  CcidSession s(t);
  auto r = s.GetSlotStatus(Soon());
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->icc, IccStatus::kInactive);
  EXPECT_EQ(r->clock, 1);
  EXPECT_FALSE(r->error);
  ASSERT_EQ(t.sent.size(), 1u);
  EXPECT_EQ(t.sent[0], (Bytes{0x65, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
}

TEST(CcidSession, IccMuteOnSlotStatusMeansNoCard) {
  ReplayTransport t({{0x81, 0, 0, 0, 0, 0, 0, 0x42, 0xFE, 0x00}});
  CcidSession s(t);
  auto r = s.GetSlotStatus(Soon());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->icc, IccStatus::kAbsent);
  EXPECT_FALSE(r->error);
}

TEST(CcidSession, HwErrorIsReported) {
  ReplayTransport t({{0x81, 0, 0, 0, 0, 0, 0, 0x40, 0xFB, 0x00}});
  CcidSession s(t);
  auto r = s.GetSlotStatus(Soon());
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->error);
  EXPECT_EQ(*r->error, kErrHwError);
}

TEST(CcidSession, PowerOnWaitsThroughTimeExtensionAndReturnsTheAtr) {
  ReplayTransport t({{0x81, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 0x00},
                     {0x80, 0, 0, 0, 0, 0, 1, 0x80, 0x01, 0x00},
                     {0x80, 4, 0, 0, 0, 0, 1, 0x00, 0x00, 0x00, 0x3B, 0x02, 0x14, 0x50},
                     {0x81, 0, 0, 0, 0, 0, 2, 0x01, 0x00, 0x00}});
  CcidSession s(t);
  ASSERT_TRUE(s.GetSlotStatus(Soon()));
  auto on = s.PowerOn(Soon());
  ASSERT_TRUE(on) << on.error().detail;
  EXPECT_FALSE(on->mute);
  EXPECT_EQ(on->atr, (Bytes{0x3B, 0x02, 0x14, 0x50}));
  EXPECT_TRUE(s.PowerOff(Soon()));
  ASSERT_EQ(t.sent.size(), 3u);
  EXPECT_EQ(t.sent[1][0], kIccPowerOn);
  EXPECT_EQ(t.sent[1][6], 1);  // sequence numbers increase per command
  EXPECT_EQ(t.sent[2][0], kIccPowerOff);
}

TEST(CcidSession, MuteCardOnPowerOn) {
  ReplayTransport t({{0x80, 0, 0, 0, 0, 0, 0, 0x41, 0xFE, 0x00}});
  CcidSession s(t);
  auto on = s.PowerOn(Soon());
  ASSERT_TRUE(on);
  EXPECT_TRUE(on->mute);
}

TEST(CcidSession, StaleSequenceNumberIsAnError) {
  ReplayTransport t({{0x81, 0, 0, 0, 0, 0, 5, 0x00, 0x00, 0x00}});
  CcidSession s(t);
  auto r = s.GetSlotStatus(Soon());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kParse);
}

TEST(CcidSession, SilentReaderTimesOut) {
  ReplayTransport t({});
  CcidSession s(t);
  auto r = s.GetSlotStatus(Soon());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kTimeout);
}

}  // namespace
}  // namespace posdiag::drivers::card_reader
