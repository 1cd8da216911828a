// posdiag's companions: programs and modules that ship with the binary and are started or loaded
// only when a run needs them (the TLS check's helper, the modules that bring OpenSSL and
// libmosquitto), so a run that needs none of them never maps those libraries.
//
// A companion is looked for beside the running binary first (the build tree), then in the install's
// libexec directory, found from the binary's own directory (/usr/bin/../libexec/posdiag), so the
// tree can be installed under any prefix.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/base/clock.h"
#include "drivers/base/result.h"

namespace posdiag::io {

// The companion named `name` ("posdiag-tls"): a regular file beside /proc/self/exe, else in
// the libexec directory. kNotFound names both places.
Result<std::filesystem::path> FindCompanion(std::string_view name);

// The same search from a given binary's directory (tests).
Result<std::filesystem::path> FindCompanionFrom(const std::filesystem::path& binary_dir,
                                                std::string_view name);

// A companion program's run: its standard output and how it ended.
struct CompanionRun {
  std::string output;
  int exit_status = -1;  // its exit status; -1 when it was ended by a signal
  int signal = 0;        // the signal that ended it, 0 when it exited
};

struct CompanionIo {
  int stdin_fd = -1;                 // given as its standard input; -1: /dev/null
  int extra_fd = -1;                 // given as its descriptor 3; -1: none
  std::size_t max_output = 1 << 20;  // more than this on stdout is an error
};

// Starts `program` with `args` (argv[1...]; the environment is inherited, no shell), its stderr
// on /dev/null, and reads its stdout to the end. By `deadline` it must have closed its stdout and
// exited: else it is killed (SIGKILL), reaped, and the result is kTimeout. Output over
// io.max_output kills it too (kParse). The caller's descriptors are not inherited but those `io`
// names.
Result<CompanionRun> RunCompanion(const std::filesystem::path& program,
                                  const std::vector<std::string>& args, const CompanionIo& io,
                                  Deadline deadline);

}  // namespace posdiag::io
