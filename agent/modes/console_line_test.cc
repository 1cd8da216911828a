#include "agent/modes/console_line.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "agent/report_id.h"

namespace posdiag::agent {
namespace {

struct Fed {
  std::vector<LineEvent> events;
  std::string echo;
};

// Feeds everything, collecting every line event, as the console does.
Fed FeedAll(LineAssembler& a, std::string_view bytes) {
  Fed fed;
  std::span<const std::uint8_t> in(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                   bytes.size());
  while (!in.empty()) {
    LineEvent e;
    const std::size_t used = a.Feed(in, e, fed.echo);
    EXPECT_GT(used, 0u);
    in = in.subspan(used);
    if (e.status != LineStatus::kNone) fed.events.push_back(e);
  }
  return fed;
}

TEST(LineAssembler, EndsLinesOnCrLfOrCrlf) {
  LineAssembler a(64);
  const Fed fed = FeedAll(a, "help\rstatus\ncodes\r\nlog\r");
  ASSERT_EQ(fed.events.size(), 4u);
  EXPECT_EQ(fed.events[0].text, "help");
  EXPECT_EQ(fed.events[1].text, "status");
  EXPECT_EQ(fed.events[2].text, "codes");
  EXPECT_EQ(fed.events[3].text, "log");
  EXPECT_EQ(fed.echo, "help\r\nstatus\r\ncodes\r\nlog\r\n");
}

TEST(LineAssembler, CrlfSplitAcrossCallsIsOneLineEnd) {
  LineAssembler a(64);
  Fed first = FeedAll(a, "help\r");
  Fed second = FeedAll(a, "\nstatus\r\n");
  ASSERT_EQ(first.events.size(), 1u);
  ASSERT_EQ(second.events.size(), 1u);
  EXPECT_EQ(second.events[0].text, "status");
}

TEST(LineAssembler, EmptyLinesAreLines) {
  LineAssembler a(64);
  const Fed fed = FeedAll(a, "\r\n\n");
  ASSERT_EQ(fed.events.size(), 2u);
  EXPECT_EQ(fed.events[0].text, "");
}

TEST(LineAssembler, BackspaceAndDelEditAndEchoErase) {
  LineAssembler a(64);
  const Fed fed = FeedAll(a, "helx\bp\r");
  ASSERT_EQ(fed.events.size(), 1u);
  EXPECT_EQ(fed.events[0].text, "help");
  EXPECT_EQ(fed.echo, "helx\b \bp\r\n");
  const Fed del = FeedAll(a, "st\x7f\x7f\x7fstatus\r");
  EXPECT_EQ(del.events[0].text, "status");
  EXPECT_EQ(del.echo, "st\b \b\b \bstatus\r\n");  // nothing to erase: nothing echoed
}

TEST(LineAssembler, CtrlUErasesCtrlCCancels) {
  LineAssembler a(64);
  Fed fed = FeedAll(a, "garbage\x15help\r");
  ASSERT_EQ(fed.events.size(), 1u);
  EXPECT_EQ(fed.events[0].text, "help");
  fed = FeedAll(a, "run eng\x03");
  ASSERT_EQ(fed.events.size(), 1u);
  EXPECT_EQ(fed.events[0].status, LineStatus::kCancelled);
  EXPECT_EQ(a.pending(), 0u);
}

TEST(LineAssembler, TabIsASpace) {
  LineAssembler a(64);
  const Fed fed = FeedAll(a, "log\t5\r");
  EXPECT_EQ(fed.events.at(0).text, "log 5");
}

TEST(LineAssembler, ControlBytesAndNonAsciiRejectTheLine) {
  LineAssembler a(64);
  const Fed fed = FeedAll(a, "he\x1b[Alp\rst\xc3\xa4tus\r\x01\rhelp\r");
  ASSERT_EQ(fed.events.size(), 4u);
  EXPECT_EQ(fed.events[0].status, LineStatus::kBadBytes);
  EXPECT_EQ(fed.events[1].status, LineStatus::kBadBytes);
  EXPECT_EQ(fed.events[2].status, LineStatus::kBadBytes);
  EXPECT_EQ(fed.events[3].status, LineStatus::kLine);
  EXPECT_EQ(fed.events[3].text, "help");
  EXPECT_EQ(fed.echo.find('\x1b'), std::string::npos);  // noise is never echoed back
}

TEST(LineAssembler, LongLineIsRejectedAndDiscardedToItsEnd) {
  LineAssembler a(16);
  const Fed fed = FeedAll(a, std::string(100, 'x') + "\rhelp\r");
  ASSERT_EQ(fed.events.size(), 2u);
  EXPECT_EQ(fed.events[0].status, LineStatus::kTooLong);
  EXPECT_EQ(fed.events[1].text, "help");
  // Exactly max_line is fine.
  const Fed exact = FeedAll(a, std::string(16, 'y') + "\r");
  EXPECT_EQ(exact.events.at(0).status, LineStatus::kLine);
}

TEST(LineAssembler, FloodWithoutLineEndStaysBounded) {
  LineAssembler a(256);
  std::string noise(1 << 20, 'A');
  for (std::size_t i = 0; i < noise.size(); i += 7) noise[i] = static_cast<char>(i % 256);
  for (auto& c : noise) {
    if (c == '\r' || c == '\n' || c == 0x03) c = 'B';
  }
  LineEvent e;
  std::string echo;
  std::span<const std::uint8_t> in(reinterpret_cast<const std::uint8_t*>(noise.data()),
                                   noise.size());
  EXPECT_EQ(a.Feed(in, e, echo), noise.size());
  EXPECT_EQ(e.status, LineStatus::kNone);
  EXPECT_LE(a.pending(), 256u);
  EXPECT_LE(echo.size(), 256u * 4);
}

TEST(LineAssembler, EchoOffShowsNothing) {
  LineAssembler a(64);
  a.set_echo(false);
  const Fed fed = FeedAll(a, "1234\b5\r");
  EXPECT_EQ(fed.events.at(0).text, "1235");
  EXPECT_EQ(fed.echo, "\r\n");
}

TEST(LineAssembler, FeedStopsAfterEachLine) {
  LineAssembler a(64);
  const std::string two = "login\r1234\r";
  LineEvent e;
  std::string echo;
  std::span<const std::uint8_t> in(reinterpret_cast<const std::uint8_t*>(two.data()), two.size());
  EXPECT_EQ(a.Feed(in, e, echo), 6u);
  EXPECT_EQ(e.text, "login");
  a.set_echo(false);  // the console turns echo off before the PIN is fed
  echo.clear();
  EXPECT_EQ(a.Feed(in.subspan(6), e, echo), 5u);
  EXPECT_EQ(e.text, "1234");
  EXPECT_EQ(echo, "\r\n");
}

TEST(ParseCommand, SimpleCommandsCaseInsensitive) {
  EXPECT_EQ(ParseCommand("help")->name, CommandName::kHelp);
  EXPECT_EQ(ParseCommand("  STATUS  ")->name, CommandName::kStatus);
  EXPECT_EQ(ParseCommand("Codes")->name, CommandName::kCodes);
  EXPECT_EQ(ParseCommand("login")->name, CommandName::kLogin);
  EXPECT_EQ(ParseCommand("exit")->name, CommandName::kExit);
  EXPECT_FALSE(ParseCommand("help me"));
  EXPECT_FALSE(ParseCommand(""));
}

TEST(ParseCommand, ReportRunTest) {
  EXPECT_EQ(ParseCommand("report")->word, "text");
  EXPECT_EQ(ParseCommand("report JSON")->word, "json");
  EXPECT_FALSE(ParseCommand("report xml"));
  EXPECT_EQ(ParseCommand("run engineer")->word, "engineer");
  const auto bad = ParseCommand("run");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().detail, "usage: run boot|merchant|engineer");
  EXPECT_EQ(ParseCommand("test slip")->name, CommandName::kTest);
  EXPECT_EQ(ParseCommand("test Slip")->word, "slip");
  EXPECT_FALSE(ParseCommand("test"));
  EXPECT_FALSE(ParseCommand("test slip chip"));
  EXPECT_FALSE(ParseCommand("test sl1p"));
}

TEST(ParseCommand, Counts) {
  EXPECT_EQ(ParseCommand("history")->count, kDefaultHistoryCount);
  EXPECT_EQ(ParseCommand("history 3")->count, 3u);
  EXPECT_EQ(ParseCommand("log")->count, kDefaultLogLines);
  EXPECT_EQ(ParseCommand("log 1000")->count, 1000u);
  EXPECT_FALSE(ParseCommand("log 0"));
  EXPECT_FALSE(ParseCommand("log 1001"));
  EXPECT_FALSE(ParseCommand("log -1"));
  EXPECT_FALSE(ParseCommand("log 99999999999999999999999"));
  EXPECT_FALSE(ParseCommand("history 2x"));
}

TEST(ParseCommand, ShowChecksTheReportId) {
  const std::string id = NewReportId();
  auto ok = ParseCommand("show " + id);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->word, id);
  // Read as Crockford allows: lower case, no dash.
  std::string loose;
  for (char c : id) {
    if (c != '-') loose.push_back(static_cast<char>(std::tolower(c)));
  }
  EXPECT_EQ(ParseCommand("show " + loose)->word, id);
  // One symbol changed: the check symbol catches it.
  std::string typo = id;
  typo[0] = typo[0] == '7' ? '8' : '7';
  auto bad = ParseCommand("show " + typo);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().detail.find("check symbol"), std::string::npos) << bad.error().detail;
  auto short_id = ParseCommand("show 7KQ2");
  ASSERT_FALSE(short_id);
  EXPECT_NE(short_id.error().detail.find("8 symbols"), std::string::npos);
  auto foreign = ParseCommand("show 7KQ2-M9U4");
  ASSERT_FALSE(foreign);
  EXPECT_NE(foreign.error().detail.find("not in report IDs"), std::string::npos);
}

TEST(ParseCommand, UnknownCommandIsNamedAndCut) {
  auto bad = ParseCommand("frobnicate now");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().detail, "unknown command \"frobnicate\" (type help)");
  auto longer = ParseCommand(std::string(200, 'z'));
  ASSERT_FALSE(longer);
  EXPECT_LT(longer.error().detail.size(), 80u);
}

TEST(CommandWord, NamesTheCommandWhateverItsArguments) {
  EXPECT_EQ(CommandWord("SHOW not-an-id"), CommandName::kShow);
  EXPECT_EQ(CommandWord("  log x y"), CommandName::kLog);
  EXPECT_EQ(CommandWord("quit"), CommandName::kExit);
  EXPECT_FALSE(CommandWord("frobnicate"));
  EXPECT_FALSE(CommandWord(""));
}

TEST(NeedsPin, OnlyHelpStatusAndSessionCommandsAreFree) {
  EXPECT_FALSE(NeedsPin(CommandName::kHelp));
  EXPECT_FALSE(NeedsPin(CommandName::kStatus));
  EXPECT_FALSE(NeedsPin(CommandName::kLogin));
  EXPECT_TRUE(NeedsPin(CommandName::kReport));
  EXPECT_TRUE(NeedsPin(CommandName::kCodes));
  EXPECT_TRUE(NeedsPin(CommandName::kTest));
  EXPECT_TRUE(NeedsPin(CommandName::kShow));
}

}  // namespace
}  // namespace posdiag::agent
