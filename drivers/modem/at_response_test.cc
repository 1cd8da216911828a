#include "drivers/modem/at_response.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace posdiag::drivers::modem {
namespace {

AtReply Scan(std::string_view command, std::string_view bytes) {
  auto r = ScanReply(command, bytes);
  EXPECT_TRUE(r.has_value()) << "incomplete: " << bytes;
  return r.value_or(AtReply{});
}

TEST(ScanReply, DropsEchoAndBlankLines) {
  const AtReply r = Scan("AT+CSQ", "AT+CSQ\r\r\n+CSQ: 20,99\r\n\r\nOK\r\n");
  EXPECT_EQ(r.result, FinalResult::kOk);
  ASSERT_EQ(r.lines.size(), 1u);
  EXPECT_EQ(r.lines[0], "+CSQ: 20,99");
}

TEST(ScanReply, WithoutEcho) {
  const AtReply r = Scan("AT", "\r\nOK\r\n");
  EXPECT_EQ(r.result, FinalResult::kOk);
  EXPECT_TRUE(r.lines.empty());
}

TEST(ScanReply, IncompleteUntilTheFinalResult) {
  EXPECT_FALSE(ScanReply("AT+CSQ", ""));
  EXPECT_FALSE(ScanReply("AT+CSQ", "AT+CSQ\r"));
  EXPECT_FALSE(ScanReply("AT+CSQ", "AT+CSQ\r\r\n+CSQ: 20,99\r\n"));
  EXPECT_FALSE(ScanReply("AT+CSQ", "AT+CSQ\r\r\n+CSQ: 20,99\r\n\r\nOK"));  // OK not yet ended
}

TEST(ScanReply, ErrorsAndCmeErrors) {
  EXPECT_EQ(Scan("AT+CEREG?", "\r\nERROR\r\n").result, FinalResult::kError);
  const AtReply cme = Scan("AT+CPIN?", "AT+CPIN?\r\r\n+CME ERROR: 10\r\n");
  EXPECT_EQ(cme.result, FinalResult::kCmeError);
  EXPECT_EQ(cme.cme_code, 10);
  EXPECT_EQ(cme.cme_text, "SIM not inserted");
  const AtReply verbose = Scan("AT+CPIN?", "\r\n+CME ERROR: SIM not inserted\r\n");
  EXPECT_FALSE(verbose.cme_code);
  EXPECT_EQ(verbose.cme_text, "SIM not inserted");
}

TEST(ScanReply, NoiseBeforeTheReplyIsAnInformationLine) {
  const AtReply r = Scan("AT", "\xfe\x81\r\nOK\r\n");
  EXPECT_EQ(r.result, FinalResult::kOk);
  EXPECT_EQ(r.lines.size(), 1u);
  EXPECT_TRUE(LooksLikeNoise("\xfe\x81"));
  EXPECT_FALSE(LooksLikeNoise("AT\r\r\nOK\r\n"));
}

TEST(HasStartupLine, WholeLinesOnly) {
  EXPECT_TRUE(HasStartupLine("\r\nRDY\r\n"));
  EXPECT_TRUE(HasStartupLine("AT+CSQ\r\xfe\x81\r\nRDY\r\n"));
  EXPECT_TRUE(HasStartupLine("\r\n^SYSSTART\r\n"));
  EXPECT_FALSE(HasStartupLine("\r\nRDY"));  // not ended yet
  EXPECT_FALSE(HasStartupLine("\r\n+CSQ: 20,99\r\n\r\nOK\r\n"));
  EXPECT_FALSE(HasStartupLine("\r\nREADY\r\n\r\n+CPIN: READY\r\n"));
}

// terminal-setups.md: URCs ("RDY", "+CPIN: READY", "SMS DONE") arrive between replies, so one may
// come before the echo of the next command.
TEST(ScanReply, UrcBeforeTheEcho) {
  const AtReply r = Scan("ATI", "\r\nRDY\r\nATI\r\r\nQuectel\r\n\r\nOK\r\n");
  EXPECT_EQ(r.result, FinalResult::kOk);
  EXPECT_EQ(r.lines, (std::vector<std::string>{"RDY", "Quectel"}));
  const AtReply csq = Scan("AT+CSQ", "\r\nSMS DONE\r\nAT+CSQ\r\r\n+CSQ: 20,99\r\n\r\nOK\r\n");
  EXPECT_EQ(ParseCsq(csq)->rssi, 20);
}

TEST(ExpectOk, OkOrTheErrorItStandsFor) {
  EXPECT_TRUE(ExpectOk(Scan("ATE0", "ATE0\r\r\nOK\r\n")));
  const auto plain = ExpectOk(Scan("AT+CMEE=1", "\r\nERROR\r\n"));
  ASSERT_FALSE(plain);
  EXPECT_EQ(plain.error().detail, "the modem answered ERROR");
  const auto cme = ExpectOk(Scan("AT+CMEE=1", "\r\n+CME ERROR: 4\r\n"));
  ASSERT_FALSE(cme);
  EXPECT_EQ(cme.error().detail, "+CME ERROR: 4 (operation not supported)");
}

TEST(ParseCpin, StatesAndErrors) {
  EXPECT_EQ(ParseCpin(Scan("AT+CPIN?", "\r\n+CPIN: READY\r\n\r\nOK\r\n")).value(), "READY");
  EXPECT_EQ(ParseCpin(Scan("AT+CPIN?", "\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n")).value(), "SIM PIN");
  EXPECT_EQ(ParseCpin(Scan("AT+CPIN?", "\r\n+CPIN: SIM PUK\r\n\r\nOK\r\n")).value(), "SIM PUK");
  EXPECT_EQ(ParseCpin(Scan("AT+CPIN?", "\r\n+CME ERROR: 10\r\n")).value(), "not inserted");
  EXPECT_EQ(ParseCpin(Scan("AT+CPIN?", "\r\n+CME ERROR: 13\r\n")).value(), "failure");
  EXPECT_EQ(ParseCpin(Scan("AT+CPIN?", "\r\n+CME ERROR: SIM PUK required\r\n")).value(), "SIM PUK");
  auto other = ParseCpin(Scan("AT+CPIN?", "\r\n+CME ERROR: 3\r\n"));
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().detail, "+CME ERROR: 3 (operation not allowed)");
  auto missing = ParseCpin(Scan("AT+CPIN?", "\r\nOK\r\n"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, ErrorKind::kParse);
  EXPECT_FALSE(ParseCpin(Scan("AT+CPIN?", "\r\n+CPIN: \x01\x02\r\nOK\r\n")));
}

TEST(ParseCsq, DbmAndUnknowns) {
  auto s = ParseCsq(Scan("AT+CSQ", "\r\n+CSQ: 20,99\r\n\r\nOK\r\n"));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->rssi, 20);
  EXPECT_EQ(s->dbm, -73);
  EXPECT_FALSE(s->ber);
  EXPECT_EQ(ParseCsq(Scan("AT+CSQ", "\r\n+CSQ: 0,0\r\nOK\r\n"))->dbm, -113);
  EXPECT_EQ(ParseCsq(Scan("AT+CSQ", "\r\n+CSQ: 31,7\r\nOK\r\n"))->dbm, -51);
  EXPECT_EQ(ParseCsq(Scan("AT+CSQ", "\r\n+CSQ: 31,7\r\nOK\r\n"))->ber, 7);
  auto unknown = ParseCsq(Scan("AT+CSQ", "\r\n+CSQ: 99,99\r\nOK\r\n"));
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->rssi, 99);
  EXPECT_FALSE(unknown->dbm);
  for (const char* bad :
       {"\r\n+CSQ: 32,0\r\nOK\r\n", "\r\n+CSQ: 20\r\nOK\r\n", "\r\n+CSQ: -1,0\r\nOK\r\n",
        "\r\n+CSQ: 20,8\r\nOK\r\n", "\r\n+CSQ: a,b\r\nOK\r\n", "\r\n+CSQ: 20,99,1\r\nOK\r\n"}) {
    auto r = ParseCsq(Scan("AT+CSQ", bad));
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().kind, ErrorKind::kParse);
  }
}

TEST(ParseRegistration, QueryAndUnsolicitedForms) {
  auto r = ParseRegistration(Scan("AT+CEREG?", "\r\n+CEREG: 2,5,\"1A2B\",\"01C3D4E5\",7\r\nOK\r\n"),
                             "+CEREG");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->n, 2);
  EXPECT_EQ(r->stat, 5);
  EXPECT_EQ(ParseRegistration(Scan("AT+CREG?", "\r\n+CREG: 3\r\nOK\r\n"), "+CREG")->stat, 3);
  EXPECT_FALSE(ParseRegistration(Scan("AT+CREG?", "\r\n+CREG: 0,12\r\nOK\r\n"), "+CREG"));
  // The +CREG line does not answer a +CEREG question.
  EXPECT_FALSE(ParseRegistration(Scan("AT+CEREG?", "\r\n+CREG: 0,1\r\nOK\r\n"), "+CEREG"));
  auto err = ParseRegistration(Scan("AT+CEREG?", "\r\nERROR\r\n"), "+CEREG");
  ASSERT_FALSE(err);
  EXPECT_EQ(err.error().kind, ErrorKind::kUnsupported);
}

TEST(RegistrationState, Names) {
  EXPECT_EQ(RegistrationState(0), "not_registered");
  EXPECT_EQ(RegistrationState(1), "home");
  EXPECT_EQ(RegistrationState(2), "searching");
  EXPECT_EQ(RegistrationState(3), "denied");
  EXPECT_EQ(RegistrationState(4), "unknown");
  EXPECT_EQ(RegistrationState(5), "roaming");
  EXPECT_EQ(RegistrationState(42), "unknown");
  EXPECT_TRUE(IsRegistered(1));
  EXPECT_TRUE(IsRegistered(5));
  EXPECT_FALSE(IsRegistered(2));
  EXPECT_FALSE(IsRegistered(6));  // SMS only: no data for payments
}

TEST(ParseCops, OperatorAndAccessTech) {
  auto op = ParseCops(Scan("AT+COPS?", "\r\n+COPS: 0,0,\"CHINA MOBILE\",7\r\n\r\nOK\r\n"));
  ASSERT_TRUE(op);
  EXPECT_EQ(op->mode, 0);
  EXPECT_EQ(op->format, 0);
  EXPECT_EQ(op->name, "CHINA MOBILE");
  EXPECT_EQ(op->access_tech, 7);
  EXPECT_EQ(AccessTechName(7), "LTE");
  EXPECT_EQ(AccessTechName(0), "GSM");
  EXPECT_EQ(AccessTechName(2), "UMTS");
  auto numeric = ParseCops(Scan("AT+COPS?", "\r\n+COPS: 1,2,\"46001\"\r\nOK\r\n"));
  ASSERT_TRUE(numeric);
  EXPECT_EQ(numeric->name, "46001");
  EXPECT_FALSE(numeric->access_tech);
  auto none = ParseCops(Scan("AT+COPS?", "\r\n+COPS: 0\r\nOK\r\n"));
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->name);
  EXPECT_FALSE(ParseCops(Scan("AT+COPS?", "\r\n+COPS: 0,0\r\nOK\r\n")));
  EXPECT_FALSE(ParseCops(Scan("AT+COPS?", "\r\n+COPS: 9,0,\"X\",7\r\nOK\r\n")));
  EXPECT_FALSE(ParseCops(Scan("AT+COPS?", "\r\n+COPS: 0,0,\"X\",99\r\nOK\r\n")));
}

TEST(ParseIdentity, JoinsLinesAndMasksControlBytes) {
  EXPECT_EQ(ParseIdentity(Scan("ATI", "ATI\r\r\nQuectel\r\nEC25\r\n\r\nOK\r\n")).value(),
            "Quectel EC25");
  EXPECT_EQ(ParseIdentity(Scan("ATI", "\r\nA\x01Z\r\nOK\r\n")).value(), "A?Z");
  EXPECT_FALSE(ParseIdentity(Scan("ATI", "\r\nOK\r\n")));
  const std::string long_line = "\r\n" + std::string(400, 'x') + "\r\nOK\r\n";
  EXPECT_EQ(ParseIdentity(Scan("ATI", long_line))->size(), 200u);
}

}  // namespace
}  // namespace posdiag::drivers::modem
