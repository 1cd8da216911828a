#include "drivers/printer/printer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <string>
#include <thread>
#include <vector>

namespace posdiag::drivers::printer {
namespace {

using std::chrono::milliseconds;

// Answers each DLE EOT with the scripted bytes for that query; an error entry fails the read.
class FakeTransport final : public PrinterTransport {
 public:
  struct Answer {
    std::vector<std::uint8_t> bytes;
    bool fail = false;
  };
  explicit FakeTransport(std::deque<Answer> answers) : answers_(std::move(answers)) {}

  std::string_view Kind() const override { return "fake"; }
  Result<void> Write(std::span<const std::uint8_t> bytes, io::Deadline) override {
    written.insert(written.end(), bytes.begin(), bytes.end());
    pending_ = true;
    return Ok();
  }
  Result<std::size_t> Read(std::span<std::uint8_t> buffer, io::Deadline deadline) override {
    if (!pending_ || answers_.empty()) {
      std::this_thread::sleep_until(deadline.at());  // a silent printer
      return std::size_t{0};
    }
    pending_ = false;
    Answer a = std::move(answers_.front());
    answers_.pop_front();
    if (a.fail) return Error{ErrorKind::kIo, "the other end closed"};
    const std::size_t n = std::min(a.bytes.size(), buffer.size());
    std::copy_n(a.bytes.begin(), n, buffer.begin());
    return n;
  }
  Result<void> DiscardInput() override { return Ok(); }

  std::vector<std::uint8_t> written;

 private:
  std::deque<Answer> answers_;
  bool pending_ = false;
};

TEST(QueryStatus, AsksOneToFourAndCountsBytes) {
  FakeTransport t({{{0x1A}}, {{0x32}}, {{0x12}}, {{0x72}}});
  const StatusReading r = QueryStatus(t, io::Deadline::In(milliseconds(2000)));
  EXPECT_TRUE(r.responds);
  EXPECT_FALSE(r.connection_lost);
  EXPECT_EQ(t.written, (std::vector<std::uint8_t>{0x10, 0x04, 1, 0x10, 0x04, 2, 0x10, 0x04, 3, 0x10,
                                                  0x04, 4}));
  EXPECT_EQ(r.bytes_sent, 12u);
  EXPECT_EQ(r.bytes_received, 4u);
  ASSERT_TRUE(r.replies[0].ok());
  EXPECT_TRUE(r.replies[0]->offline);
  ASSERT_TRUE(r.replies[1].ok());
  EXPECT_TRUE(r.replies[1]->stopped_paper_end);
  ASSERT_TRUE(r.replies[3].ok());
  EXPECT_TRUE(r.replies[3]->paper_end);
}

TEST(QueryStatus, SilentPrinterStopsAfterTheFirstQuery) {
  FakeTransport t({});
  const auto start = std::chrono::steady_clock::now();
  const StatusReading r = QueryStatus(t, io::Deadline::In(milliseconds(3000)));
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(2000));
  EXPECT_FALSE(r.responds);
  EXPECT_FALSE(r.connection_lost);
  EXPECT_EQ(r.bytes_sent, 3u);
  EXPECT_EQ(r.bytes_received, 0u);
  EXPECT_EQ(r.replies[0].error().kind, ErrorKind::kTimeout);
  EXPECT_NE(r.replies[3].error().detail.find("not asked"), std::string::npos);
}

TEST(QueryStatus, GarbageIsFramingErrorsNotAStatus) {
  FakeTransport t({{{0x00, 0xFF}}, {{0x81}}, {{0x00}}, {{0xFF, 0x11}}});
  const StatusReading r = QueryStatus(t, io::Deadline::In(milliseconds(3000)));
  EXPECT_FALSE(r.responds);
  EXPECT_EQ(r.framing_errors, 5u);
  EXPECT_EQ(r.bytes_received, 6u);
  for (const auto& reply : r.replies) {
    ASSERT_FALSE(reply.ok());
    EXPECT_EQ(reply.error().kind, ErrorKind::kParse);
  }
}

TEST(QueryStatus, DeviceGoneMidQueryIsALostConnection) {
  FakeTransport::Answer gone;
  gone.fail = true;
  FakeTransport t({{{0x12}}, gone});
  const StatusReading r = QueryStatus(t, io::Deadline::In(milliseconds(3000)));
  EXPECT_TRUE(r.responds);
  EXPECT_TRUE(r.connection_lost);
  EXPECT_TRUE(r.replies[0].ok());
  EXPECT_EQ(r.replies[1].error().kind, ErrorKind::kIo);
  EXPECT_NE(r.replies[2].error().detail.find("closed"), std::string::npos);
}

TEST(QueryStatus, EndsAtTheDeadline) {
  FakeTransport t({});
  const auto start = std::chrono::steady_clock::now();
  const StatusReading r = QueryStatus(t, io::Deadline::In(milliseconds(200)));
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(600));
  EXPECT_FALSE(r.responds);
}

TEST(TestSlip, InitialisesPrintsFeedsAndCuts) {
  const std::vector<std::uint8_t> slip = BuildTestSlip("2026-11-21 07:30\x01");
  const std::string text(slip.begin(), slip.end());
  EXPECT_EQ(text.substr(0, 2), "\x1B\x40");
  EXPECT_NE(text.find("posdiag test slip\n2026-11-21 07:30?\n"), std::string::npos);
  EXPECT_EQ(text.substr(text.size() - 6), std::string("\x1B\x64\x04\x1D\x56\x01", 6));
}

TEST(TestSlip, WritesTheSlipAndCountsIt) {
  FakeTransport t({});
  auto sent = PrintTestSlip(t, "now", io::Deadline::In(milliseconds(500)));
  ASSERT_TRUE(sent.ok()) << sent.error().detail;
  EXPECT_EQ(*sent, t.written.size());
  EXPECT_EQ(t.written, BuildTestSlip("now"));
}

}  // namespace
}  // namespace posdiag::drivers::printer
