#include "agent/serial_access.h"

#include <sys/stat.h>

#include <cerrno>
#include <filesystem>
#include <system_error>

namespace posdiag::agent {

std::string HolderText(const io::DeviceHolder& holder) {
  return (holder.comm.empty() ? std::string("pid ") : holder.comm + " pid ") +
         std::to_string(holder.pid);
}

KeySpec SharedKey() {
  return Bool("shared").Default(true).Means(
      "false asserts that no other program ever uses the device, so posdiag may talk to it even "
      "where it cannot see every process (docs/integration.md)");
}

SerialAccess OpenSerialForProbe(const ProbeContext& ctx, std::string_view port,
                                io::SerialSettings settings, const AccessFactNames& names,
                                bool shared, io::Deadline deadline, FactWriter& out) {
  SerialAccess access;
  const std::string where(port);
  const std::filesystem::path path = ctx.fs.Path(where);
  const auto unknown = [&](bool value) {
    if (!names.busy_unknown.empty()) out.Set(names.busy_unknown, value);
  };
  const auto busy = [&](const std::string& who, const std::string& why_holder) {
    out.Set(names.busy, true);
    unknown(false);
    if (!who.empty()) {
      out.Set(names.holder, who);
    } else {
      out.Missing(names.holder, why_holder);
    }
    access.busy = true;
    access.why_not = where + " is in use" + (who.empty() ? std::string() : " by " + who) +
                     "; posdiag sends nothing to it";
  };

  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR) {
      out.Set(names.present, false);
      access.why_not = "no device at " + where;
      out.Missing(names.busy, access.why_not);
      return access;
    }
    const Error e = ErrnoError(where, err);
    out.Missing(names.present, e.detail);
    out.Missing(names.busy, e.detail);
    access.why_not = e.detail;
    access.result = e;
    return access;
  }
  out.Set(names.present, true);

  std::error_code ec;
  const std::filesystem::path device = std::filesystem::canonical(path, ec);
  const std::filesystem::path real = ec ? path : device;
  // The evidence that costs nothing first; the device itself is only opened (never written)
  // after them, and only opened for real when nothing says it is taken.
  if (auto locked = io::FindUucpLock(ctx.fs, real.filename().string())) {
    busy(HolderText(*locked), "");
    return access;
  }
  const io::HolderSearch seen = io::SearchProcHolders(ctx.fs, real, deadline);
  if (seen.holder) {
    busy(HolderText(*seen.holder), "");
    return access;
  }
  auto locks = io::CheckDeviceLocks(real);
  if (locks && locks->held) {
    busy(locks->pid ? "pid " + std::to_string(*locks->pid) : std::string(),
         real.string() + " " + locks->how + " by a process posdiag cannot name");
    return access;
  }
  if (shared && (seen.unseen > 0 || !seen.complete)) {
    // Someone may have it open without any lock (pcscd's serial driver does): not a byte.
    out.Missing(names.busy, "cannot tell");
    unknown(true);
    const std::string why = seen.complete
                                ? std::to_string(seen.unseen) +
                                      " processes of other users posdiag may not "
                                      "look into"
                                : std::string("the search for holders did not finish in time");
    out.Missing(names.holder, why);
    access.why_not =
        "cannot tell whether " + where + " is in use (" + why + "); posdiag sends nothing to it";
    return access;
  }

  settings.exclusive = true;
  auto opened = ctx.open.Serial(path, settings);
  if (!opened && opened.error().kind == ErrorKind::kBusy) {
    busy("", opened.error().detail);  // held exclusively (TIOCEXCL) by a process we cannot see
    return access;
  }
  out.Set(names.busy, false);
  unknown(false);
  if (!opened) {
    const Error e = opened.error().Context("open " + where);
    access.why_not = e.detail;
    access.result = e;
    return access;
  }
  if (locks) access.lock = std::move(locks->lock);
  access.port = std::move(*opened);
  return access;
}

SerialAccess OpenSerialForProbe(const ProbeContext& ctx, std::string_view port,
                                io::SerialSettings settings, const AccessFactNames& names,
                                io::Deadline deadline, FactWriter& out) {
  return OpenSerialForProbe(ctx, port, settings, names, /*shared=*/true, deadline, out);
}

}  // namespace posdiag::agent
