// posdiag's companions: programs and modules that ship with the binary and are started or loaded
// only when a run needs them (the TLS check's helper, the modules that bring OpenSSL and
// libmosquitto), so a run that needs none of them never maps those libraries.
//
// A companion is looked for beside the running binary first (the build tree), then in the install's
// libexec directory, found from the binary's own directory (/usr/bin/../libexec/posdiag), so the
// tree can be installed under any prefix.
#pragma once

#include <filesystem>
#include <string_view>

#include "drivers/base/result.h"

namespace posdiag::io {

// The companion named `name` ("posdiag-tls"): a regular file beside /proc/self/exe, else in
// the libexec directory. kNotFound names both places.
Result<std::filesystem::path> FindCompanion(std::string_view name);

// The same search from a given binary's directory (tests).
Result<std::filesystem::path> FindCompanionFrom(const std::filesystem::path& binary_dir,
                                                std::string_view name);

}  // namespace posdiag::io
