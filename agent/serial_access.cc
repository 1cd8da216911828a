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

SerialAccess OpenSerialForProbe(const ProbeContext& ctx, std::string_view port,
                                io::SerialSettings settings, const AccessFactNames& names,
                                io::Deadline deadline, FactWriter& out) {
  SerialAccess access;
  const std::string where(port);
  const std::filesystem::path path = ctx.fs.Path(where);

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

  // The payment application (or ModemManager, pcscd, a PPP daemon) may have the device open: it
  // is theirs then, and a byte from us could land in the middle of their dialogue.
  std::error_code ec;
  const std::filesystem::path device = std::filesystem::canonical(path, ec);
  if (auto holder = io::FindDeviceHolder(ctx.fs, ec ? path : device, deadline)) {
    out.Set(names.busy, true);
    const std::string who = HolderText(*holder);
    out.Set(names.holder, who);
    access.busy = true;
    access.why_not = where + " is in use by " + who + "; posdiag sends nothing to it";
    return access;
  }

  settings.exclusive = true;
  auto opened = ctx.open.Serial(path, settings);
  if (!opened && opened.error().kind == ErrorKind::kBusy) {
    out.Set(names.busy, true);  // held exclusively (TIOCEXCL) by a process we cannot see
    out.Missing(names.holder, opened.error().detail);
    access.busy = true;
    access.why_not = where + " is in use; posdiag sends nothing to it";
    return access;
  }
  out.Set(names.busy, false);
  if (!opened) {
    const Error e = opened.error().Context("open " + where);
    access.why_not = e.detail;
    access.result = e;
    return access;
  }
  access.port = std::move(*opened);
  return access;
}

}  // namespace posdiag::agent
