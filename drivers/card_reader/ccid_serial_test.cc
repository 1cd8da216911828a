#include "drivers/card_reader/ccid_serial.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <vector>

#include "drivers/card_reader/reader.h"

namespace posdiag::drivers::card_reader {
namespace {

using Bytes = std::vector<std::uint8_t>;

// GetSlotStatus, slot 0, seq 0, framed: 03 06, the 10-byte command, LRC = 03^06^65 = 0x60.
const Bytes kGetSlotStatus = {0x65, 0, 0, 0, 0, 0, 0, 0, 0, 0};
const Bytes kGetSlotStatusFrame = {0x03, 0x06, 0x65, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x60};
// SlotStatus reply: card present and inactive (bStatus 0x01), clock running.
const Bytes kSlotStatus = {0x81, 0, 0, 0, 0, 0, 0, 0x01, 0, 0};
const Bytes kSlotStatusFrame = {0x03, 0x06, 0x81, 0, 0, 0, 0, 0, 0, 0x01, 0, 0, 0x85};

TEST(CcidSerialFrame, EncodesSyncAckMessageAndLrc) {
  EXPECT_EQ(EncodeSerialFrame(kGetSlotStatus), kGetSlotStatusFrame);
  EXPECT_EQ(EncodeSerialFrame(kSlotStatus), kSlotStatusFrame);
}

TEST(CcidSerialFrame, DecodesAnAckFrameWithData) {
  // A DataBlock with a 2-byte ATR fragment: dwLength 2.
  const Bytes message = {0x80, 0x02, 0, 0, 0, 0, 0x01, 0x00, 0, 0, 0x3B, 0x00};
  const Bytes frame = EncodeSerialFrame(message);
  auto f = DecodeWholeSerialFrame(frame, kSerialMaxMessage);
  ASSERT_TRUE(f.ok()) << f.error().detail;
  EXPECT_EQ(f->kind, SerialFrame::Kind::kMessage);
  EXPECT_EQ(f->size, frame.size());
  EXPECT_EQ(f->message, message);
  // The message inside decodes as ccid.h's reply.
  auto reply = DecodeReply(f->message, kDataBlock, 0, 1);
  ASSERT_TRUE(reply.ok()) << reply.error().detail;
  EXPECT_EQ(reply->data, (Bytes{0x3B, 0x00}));
}

TEST(CcidSerialFrame, DecodesNakSlotChangeAndTimeRequest) {
  auto nak = DecodeWholeSerialFrame(Bytes{0x03, 0x15, 0x16}, kSerialMaxMessage);
  ASSERT_TRUE(nak.ok()) << nak.error().detail;
  EXPECT_EQ(nak->kind, SerialFrame::Kind::kNak);
  auto in = DecodeWholeSerialFrame(Bytes{0x50, 0x03}, kSerialMaxMessage);
  ASSERT_TRUE(in.ok());
  EXPECT_EQ(in->kind, SerialFrame::Kind::kSlotChange);
  EXPECT_TRUE(in->card_present);
  auto out = DecodeWholeSerialFrame(Bytes{0x50, 0x02}, kSerialMaxMessage);
  ASSERT_TRUE(out.ok());
  EXPECT_FALSE(out->card_present);
  auto wait = DecodeWholeSerialFrame(Bytes{0x83}, kSerialMaxMessage);
  ASSERT_TRUE(wait.ok());
  EXPECT_EQ(wait->kind, SerialFrame::Kind::kTimeRequest);
}

TEST(CcidSerialFrame, AFrameSplitAnywhereNeedsMoreBytes) {
  for (std::size_t n = 0; n < kSlotStatusFrame.size(); ++n) {
    auto f = DecodeSerialFrame(std::span(kSlotStatusFrame).first(n), kSerialMaxMessage);
    ASSERT_TRUE(f.ok()) << n;
    EXPECT_FALSE(f->has_value()) << n;
  }
}

TEST(CcidSerialFrame, BadFramesAreClearErrors) {
  struct Case {
    Bytes bytes;
    const char* says;
  };
  Bytes bad_lrc = kSlotStatusFrame;
  bad_lrc.back() ^= 0x01;
  Bytes long_frame = kSlotStatusFrame;
  long_frame.push_back(0x00);
  // dwLength 0x01000000: far beyond the 271-byte serial message.
  const Bytes huge = {0x03, 0x06, 0x80, 0x00, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0x84};
  // dwLength 1 where no data byte follows: the next byte is taken as data, then the LRC is short.
  const Bytes wrong_length = {0x03, 0x06, 0x81, 0x01, 0, 0, 0, 0, 0, 0x01, 0, 0, 0x84};
  const Case cases[] = {
      {{0x02, 0x06}, "instead of SYNC"},
      {{0x03, 0x07}, "neither ACK nor NAK"},
      {{0x03, 0x15, 0x00}, "NAK frame with LRC"},
      {{0x50, 0x07}, "card movement"},
      {bad_lrc, "LRC"},
      {huge, "more than the reader's 271"},
      {long_frame, "long frame"},
      {wrong_length, "short frame"},
      {{0x03, 0x06, 0x81}, "short frame"},
  };
  for (const Case& c : cases) {
    auto f = DecodeWholeSerialFrame(c.bytes, kSerialMaxMessage);
    ASSERT_FALSE(f.ok()) << c.says;
    EXPECT_EQ(f.error().kind, ErrorKind::kParse);
    EXPECT_NE(f.error().detail.find(c.says), std::string::npos) << f.error().detail;
  }
}

// A serial port that hands out scripted bytes, one chunk per Read, and records writes.
class ScriptedPort final : public io::SerialPort {
 public:
  explicit ScriptedPort(std::deque<Bytes> chunks) : chunks_(std::move(chunks)) {}
  Result<void> Write(std::span<const std::uint8_t> bytes, io::Deadline) override {
    written.emplace_back(bytes.begin(), bytes.end());
    return Ok();
  }
  Result<std::size_t> Read(std::span<std::uint8_t> buffer, io::Deadline) override {
    if (chunks_.empty()) return std::size_t{0};  // the deadline passed with nothing
    Bytes& chunk = chunks_.front();
    const std::size_t n = std::min(buffer.size(), chunk.size());
    std::copy_n(chunk.begin(), n, buffer.begin());
    chunk.erase(chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(n));
    if (chunk.empty()) chunks_.pop_front();
    return n;
  }
  Result<void> DiscardInput() override { return Ok(); }
  std::vector<Bytes> written;

 private:
  std::deque<Bytes> chunks_;
};

io::Deadline Soon() { return io::Deadline::In(std::chrono::seconds(1)); }

TEST(SerialCcidTransport, SkipsEchoNoticesAndTimeRequestsThenGivesTheReply) {
  Bytes stream = kGetSlotStatusFrame;  // the echo
  stream.insert(stream.end(), {0x50, 0x03, 0x85});
  stream.insert(stream.end(), kSlotStatusFrame.begin(), kSlotStatusFrame.end());
  // Split mid-frame, as a UART delivers it.
  ScriptedPort port(
      {Bytes(stream.begin(), stream.begin() + 7), Bytes(stream.begin() + 7, stream.end())});
  SerialCcidTransport transport(port);
  CcidSession session(transport);
  auto slot = session.GetSlotStatus(Soon());
  ASSERT_TRUE(slot.ok()) << slot.error().detail;
  EXPECT_EQ(slot->icc, IccStatus::kInactive);
  ASSERT_EQ(port.written.size(), 1u);
  EXPECT_EQ(port.written[0], kGetSlotStatusFrame);
}

TEST(SerialCcidTransport, ResendsTheFrameOnNak) {
  Bytes after = kSlotStatusFrame;
  ScriptedPort port({{0x03, 0x15, 0x16}, after});
  SerialCcidTransport transport(port);
  CcidSession session(transport);
  auto slot = session.GetSlotStatus(Soon());
  ASSERT_TRUE(slot.ok()) << slot.error().detail;
  ASSERT_EQ(port.written.size(), 2u);
  EXPECT_EQ(port.written[1], kGetSlotStatusFrame);
}

TEST(SerialCcidTransport, GivesUpAfterRepeatedNaks) {
  ScriptedPort port(
      {{0x03, 0x15, 0x16}, {0x03, 0x15, 0x16}, {0x03, 0x15, 0x16}, {0x03, 0x15, 0x16}});
  SerialCcidTransport transport(port);
  CcidSession session(transport);
  auto slot = session.GetSlotStatus(Soon());
  ASSERT_FALSE(slot.ok());
  EXPECT_EQ(slot.error().kind, ErrorKind::kIo);
  EXPECT_NE(slot.error().detail.find("NAK"), std::string::npos) << slot.error().detail;
  EXPECT_EQ(port.written.size(), 4u);  // the frame and three resends
}

TEST(SerialCcidTransport, SilenceAndAStopMidFrameAreTimeouts) {
  {
    ScriptedPort port({});
    SerialCcidTransport transport(port);
    auto slot = CcidSession(transport).GetSlotStatus(Soon());
    ASSERT_FALSE(slot.ok());
    EXPECT_EQ(slot.error().kind, ErrorKind::kTimeout);
  }
  {
    ScriptedPort port({Bytes(kSlotStatusFrame.begin(), kSlotStatusFrame.begin() + 5)});
    SerialCcidTransport transport(port);
    auto slot = CcidSession(transport).GetSlotStatus(Soon());
    ASSERT_FALSE(slot.ok());
    EXPECT_EQ(slot.error().kind, ErrorKind::kTimeout);
    EXPECT_NE(slot.error().detail.find("mid-frame after 5 bytes"), std::string::npos)
        << slot.error().detail;
  }
}

TEST(SerialCcidTransport, GarbageIsAParseError) {
  ScriptedPort port({{0x00, 0xFF, 0x81}});
  SerialCcidTransport transport(port);
  auto slot = CcidSession(transport).GetSlotStatus(Soon());
  ASSERT_FALSE(slot.ok());
  EXPECT_EQ(slot.error().kind, ErrorKind::kParse);
}

}  // namespace
}  // namespace posdiag::drivers::card_reader
