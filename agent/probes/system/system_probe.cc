#include "agent/probes/system/system_probe.h"

#include <sys/stat.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <chrono>
#include <optional>
#include <string>

#include "agent/fact_util.h"
#include "drivers/base/time_format.h"
#include "drivers/io/sysfs_value.h"

#ifndef POSDIAG_BUILD_EPOCH
#error "POSDIAG_BUILD_EPOCH must be defined by the build (see agent/probes/system/CMakeLists.txt)"
#endif

namespace posdiag::agent::probes {
namespace {

constexpr std::int64_t kSecondsPerDay = 86400;
// A dpkg status file of a full desktop system is a few MiB; a terminal's is far smaller.
constexpr std::size_t kMaxStatusFileBytes = 16 * 1024 * 1024;
constexpr const char* kPackageDatabases[] = {"/var/lib/dpkg/status", "/usr/lib/opkg/status",
                                             "/var/lib/opkg/status"};

// Reads a small system file, naming it by its system path (not the root it lives under).
Result<std::string> ReadSystemFile(const io::RootFs& fs, std::string_view path,
                                   std::size_t max_bytes = 64 * 1024) {
  auto text = fs.ReadText(path, max_bytes);
  if (!text) {
    const char* why = text.error().kind == ErrorKind::kNotFound     ? "not found"
                      : text.error().kind == ErrorKind::kPermission ? "permission denied"
                                                                    : nullptr;
    return Error{text.error().kind,
                 std::string(path) + ": " + (why != nullptr ? why : text.error().detail)};
  }
  return text;
}

template <typename T>
Result<T> InFile(Result<T> r, std::string_view path) {
  if (!r) return r.error().Context(path);
  return r;
}

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

void WriteMemory(const io::RootFs& fs, FactWriter& out) {
  auto text = ReadSystemFile(fs, "/proc/meminfo");
  Result<io::MemInfo> info = text ? io::ParseMemInfo(*text) : Result<io::MemInfo>(text.error());
  if (!info) {
    for (const char* name : {"system.memory.total_kib", "system.memory.available_kib",
                             "system.memory.available_pct"}) {
      out.Missing(name, info.error().detail);
    }
    return;
  }
  out.Set("system.memory.total_kib", info->total_kib, "KiB");
  if (!info->available_kib) {
    const std::string why = "/proc/meminfo has no MemAvailable (Linux before 3.14)";
    out.Missing("system.memory.available_kib", why);
    out.Missing("system.memory.available_pct", why);
    return;
  }
  out.Set("system.memory.available_kib", *info->available_kib, "KiB");
  out.Set("system.memory.available_pct",
          100.0 * static_cast<double>(*info->available_kib) / static_cast<double>(info->total_kib),
          "%");
}

// Blocks × fragment size in KiB without overflowing for any real file system.
std::int64_t BlocksToKib(unsigned long long blocks, unsigned long long frsize) {
  const unsigned long long kib = (blocks / 1024) * frsize + (blocks % 1024) * frsize / 1024;
  return static_cast<std::int64_t>(kib);
}

void WriteStorage(const io::RootFs& fs, std::string_view role, const std::string& path,
                  FactWriter& out) {
  const std::string p = "system.storage." + std::string(role) + ".";
  out.Set(p + "path", path);
  struct statvfs st {};
  // statvfs has no timeout; the paths are the terminal's own local partitions.
  if (::statvfs(fs.Path(path).c_str(), &st) != 0) {
    const int err = errno;
    const std::string why = ErrnoError(path, err).detail;
    for (const char* key : {"total_kib", "free_kib", "free_pct"}) out.Missing(p + key, why);
    return;
  }
  const unsigned long long frsize = st.f_frsize != 0 ? st.f_frsize : st.f_bsize;
  out.Set(p + "total_kib", BlocksToKib(st.f_blocks, frsize), "KiB");
  // f_bavail, not f_bfree: the blocks reserved for root are not there for the payment app.
  out.Set(p + "free_kib", BlocksToKib(st.f_bavail, frsize), "KiB");
  if (st.f_blocks == 0) {
    out.Missing(p + "free_pct", path + ": the file system reports no blocks");
  } else {
    out.Set(p + "free_pct",
            100.0 * static_cast<double>(st.f_bavail) / static_cast<double>(st.f_blocks), "%");
  }
}

void WriteLoad(const io::RootFs& fs, FactWriter& out) {
  auto text = ReadSystemFile(fs, "/proc/loadavg");
  Result<io::LoadAvg> load = text ? io::ParseLoadAvg(*text) : Result<io::LoadAvg>(text.error());
  if (load) {
    out.Set("system.load.avg_1m", load->avg_1m);
    out.Set("system.load.avg_5m", load->avg_5m);
    out.Set("system.load.avg_15m", load->avg_15m);
  } else {
    for (const char* name : {"system.load.avg_1m", "system.load.avg_5m", "system.load.avg_15m"}) {
      out.Missing(name, load.error().detail);
    }
  }

  constexpr std::string_view kOnline = "/sys/devices/system/cpu/online";
  auto cpus_text = ReadSystemFile(fs, kOnline, 4096);
  Result<std::int64_t> cpus = cpus_text ? InFile(io::ParseCpuListCount(*cpus_text), kOnline)
                                        : Result<std::int64_t>(cpus_text.error());
  SetOrMissing(out, "system.cpu.count", cpus);

  if (load && cpus) {
    out.Set("system.load.per_cpu_1m", load->avg_1m / static_cast<double>(*cpus));
  } else {
    out.Missing("system.load.per_cpu_1m", !load ? load.error().detail : cpus.error().detail);
  }
}

void WriteUptime(const io::RootFs& fs, FactWriter& out) {
  auto text = ReadSystemFile(fs, "/proc/uptime");
  Result<io::Uptime> up = text ? io::ParseUptime(*text) : Result<io::Uptime>(text.error());
  if (up) {
    out.Set("system.uptime_s", up->uptime_s, "s");
  } else {
    out.Missing("system.uptime_s", up.error().detail);
  }
}

void WriteClock(const io::Clock& clock, std::int64_t build_epoch_s, FactWriter& out) {
  const std::int64_t now_s =
      std::chrono::floor<std::chrono::seconds>(clock.Now().time_since_epoch()).count();
  out.Set("system.clock.now", FormatRfc3339UtcSeconds(now_s));
  out.Set("system.clock.epoch_s", now_s, "s");
  out.Set("system.build.epoch_s", build_epoch_s, "s");
  out.Set("system.clock.days_since_build", FloorDiv(now_s - build_epoch_s, kSecondsPerDay), "days");
}

// The installed version of a package from dpkg's or opkg's status file. kUnsupported when the
// terminal has neither database, kNotFound when the package is not installed.
Result<std::string> PackageVersion(const io::RootFs& fs, const std::string& package) {
  for (const char* db : kPackageDatabases) {
    if (!fs.Exists(db)) continue;
    auto text = ReadSystemFile(fs, db, kMaxStatusFileBytes + 1);
    if (!text) return text.error();
    if (text->size() > kMaxStatusFileBytes) {
      return Error{ErrorKind::kInvalid, std::string(db) + ": larger than " +
                                            std::to_string(kMaxStatusFileBytes >> 20) + " MiB"};
    }
    return InFile(io::FindInstalledPackageVersion(*text, package), db);
  }
  return Error{ErrorKind::kUnsupported,
               "no package database (/var/lib/dpkg/status or /usr/lib/opkg/status)"};
}

// The schema (SystemDevice) refuses "" for every [app] key, so "" here means "not set".
void WriteApp(const io::RootFs& fs, const ConfigSection& app, FactWriter& out) {
  const std::string executable = app.GetString("executable");
  const std::string package = app.GetString("package");
  const std::string version_file = app.GetString("version_file");
  const std::string expected = app.GetString("version");

  std::optional<Result<std::string>> package_version;
  if (!package.empty()) package_version = PackageVersion(fs, package);

  if (!executable.empty()) {
    struct stat st {};
    const int err = ::stat(fs.Path(executable).c_str(), &st) == 0 ? 0 : errno;
    if (err == 0) {
      out.Set("system.app.present", true);
      out.Set("system.app.executable", S_ISREG(st.st_mode) && (st.st_mode & 0111) != 0);
    } else if (err == ENOENT || err == ENOTDIR) {
      out.Set("system.app.present", false);
      out.Set("system.app.executable", false);
    } else {
      const std::string why = ErrnoError(executable, err).detail;
      out.Missing("system.app.present", why);
      out.Missing("system.app.executable", why);
    }
  } else {
    out.Missing("system.app.executable", "[app] names no executable");
    if (!package_version) {
      out.Missing("system.app.present", "[app] names neither an executable nor a package");
    } else if (package_version->ok()) {
      out.Set("system.app.present", true);
    } else if (package_version->error().kind == ErrorKind::kNotFound) {
      out.Set("system.app.present", false);
    } else {
      out.Missing("system.app.present", package_version->error().detail);
    }
  }

  if (!version_file.empty()) {
    auto text = ReadSystemFile(fs, version_file, 4096);
    Result<std::string> version =
        text ? InFile(io::ParseFirstLine(*text), version_file) : Result<std::string>(text.error());
    SetOrMissing(out, "system.app.version", version);
  } else if (package_version) {
    SetOrMissing(out, "system.app.version", *package_version);
  } else {
    out.Missing("system.app.version", "[app] names neither a version_file nor a package");
  }

  if (!expected.empty()) {
    out.Set("system.app.expected_version", expected);
  } else {
    out.Missing("system.app.expected_version", "[app] sets no version");
  }
}

}  // namespace

std::int64_t BuildEpochSeconds() { return static_cast<std::int64_t>(POSDIAG_BUILD_EPOCH); }

std::vector<std::string> SystemProbe::EssentialFacts(const ProbeContext&) const {
  // The storage rules (a full data or log partition) judge free space: a partition whose space
  // could not be read leaves the check incomplete, not clear.
  return {"system.memory.total_kib", "system.load.avg_1m", "system.storage.data.free_kib",
          "system.storage.log.free_kib"};
}

std::vector<rules::FactSpec> SystemProbe::Facts() const {
  using rules::FactType;
  std::vector<rules::FactSpec> facts = rules::MakeFacts({
      {"system.model", FactType::kText, "", "[system] model, when the config sets it"},
      {"system.clock.now", FactType::kText, "", "the wall clock, RFC 3339 UTC"},
      {"system.clock.epoch_s", FactType::kInt, "s", "the wall clock in seconds since the epoch"},
      {"system.build.epoch_s", FactType::kInt, "s", "posdiag's build date (its last commit)"},
      {"system.clock.days_since_build", FactType::kInt, "days",
       "wall clock − build date in whole days: negative when the clock is behind"},
      {"system.memory.total_kib", FactType::kInt, "KiB", "/proc/meminfo MemTotal"},
      {"system.memory.available_kib", FactType::kInt, "KiB", "/proc/meminfo MemAvailable"},
      {"system.memory.available_pct", FactType::kReal, "%", "MemAvailable / MemTotal"},
      {"system.load.avg_1m", FactType::kReal, "", "1-minute load average"},
      {"system.load.avg_5m", FactType::kReal, "", "5-minute load average"},
      {"system.load.avg_15m", FactType::kReal, "", "15-minute load average"},
      {"system.cpu.count", FactType::kInt, "", "online CPUs"},
      {"system.load.per_cpu_1m", FactType::kReal, "", "1-minute load average per online CPU"},
      {"system.uptime_s", FactType::kReal, "s", "time since boot"},
      {"system.app.present", FactType::kBool, "",
       "[app] executable exists, or its package is installed"},
      {"system.app.executable", FactType::kBool, "",
       "[app] executable is a regular file with an execute bit"},
      {"system.app.version", FactType::kText, "",
       "the installed version: [app] version_file's first line, or the package's"},
      {"system.app.expected_version", FactType::kText, "", "[app] version"},
  });
  for (const char* role : {"data", "log"}) {
    const std::string p = std::string("system.storage.") + role + ".";
    const std::string key = std::string("[system] ") + role + "_path";
    facts.push_back({p + "path", FactType::kText, "", key});
    facts.push_back({p + "total_kib", FactType::kInt, "KiB", "size of the file system at " + key});
    facts.push_back(
        {p + "free_kib", FactType::kInt, "KiB", "space left at " + key + " for non-root users"});
    facts.push_back({p + "free_pct", FactType::kReal, "%", "free_kib / total_kib at " + key});
  }
  return facts;
}

Support SystemProbe::CheckSupport(const ProbeContext&) { return Support::Yes(); }

Result<void> SystemProbe::Measure(const ProbeContext& ctx, FactWriter& out) {
  const ConfigSection& system = ctx.config.Section("system");
  // The model as configured, so a site rule can hold a model to its own expectations.
  if (system.Has("model")) out.Set("system.model", system.GetString("model"));
  WriteClock(ctx.clock, build_epoch_s_, out);
  WriteMemory(ctx.fs, out);
  WriteLoad(ctx.fs, out);
  WriteUptime(ctx.fs, out);
  if (ctx.deadline.Expired()) return Error{ErrorKind::kTimeout, "deadline passed before storage"};
  WriteStorage(ctx.fs, "data", system.GetString("data_path"), out);
  WriteStorage(ctx.fs, "log", system.GetString("log_path"), out);
  const ConfigSection& app = ctx.config.Section("app");
  if (app.present()) {
    if (ctx.deadline.Expired()) return Error{ErrorKind::kTimeout, "deadline passed before [app]"};
    WriteApp(ctx.fs, app, out);
  }
  return Ok();
}

}  // namespace posdiag::agent::probes
