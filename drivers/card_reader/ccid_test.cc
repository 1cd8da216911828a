#include "drivers/card_reader/ccid.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace posdiag::drivers::card_reader {
namespace {

using Bytes = std::vector<std::uint8_t>;

TEST(CcidReply, SlotStatusActiveWithClockRunning) {
  const Bytes b = {0x81, 0, 0, 0, 0, 0, 7, 0x00, 0x00, 0x00};
  auto r = DecodeReply(b, kSlotStatus, 0, 7);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->icc, IccStatus::kActive);
  EXPECT_EQ(r->command, CommandStatus::kOk);
  EXPECT_EQ(ClockStatusName(r->param), "running");
}

TEST(CcidReply, IccMuteFromSlotStatusIsAFailedCommandWithNoCard) {
  const Bytes b = {0x81, 0, 0, 0, 0, 0, 1, 0x42, 0xFE, 0x00};
  auto r = DecodeReply(b, kSlotStatus, 0, 1);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->icc, IccStatus::kAbsent);
  EXPECT_EQ(r->command, CommandStatus::kFailed);
  EXPECT_EQ(ErrorName(r->error), "ICC_MUTE");
}

TEST(CcidReply, DataBlockCarriesTheAtr) {
  const Bytes b = {0x80, 4, 0, 0, 0, 0, 3, 0x00, 0x00, 0x00, 0x3B, 0x02, 0x14, 0x50};
  auto r = DecodeReply(b, kDataBlock, 0, 3);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->data, (Bytes{0x3B, 0x02, 0x14, 0x50}));
}

TEST(CcidReply, RefusesBadFraming) {
  EXPECT_FALSE(DecodeReply(Bytes{0x81, 0, 0}, kSlotStatus, 0, 0));  // short
  // wrong sequence number
  EXPECT_FALSE(DecodeReply(Bytes{0x81, 0, 0, 0, 0, 0, 2, 0, 0, 0}, kSlotStatus, 0, 1));
  // wrong type
  EXPECT_FALSE(DecodeReply(Bytes{0x80, 0, 0, 0, 0, 0, 1, 0, 0, 0}, kSlotStatus, 0, 1));
  // wrong slot
  EXPECT_FALSE(DecodeReply(Bytes{0x81, 0, 0, 0, 0, 1, 1, 0, 0, 0}, kSlotStatus, 0, 1));
  // dwLength larger than the data
  EXPECT_FALSE(DecodeReply(Bytes{0x80, 9, 0, 0, 0, 0, 1, 0, 0, 0, 0x3B}, kDataBlock, 0, 1));
  // dwLength smaller than the data
  EXPECT_FALSE(DecodeReply(Bytes{0x80, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0x3B}, kDataBlock, 0, 1));
  // huge dwLength
  EXPECT_FALSE(DecodeReply(Bytes{0x80, 0xFF, 0xFF, 0xFF, 0xFF, 0, 1, 0, 0, 0}, kDataBlock, 0, 1));
  // reserved bmICCStatus and bmCommandStatus values, reserved bits
  EXPECT_FALSE(DecodeReply(Bytes{0x81, 0, 0, 0, 0, 0, 1, 0x03, 0, 0}, kSlotStatus, 0, 1));
  EXPECT_FALSE(DecodeReply(Bytes{0x81, 0, 0, 0, 0, 0, 1, 0xC0, 0, 0}, kSlotStatus, 0, 1));
  EXPECT_FALSE(DecodeReply(Bytes{0x81, 0, 0, 0, 0, 0, 1, 0x04, 0, 0}, kSlotStatus, 0, 1));
}

TEST(CcidErrors, NamesFollowTheDriver) {
  EXPECT_EQ(ErrorName(0xFB), "HW_ERROR");
  EXPECT_EQ(ErrorName(0xF7), "BAD_ATR_TCK");
  EXPECT_EQ(ErrorName(0xE0), "CMD_SLOT_BUSY");
  EXPECT_EQ(ErrorName(0x00), "CMD_NOT_SUPPORTED");
  EXPECT_EQ(ErrorName(0x05), "BAD_PARAMETER_AT_OFFSET_5");
  EXPECT_EQ(ErrorName(0x90), "UNKNOWN_ERROR_0x90");
  EXPECT_EQ(ClockStatusName(3), "stopped_unknown");
  EXPECT_EQ(ClockStatusName(9), "invalid");
}

TEST(CcidInterrupt, SlotChangeAndHardwareError) {
  auto inserted = DecodeInterrupt(Bytes{0x50, 0x03});
  ASSERT_TRUE(inserted);
  EXPECT_TRUE(inserted->present);
  EXPECT_TRUE(inserted->changed);
  auto removed = DecodeInterrupt(Bytes{0x50, 0x02});
  ASSERT_TRUE(removed);
  EXPECT_FALSE(removed->present);
  auto hw = DecodeInterrupt(Bytes{0x51, 0x00, 0x04, 0x01});
  ASSERT_TRUE(hw);
  EXPECT_EQ(hw->kind, InterruptMessage::Kind::kHwError);
  EXPECT_EQ(hw->code, 1);
  EXPECT_FALSE(DecodeInterrupt(Bytes{0x51, 0x00}));
  EXPECT_FALSE(DecodeInterrupt(Bytes{}));
  EXPECT_FALSE(DecodeInterrupt(Bytes{0x99, 0x00}));
}

Bytes ClassDescriptorBytes() {
  Bytes d(54, 0);
  d[0] = 54;
  d[1] = 0x21;
  d[2] = 0x10;  // bcdCCID 1.10
  d[3] = 0x01;
  d[4] = 0;      // one slot
  d[5] = 0x07;   // 5 V, 3 V, 1.8 V
  d[6] = 0x03;   // T=0 and T=1
  d[44] = 0x0F;  // dwMaxCCIDMessageLength 271
  d[45] = 0x01;
  return d;
}

TEST(CcidClassDescriptor, FoundAmongExtraDescriptors) {
  Bytes extra = {0x04, 0x99, 0xAA, 0xBB};  // an unrelated descriptor first
  const Bytes d = ClassDescriptorBytes();
  extra.insert(extra.end(), d.begin(), d.end());
  auto c = DecodeClassDescriptor(extra);
  ASSERT_TRUE(c) << c.error().detail;
  EXPECT_EQ(c->bcd_ccid, 0x0110);
  EXPECT_EQ(c->protocols, 3u);
  EXPECT_EQ(c->max_message_length, 271u);
}

TEST(CcidClassDescriptor, RefusesWrongLengthAndOverruns) {
  Bytes d = ClassDescriptorBytes();
  d[0] = 53;
  d.pop_back();
  EXPECT_FALSE(DecodeClassDescriptor(d));
  EXPECT_FALSE(DecodeClassDescriptor(Bytes{0x36, 0x21, 0x00}));
  EXPECT_FALSE(DecodeClassDescriptor(Bytes{0x00, 0x21}));
  EXPECT_FALSE(DecodeClassDescriptor(Bytes{}));
}

TEST(Atr, TZeroOnlyNeedsNoTck) {
  auto c = CheckAtr(Bytes{0x3B, 0x02, 0x14, 0x50});
  EXPECT_TRUE(c.valid) << c.problem;
  EXPECT_EQ(c.protocols, (std::vector<int>{0}));
  EXPECT_FALSE(c.tck_present);
  EXPECT_EQ(c.historical, 2u);
}

TEST(Atr, TOneWithCorrectTck) {
  const Bytes atr = {0x3B, 0x8F, 0x80, 0x01, 0x80, 0x4F, 0x0C, 0xA0, 0x00, 0x00,
                     0x03, 0x06, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x6A};
  auto c = CheckAtr(atr);
  EXPECT_TRUE(c.valid) << c.problem;
  EXPECT_EQ(c.protocols, (std::vector<int>{0, 1}));
  EXPECT_TRUE(c.tck_present);
  EXPECT_EQ(c.length, 20u);
  Bytes bad = atr;
  bad.back() ^= 0x01;
  EXPECT_FALSE(CheckAtr(bad).valid);
  Bytes no_tck(atr.begin(), atr.end() - 1);
  EXPECT_FALSE(CheckAtr(no_tck).valid);
}

TEST(Atr, RefusesBadTsLengthAndCounts) {
  EXPECT_FALSE(CheckAtr(Bytes{}).valid);
  EXPECT_FALSE(CheckAtr(Bytes{0x3B}).valid);
  EXPECT_FALSE(CheckAtr(Bytes{0x3A, 0x00}).valid);              // TS
  EXPECT_TRUE(CheckAtr(Bytes{0x3F, 0x00}).valid);               // inverse convention
  EXPECT_FALSE(CheckAtr(Bytes{0x3B, 0x05, 0x01, 0x02}).valid);  // 5 historical, 2 given
  EXPECT_FALSE(CheckAtr(Bytes{0x3B, 0x00, 0x99}).valid);        // trailing byte
  EXPECT_FALSE(CheckAtr(Bytes{0x3B, 0x70, 0x11}).valid);        // TA1..TC1 announced, 1 given
  EXPECT_FALSE(CheckAtr(Bytes{0x3B, 0x80}).valid);              // TD1 announced, missing
  Bytes long_atr(34, 0x00);
  long_atr[0] = 0x3B;
  EXPECT_FALSE(CheckAtr(long_atr).valid);
  EXPECT_FALSE(CheckAtr(long_atr).problem.empty());
}

}  // namespace
}  // namespace posdiag::drivers::card_reader
