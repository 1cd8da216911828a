// A cellular modem on a serial port, asked the way ModemManager asks it: AT (up to three tries),
// ATE0 and AT+CMEE=1, then ATI, AT+CPIN?, AT+CSQ, AT+CREG?, AT+CEREG?, AT+COPS?, each under its
// own deadline (ModemManager's timeouts) and all under the caller's. Returns typed readings, field
// by field; knows nothing of facts or rules. Besides the queries, only the two settings
// ModemManager itself makes on a port it opens are sent: echo off and numeric +CME ERROR codes
// (many modems start with AT+CMEE=0, and answer a missing SIM with a bare ERROR that names no
// cause). Neither is stored (no AT&W): a restart undoes both. A modem that refuses them is asked
// all the same.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/base/clock.h"
#include "drivers/base/result.h"
#include "drivers/io/serial_port.h"
#include "drivers/modem/at_response.h"

namespace posdiag::drivers::modem {

// ModemManager's timeouts (mm-broadband-modem.c, mm-port-probe-at.c).
inline constexpr std::chrono::milliseconds kProbeTimeout{3000};
inline constexpr int kProbeTries = 3;
inline constexpr std::chrono::milliseconds kSettingTimeout{3000};  // ATE0, AT+CMEE=1
inline constexpr std::chrono::milliseconds kIdentityTimeout{3000};
inline constexpr std::chrono::milliseconds kSimTimeout{10000};
inline constexpr std::chrono::milliseconds kSignalTimeout{3000};
inline constexpr std::chrono::milliseconds kRegistrationTimeout{10000};
inline constexpr std::chrono::milliseconds kOperatorTimeout{3000};

// One command at a time over a serial port.
class AtChannel {
 public:
  explicit AtChannel(io::SerialPort& port) : port_(port) {}

  // Sends `command` and CR, then reads until the reply's final result or the deadline. kTimeout
  // when nothing or an unfinished reply came back, or the modem restarted instead of answering
  // (restarted()); kParse when what came back is noise (not printable text: a wrong baud rate)
  // or longer than a reply can be.
  Result<AtReply> Command(std::string_view command, io::Deadline deadline);

  // Bytes received in answer to the last command.
  std::size_t last_bytes() const { return last_bytes_; }
  // The last command got no final result and the modem sent its start-up line (RDY) meanwhile:
  // it restarted and dropped the command.
  bool restarted() const { return restarted_; }

 private:
  io::SerialPort& port_;
  std::size_t last_bytes_ = 0;
  bool restarted_ = false;
};

struct ModemReading {
  bool responds = false;                     // answered AT with a final result
  bool garbled = false;                      // sent bytes to AT, but never a readable reply
  Error no_answer{ErrorKind::kTimeout, ""};  // why not, when it does not respond
  // ATE0 and AT+CMEE=1: answered OK, refused (kUnsupported, with the modem's answer), or no
  // answer.
  Result<void> echo_off{Error{ErrorKind::kTimeout, "not asked"}};
  Result<void> numeric_errors{Error{ErrorKind::kTimeout, "not asked"}};
  Result<std::string> identity{Error{ErrorKind::kTimeout, "not asked"}};
  Result<std::string> sim_status{Error{ErrorKind::kTimeout, "not asked"}};
  // AT+CPIN? was answered, but with an error that names no SIM state: a bare ERROR (a modem that
  // gives no error codes) or a +CME ERROR other than 10..15. The SIM's state is then not known.
  bool sim_state_unknown = false;
  Result<Signal> signal{Error{ErrorKind::kTimeout, "not asked"}};
  Result<Registration> creg{Error{ErrorKind::kTimeout, "not asked"}};
  Result<Registration> cereg{Error{ErrorKind::kTimeout, "not asked"}};
  Result<Operator> op{Error{ErrorKind::kTimeout, "not asked"}};
  std::optional<int> cme_code;  // the last +CME ERROR, if any
  std::string cme_text;
  // The dialogue was cut short: the port failed after it had opened (closed, an I/O error: a USB
  // modem that resets leaves the bus and comes back as a new device), or, once the modem had
  // answered AT, it restarted while a command was outstanding (RDY instead of the answer). The
  // command that was cut says why; the ones after it are not asked, since a modem that has just
  // restarted is not yet registered and has its settings undone: its answers would be misread.
  bool connection_lost = false;
  bool restarted = false;
};

// Asks the modem everything above. Stops early (the rest "not asked: ...") at the deadline or
// when `stop` is requested.
ModemReading QueryModem(io::SerialPort& port, io::Deadline deadline, std::stop_token stop = {});

}  // namespace posdiag::drivers::modem
