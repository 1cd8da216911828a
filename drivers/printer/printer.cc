#include "drivers/printer/printer.h"

#include <algorithm>
#include <string>
#include <vector>

namespace posdiag::drivers::printer {
namespace {

using std::chrono::steady_clock;

io::Deadline Earlier(io::Deadline a, io::Deadline b) { return a.at() < b.at() ? a : b; }

}  // namespace

Result<std::unique_ptr<PrinterTransport>> OpenSerialTransport(const std::filesystem::path& path,
                                                              const io::SerialSettings& settings) {
  auto port = io::OpenSerialPort(path, settings);
  if (!port) return port.error();
  return std::unique_ptr<PrinterTransport>(std::make_unique<SerialTransport>(std::move(*port)));
}

StatusReading QueryStatus(PrinterTransport& transport, io::Deadline deadline,
                          std::stop_token stop) {
  StatusReading out;
  const auto start = steady_clock::now();
  auto finish = [&] {
    out.elapsed =
        std::chrono::duration_cast<std::chrono::microseconds>(steady_clock::now() - start);
    return out;
  };
  // Whatever sat in the input (an ASB burst, a late reply) is no answer to our queries.
  if (auto r = transport.DiscardInput(); !r) {
    out.connection_lost = true;
    out.no_answer = r.error().Context("printer status");
    return finish();
  }
  for (int n = 1; n <= 4; ++n) {
    auto& slot = out.replies[static_cast<std::size_t>(n - 1)];
    const std::string what = "DLE EOT " + std::to_string(n);
    if (stop.stop_requested() || deadline.Expired()) {
      slot = Error{ErrorKind::kTimeout, what + ": not asked: out of time"};
      continue;
    }
    const io::Deadline query_deadline = Earlier(deadline, io::Deadline::In(kQueryTimeout));
    const std::uint8_t command[] = {kDle, kEot, static_cast<std::uint8_t>(n)};
    if (auto w = transport.Write(command, query_deadline); !w) {
      slot = w.error().Context(what + ": write");
      if (w.error().kind != ErrorKind::kTimeout) out.connection_lost = true;
      out.no_answer = slot.error();
      break;
    }
    out.bytes_sent += sizeof command;

    std::vector<std::uint8_t> got;
    Error failure{ErrorKind::kTimeout, ""};
    bool failed = false;
    while (got.size() < 64 && !stop.stop_requested()) {
      // After bytes that are not a status, wait only for a short quiet gap, not the whole deadline.
      const io::Deadline wait =
          got.empty() ? query_deadline : Earlier(query_deadline, io::Deadline::In(kQuietGap));
      std::uint8_t buf[16];
      auto r = transport.Read(buf, wait);
      if (!r) {
        failure = r.error().Context(what + ": read");
        failed = true;
        break;
      }
      if (*r == 0) break;
      got.insert(got.end(), buf, buf + *r);
      if (std::any_of(buf, buf + *r, IsDleEotByte)) break;
    }
    out.bytes_received += got.size();
    auto reply = DecodeDleEot(n, got);
    if (reply) out.framing_errors += reply->framing_errors;
    if (failed) {
      slot = failure;
      out.connection_lost = true;
      out.no_answer = failure;
      break;
    }
    if (!reply) {
      slot = reply.error();
      continue;
    }
    if (reply->raw) {
      out.responds = true;
      slot = *reply;
      continue;
    }
    if (got.empty()) {
      slot = Error{ErrorKind::kTimeout,
                   what + ": no reply within " + std::to_string(kQueryTimeout.count()) + " ms"};
    } else {
      slot = Error{ErrorKind::kParse, what + ": " + std::to_string(reply->framing_errors) +
                                          " byte(s) failed the status bit check"};
    }
    out.no_answer = slot.error();
    if (got.empty()) break;  // silent: asking again only spends the deadline
  }
  for (auto& slot : out.replies) {
    if (!slot && slot.error().detail == "not asked") {
      slot = Error{ErrorKind::kTimeout, "not asked: " + out.no_answer.detail};
    }
  }
  return finish();
}

std::vector<std::uint8_t> BuildTestSlip(std::string_view when) {
  std::string text = "\x1B\x40posdiag test slip\n";
  for (const char c : when.substr(0, 64)) {
    const auto b = static_cast<unsigned char>(c);
    text.push_back(b >= 0x20 && b < 0x7F ? c : '?');
  }
  text += "\n\x1B\x64\x04\x1D\x56\x01";
  return std::vector<std::uint8_t>(text.begin(), text.end());
}

Result<std::size_t> PrintTestSlip(PrinterTransport& transport, std::string_view when,
                                  io::Deadline deadline) {
  const std::vector<std::uint8_t> slip = BuildTestSlip(when);
  if (auto w = transport.Write(slip, deadline); !w) return w.error().Context("test slip");
  return slip.size();
}

}  // namespace posdiag::drivers::printer
