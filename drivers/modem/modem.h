// A cellular modem on a serial port, asked the way ModemManager asks it: AT (up to three tries),
// ATI, AT+CPIN?, AT+CSQ, AT+CREG?, AT+CEREG?, AT+COPS?, each under its own deadline (ModemManager's
// timeouts) and all under the caller's. Returns typed readings, field by field; knows nothing of
// facts or rules. Only read-only queries are sent: nothing here changes the modem's state.
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
  // when nothing or an unfinished reply came back; kParse when what came back is noise (not
  // printable text: a wrong baud rate) or longer than a reply can be.
  Result<AtReply> Command(std::string_view command, io::Deadline deadline);

  // Bytes received in answer to the last command.
  std::size_t last_bytes() const { return last_bytes_; }

 private:
  io::SerialPort& port_;
  std::size_t last_bytes_ = 0;
};

struct ModemReading {
  bool responds = false;                     // answered AT with a final result
  bool garbled = false;                      // sent bytes to AT, but never a readable reply
  Error no_answer{ErrorKind::kTimeout, ""};  // why not, when it does not respond
  Result<std::string> identity{Error{ErrorKind::kTimeout, "not asked"}};
  Result<std::string> sim_status{Error{ErrorKind::kTimeout, "not asked"}};
  Result<Signal> signal{Error{ErrorKind::kTimeout, "not asked"}};
  Result<Registration> creg{Error{ErrorKind::kTimeout, "not asked"}};
  Result<Registration> cereg{Error{ErrorKind::kTimeout, "not asked"}};
  Result<Operator> op{Error{ErrorKind::kTimeout, "not asked"}};
  std::optional<int> cme_code;  // the last +CME ERROR, if any
  std::string cme_text;
};

// Asks the modem everything above. Stops early (the rest "not asked: ...") at the deadline or
// when `stop` is requested.
ModemReading QueryModem(io::SerialPort& port, io::Deadline deadline, std::stop_token stop = {});

}  // namespace posdiag::drivers::modem
