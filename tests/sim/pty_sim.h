// What the device simulators on pseudo-terminals (modem_sim, printer_sim) share: their command line
// `--link PATH [--mode MODE] [--lifetime SECONDS]`, a raw pseudo-terminal whose slave is linked at
// PATH, and the stop flag SIGTERM and SIGINT set. A simulator parses, opens, then loops until
// g_stop is set or its lifetime ends, and removes the link on the way out.
#pragma once

#include <chrono>
#include <csignal>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace posdiag::sim {

extern volatile std::sig_atomic_t g_stop;

struct PtySimArgs {
  std::string link;
  std::string mode = "healthy";
  std::chrono::seconds lifetime{
      300};             // so a test that forgets a simulator does not leave it behind
  std::string capture;  // --capture FILE: a simulator appends the data it took (printer_sim)
  // --received FILE: a simulator appends every byte it read, queries included, so a test can
  // count what reached the device (printer_sim, ccid_serial_sim)
  std::string received;
};

// Prints the usage line with `why` and returns 64, the usage error status.
int UsageError(const char* program, const char* why);

// nullopt after a usage error was printed.
std::optional<PtySimArgs> ParsePtySimArgs(const char* program, int argc, char** argv);

struct LinkedPty {
  int master = -1;
  int slave = -1;  // kept open so the master never sees a hang-up between a probe's opens
};

// Opens a raw pseudo-terminal (the line discipline passes every byte untouched), links its slave at
// `link` under a temporary name then renamed (whoever waits for the link sees a complete one), and
// installs the signal handlers. nullopt after saying why on stderr (exit 70).
std::optional<LinkedPty> OpenLinkedPty(const char* program, const std::string& link);

bool WriteAll(int fd, const void* bytes, std::size_t size);
inline bool WriteAll(int fd, std::string_view bytes) {
  return WriteAll(fd, bytes.data(), bytes.size());
}

}  // namespace posdiag::sim
