#include "drivers/modem/modem.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <thread>

namespace posdiag::drivers::modem {
namespace {

using std::chrono::milliseconds;

// A modem as a table: each command written gets its scripted reply (echo included, as ATE1).
// A command without an entry gets nothing back; Read then waits out the deadline, as a serial
// port does.
class ScriptedPort final : public io::SerialPort {
 public:
  std::map<std::string, std::string> replies;
  bool echo = true;
  std::vector<std::string> sent;
  int discards = 0;
  // Set (by on_command) when the port goes away: every call fails as on a hung-up line.
  bool gone = false;

  // Called with each command before it is answered: a modem whose answers change with its
  // settings.
  std::function<void(ScriptedPort&, const std::string&)> on_command;

  Result<void> Write(std::span<const std::uint8_t> bytes, io::Deadline) override {
    std::string cmd(bytes.begin(), bytes.end());
    if (!cmd.empty() && cmd.back() == '\r') cmd.pop_back();
    if (gone) return Error{ErrorKind::kIo, "write: the other end closed"};
    sent.push_back(cmd);
    if (on_command) on_command(*this, cmd);
    auto it = replies.find(cmd);
    if (it == replies.end()) return Ok();
    if (echo) pending_ += cmd + "\r";
    pending_ += it->second;
    return Ok();
  }
  Result<std::size_t> Read(std::span<std::uint8_t> buffer, io::Deadline deadline) override {
    if (gone && pending_.empty()) return Error{ErrorKind::kIo, "read: the other end closed"};
    if (pending_.empty()) {
      std::this_thread::sleep_until(deadline.at());
      return std::size_t{0};
    }
    // A few bytes at a time, as a UART delivers them.
    const std::size_t n = std::min<std::size_t>({buffer.size(), pending_.size(), 5});
    std::copy_n(pending_.begin(), n, buffer.begin());
    pending_.erase(0, n);
    return n;
  }
  Result<void> DiscardInput() override {
    if (gone) return Error{ErrorKind::kIo, "flush: the other end closed"};
    ++discards;
    pending_.clear();
    return Ok();
  }

 private:
  std::string pending_;
};

void Healthy(ScriptedPort& p) {
  p.replies = {{"AT", "\r\nOK\r\n"},
               {"ATE0", "\r\nOK\r\n"},
               {"AT+CMEE=1", "\r\nOK\r\n"},
               {"ATI", "\r\nQuectel\r\nEC25\r\n\r\nOK\r\n"},
               {"AT+CPIN?", "\r\n+CPIN: READY\r\n\r\nOK\r\n"},
               {"AT+CSQ", "\r\n+CSQ: 20,99\r\n\r\nOK\r\n"},
               {"AT+CREG?", "\r\n+CREG: 0,1\r\n\r\nOK\r\n"},
               {"AT+CEREG?", "\r\n+CEREG: 0,1\r\n\r\nOK\r\n"},
               {"AT+COPS?", "\r\n+COPS: 0,0,\"CHINA MOBILE\",7\r\n\r\nOK\r\n"}};
}

TEST(QueryModem, HealthyModemAskedInOrder) {
  ScriptedPort port;
  Healthy(port);
  const ModemReading r = QueryModem(port, io::Deadline::In(milliseconds(2000)));
  EXPECT_TRUE(r.responds);
  EXPECT_FALSE(r.garbled);
  EXPECT_EQ(port.sent, (std::vector<std::string>{"AT", "ATE0", "AT+CMEE=1", "ATI", "AT+CPIN?",
                                                 "AT+CSQ", "AT+CREG?", "AT+CEREG?", "AT+COPS?"}));
  EXPECT_EQ(port.discards, 9);
  EXPECT_TRUE(r.echo_off);
  EXPECT_TRUE(r.numeric_errors);
  EXPECT_FALSE(r.sim_state_unknown);
  EXPECT_EQ(r.identity.value(), "Quectel EC25");
  EXPECT_EQ(r.sim_status.value(), "READY");
  EXPECT_EQ(r.signal->dbm, -73);
  EXPECT_EQ(r.creg->stat, 1);
  EXPECT_EQ(r.cereg->stat, 1);
  EXPECT_EQ(r.op->name, "CHINA MOBILE");
  EXPECT_FALSE(r.cme_code);
}

TEST(QueryModem, NoSimIsACmeErrorKept) {
  ScriptedPort port;
  Healthy(port);
  port.replies["AT+CPIN?"] = "\r\n+CME ERROR: 10\r\n";
  port.replies["AT+CEREG?"] = "\r\nERROR\r\n";
  const ModemReading r = QueryModem(port, io::Deadline::In(milliseconds(2000)));
  EXPECT_EQ(r.sim_status.value(), "not inserted");
  EXPECT_EQ(r.cme_code, 10);
  EXPECT_EQ(r.cme_text, "SIM not inserted");
  ASSERT_FALSE(r.cereg);
  EXPECT_EQ(r.cereg.error().detail, "AT+CEREG?: the modem answered ERROR");
}

// terminal-setups.md: many modems start with AT+CMEE=0 and answer AT+CPIN? without a SIM with a
// bare ERROR; after AT+CMEE=1 the same modem names the cause.
TEST(QueryModem, NumericErrorsNameTheCause) {
  ScriptedPort port;
  Healthy(port);
  port.replies["AT+CPIN?"] = "\r\nERROR\r\n";
  port.on_command = [](ScriptedPort& p, const std::string& command) {
    if (command == "AT+CMEE=1") p.replies["AT+CPIN?"] = "\r\n+CME ERROR: 10\r\n";
  };
  const ModemReading r = QueryModem(port, io::Deadline::In(milliseconds(2000)));
  EXPECT_TRUE(r.numeric_errors);
  EXPECT_EQ(r.sim_status.value(), "not inserted");
  EXPECT_FALSE(r.sim_state_unknown);
  EXPECT_EQ(r.cme_code, 10);
}

// A modem that refuses both settings is asked all the same; its bare ERROR to AT+CPIN? leaves the
// SIM's state unknown, and says why.
TEST(QueryModem, RefusedSettingsStillQueried) {
  ScriptedPort port;
  Healthy(port);
  port.replies["ATE0"] = "\r\nERROR\r\n";
  port.replies["AT+CMEE=1"] = "\r\n+CME ERROR: 4\r\n";
  port.replies["AT+CPIN?"] = "\r\nERROR\r\n";
  port.replies["AT+CREG?"] = "\r\n+CREG: 0,0\r\n\r\nOK\r\n";
  port.replies["AT+CEREG?"] = "\r\n+CEREG: 0,0\r\n\r\nOK\r\n";
  const ModemReading r = QueryModem(port, io::Deadline::In(milliseconds(2000)));
  EXPECT_EQ(port.sent.size(), 9u);
  ASSERT_FALSE(r.echo_off);
  EXPECT_EQ(r.echo_off.error().detail, "ATE0: the modem answered ERROR");
  ASSERT_FALSE(r.numeric_errors);
  EXPECT_EQ(r.numeric_errors.error().detail, "AT+CMEE=1: +CME ERROR: 4 (operation not supported)");
  EXPECT_EQ(r.numeric_errors.error().kind, ErrorKind::kUnsupported);
  EXPECT_FALSE(r.cme_code);  // a refused setting is not the modem's last word on the terminal
  EXPECT_EQ(r.identity.value(), "Quectel EC25");
  EXPECT_TRUE(r.sim_state_unknown);
  ASSERT_FALSE(r.sim_status);
  EXPECT_NE(r.sim_status.error().detail.find("AT+CMEE=1 was not accepted"), std::string::npos)
      << r.sim_status.error().detail;
  EXPECT_EQ(r.creg->stat, 0);
  EXPECT_EQ(r.op->name, "CHINA MOBILE");
}

// With numeric errors on, an error to AT+CPIN? that is not a SIM state still leaves it unknown.
TEST(QueryModem, OtherCmeErrorLeavesTheSimStateUnknown) {
  ScriptedPort port;
  Healthy(port);
  port.replies["AT+CPIN?"] = "\r\n+CME ERROR: 3\r\n";
  const ModemReading r = QueryModem(port, io::Deadline::In(milliseconds(2000)));
  EXPECT_TRUE(r.sim_state_unknown);
  ASSERT_FALSE(r.sim_status);
  EXPECT_EQ(r.sim_status.error().detail, "AT+CPIN?: +CME ERROR: 3 (operation not allowed)");
  EXPECT_EQ(r.cme_code, 3);
}

TEST(QueryModem, SilentModemTriesThreeTimesWithinTheDeadline) {
  ScriptedPort port;  // answers nothing
  const auto start = std::chrono::steady_clock::now();
  const ModemReading r = QueryModem(port, io::Deadline::In(milliseconds(300)));
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_FALSE(r.responds);
  EXPECT_FALSE(r.garbled);
  EXPECT_LT(took, milliseconds(600));
  EXPECT_EQ(r.no_answer.kind, ErrorKind::kTimeout);
  EXPECT_NE(r.no_answer.detail.find("no reply within"), std::string::npos) << r.no_answer.detail;
  EXPECT_FALSE(r.identity);  // not asked
}

TEST(QueryModem, NoiseIsGarbledNotAReply) {
  ScriptedPort port;
  port.echo = false;
  port.replies["AT"] = "\xfe\x8f~\x01\xe3?x\x80\x9f +CS";
  const ModemReading r = QueryModem(port, io::Deadline::In(milliseconds(300)));
  EXPECT_FALSE(r.responds);
  EXPECT_TRUE(r.garbled);
  EXPECT_NE(r.no_answer.detail.find("not an AT reply"), std::string::npos) << r.no_answer.detail;
}

TEST(QueryModem, UnfinishedReplyIsATimeoutForThatField) {
  ScriptedPort port;
  Healthy(port);
  port.replies["AT+CSQ"] = "\r\n+CSQ: 20,";  // stops mid-line
  const ModemReading r = QueryModem(port, io::Deadline::In(milliseconds(1500)));
  EXPECT_TRUE(r.responds);
  ASSERT_FALSE(r.signal);
  EXPECT_EQ(r.signal.error().kind, ErrorKind::kTimeout);
  // The deadline is shared: the commands after it may not have had time; none hangs.
}

TEST(QueryModem, EndlessReplyIsCutShort) {
  ScriptedPort port;
  Healthy(port);
  port.replies["ATI"] = std::string(5000, 'A');
  const ModemReading r = QueryModem(port, io::Deadline::In(milliseconds(2000)));
  ASSERT_FALSE(r.identity);
  EXPECT_EQ(r.identity.error().kind, ErrorKind::kParse);
  EXPECT_EQ(r.sim_status.value(), "READY");  // the next command starts clean
}

// A modem that resets while AT+CSQ is outstanding: it drops the command and, once up again, says
// RDY (after noise from its UART, on some). The field that was cut is not measured, nothing more
// is asked (a modem just up is not registered yet), and what was measured before stands.
TEST(QueryModem, ARestartInTheMiddleOfACommandCutsTheDialogue) {
  for (const char* banner : {"\r\nRDY\r\n", "\xfe\x80\xff\r\nRDY\r\n", "\r\n^SYSSTART\r\n"}) {
    SCOPED_TRACE(banner);
    ScriptedPort port;
    Healthy(port);
    port.replies["AT+CSQ"] = banner;
    const ModemReading r = QueryModem(port, io::Deadline::In(milliseconds(5000)));
    EXPECT_TRUE(r.responds);
    EXPECT_TRUE(r.restarted);
    EXPECT_FALSE(r.connection_lost);
    EXPECT_EQ(r.identity.value(), "Quectel EC25");
    EXPECT_EQ(r.sim_status.value(), "READY");
    ASSERT_FALSE(r.signal);
    EXPECT_EQ(r.signal.error().kind, ErrorKind::kTimeout);
    EXPECT_NE(r.signal.error().detail.find("AT+CSQ: no reply: the modem restarted"),
              std::string::npos)
        << r.signal.error().detail;
    for (const auto* field : {&r.creg, &r.cereg}) {
      ASSERT_FALSE(*field);
      EXPECT_EQ(field->error().detail, "not asked: the modem restarted during AT+CSQ");
    }
    ASSERT_FALSE(r.op);
    EXPECT_EQ(port.sent.back(), "AT+CSQ");
  }
}

// The start-up lines of a modem that has only just come up arrive between answered replies, as
// URCs: not a restart.
TEST(QueryModem, StartUpLinesBesideAnAnswerAreNotARestart) {
  ScriptedPort port;
  Healthy(port);
  port.replies["ATE0"] = "\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\nOK\r\n";
  const ModemReading r = QueryModem(port, io::Deadline::In(milliseconds(2000)));
  EXPECT_FALSE(r.restarted);
  EXPECT_TRUE(r.echo_off);
  EXPECT_EQ(r.op->name, "CHINA MOBILE");
}

// A USB modem that resets leaves the bus: its port hangs up in the middle of AT+CPIN?, and the
// device that comes back is a new one. The dialogue ends there, said, without waiting.
TEST(QueryModem, APortLostInTheMiddleOfACommandCutsTheDialogue) {
  ScriptedPort port;
  Healthy(port);
  port.replies.erase("AT+CPIN?");
  port.on_command = [](ScriptedPort& p, const std::string& command) {
    if (command == "AT+CPIN?") p.gone = true;
  };
  const ModemReading r = QueryModem(port, io::Deadline::In(milliseconds(5000)));
  EXPECT_TRUE(r.responds);
  EXPECT_TRUE(r.connection_lost);
  EXPECT_FALSE(r.restarted);
  EXPECT_EQ(r.identity.value(), "Quectel EC25");
  ASSERT_FALSE(r.sim_status);
  EXPECT_EQ(r.sim_status.error().kind, ErrorKind::kIo);
  EXPECT_EQ(r.sim_status.error().detail, "AT+CPIN?: read: the other end closed");
  EXPECT_FALSE(r.sim_state_unknown);  // not answered at all: nothing known about the SIM
  ASSERT_FALSE(r.signal);
  EXPECT_EQ(r.signal.error().detail,
            "not asked: the connection to the modem was lost during AT+CPIN?");
  EXPECT_EQ(port.sent.back(), "AT+CPIN?");
}

// Gone before the first answer: not answering, and why.
TEST(QueryModem, APortLostAtTheFirstCommandIsAConnectionLost) {
  ScriptedPort port;
  port.gone = true;
  const ModemReading r = QueryModem(port, io::Deadline::In(milliseconds(2000)));
  EXPECT_FALSE(r.responds);
  EXPECT_TRUE(r.connection_lost);
  EXPECT_EQ(r.no_answer.kind, ErrorKind::kIo);
  EXPECT_TRUE(port.sent.empty());
}

}  // namespace
}  // namespace posdiag::drivers::modem
