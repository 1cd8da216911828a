// Every sysfs/procfs parser must turn any bytes into a value or an error, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "drivers/io/sysfs_value.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)posdiag::io::ParseIntAttr(text);
  (void)posdiag::io::ParseBoolAttr(text);
  (void)posdiag::io::ParseEnumAttr(text);
  (void)posdiag::io::ParseFirstLine(text);
  (void)posdiag::io::ParseMemInfo(text);
  (void)posdiag::io::ParseLoadAvg(text);
  (void)posdiag::io::ParseUptime(text);
  (void)posdiag::io::ParseCpuListCount(text);
  // The first line names the package to look for in the rest.
  const std::size_t nl = text.find('\n');
  if (nl != std::string_view::npos) {
    (void)posdiag::io::FindInstalledPackageVersion(text.substr(nl + 1), text.substr(0, nl));
  }
  return 0;
}
