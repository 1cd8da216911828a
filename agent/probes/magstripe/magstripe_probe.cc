#include "agent/probes/magstripe/magstripe_probe.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <string>
#include <system_error>

#include "drivers/input/evdev.h"
#include "drivers/input/track.h"

namespace posdiag::agent::probes {
namespace {

namespace in = drivers::input;

// Facts are written well before the runner's deadline.
constexpr std::chrono::milliseconds kReserve{150};
// A udev link chain (by-id -> ../eventN) is short; this bounds a loop of links.
constexpr int kMaxLinks = 8;

constexpr const char* kSwipeFacts[] = {"magstripe.swiped", "magstripe.track1.ok",
                                       "magstripe.track2.ok", "magstripe.luhn_ok",
                                       "magstripe.pan_masked"};

void SwipeMissing(FactWriter& out, const std::string& why) {
  for (const char* name : kSwipeFacts) out.Missing(name, why);
}

// Follows the links to the device node as open() would, so a link in the fixture tree may name
// a node outside it (as the simulated terminal links its emulated reader).
std::filesystem::path ResolveLinks(std::filesystem::path path) {
  for (int i = 0; i < kMaxLinks; ++i) {
    std::error_code ec;
    if (!std::filesystem::is_symlink(path, ec)) break;
    const std::filesystem::path target = std::filesystem::read_symlink(path, ec);
    if (ec) break;
    path = target.is_absolute() ? target : path.parent_path() / target;
  }
  return path.lexically_normal();
}

// EVIOCGNAME, else the name sysfs gives the input device the node belongs to.
std::string DeviceName(const ProbeContext& ctx, const in::EvdevDevice& dev,
                       const std::filesystem::path& node) {
  if (auto name = dev.Name(); name && !name->empty()) return *name;
  const std::string sys = "/sys/class/input/" + node.filename().string() + "/device/name";
  return ctx.fs.ReadAttr(sys).value_or("");
}

void WriteTrack(FactWriter& out, const char* name, const in::TrackVerdict& t, int number) {
  if (t.present) {
    out.Set(name, t.ok);
  } else {
    out.Missing(name, "the reader sent no track " + std::to_string(number));
  }
}

}  // namespace

std::vector<SectionSpec> MagstripeProbe::ConfigSections() const {
  return {{"magstripe",
           {{"device", ValueType::kString}, {"swipe_timeout_ms", ValueType::kInt, 1000, 600000}}}};
}

Support MagstripeProbe::CheckSupport(const ProbeContext& ctx) {
  const std::string device = ctx.section.GetString("device", std::string(kDefaultDevice));
  if (device.empty() || device.front() != '/') {
    return Support::NotConfigured("[magstripe] device must be an absolute path, not '" + device +
                                  "'");
  }
  return Support::Yes();
}

Result<void> MagstripeProbe::Measure(const ProbeContext& ctx, FactWriter& out) {
  const std::string device = ctx.section.GetString("device", std::string(kDefaultDevice));
  const auto timeout =
      std::chrono::milliseconds(ctx.section.GetInt("swipe_timeout_ms", kDefaultSwipeTimeoutMs));
  out.Set("magstripe.device", device);
  const std::filesystem::path path = ctx.fs.Path(device);

  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR) {
      out.Set("magstripe.detected", false);
      out.Missing("magstripe.busy", "no device at " + device);
      SwipeMissing(out, "no device at " + device);
      return Ok();
    }
    const Error e = ErrnoError(device, err);
    out.Missing("magstripe.detected", e.detail);
    SwipeMissing(out, e.detail);
    return e;
  }
  const std::filesystem::path node = ResolveLinks(path);
  auto opened = in::EvdevDevice::Open(node);
  if (!opened) {
    if (opened.error().kind == ErrorKind::kNotFound) {
      out.Set("magstripe.detected", false);  // a dangling link: the reader was unplugged
      out.Missing("magstripe.busy", "no device at " + device);
      SwipeMissing(out, "no device at " + device);
      return Ok();
    }
    const Error e = opened.error().Context("magstripe: " + device);
    out.Missing("magstripe.detected", e.detail);
    SwipeMissing(out, e.detail);
    return e;
  }
  out.Set("magstripe.detected", true);
  if (const std::string name = DeviceName(ctx, *opened, node); !name.empty()) {
    out.Set("magstripe.name", name);
  } else {
    out.Missing("magstripe.name", "the device gives no name");
  }

  if (auto grabbed = opened->Grab(); !grabbed) {
    if (grabbed.error().kind == ErrorKind::kBusy) {
      out.Set("magstripe.busy", true);
      SwipeMissing(out, device + " is grabbed by another process; posdiag leaves it alone");
      return Ok();
    }
    const Error e = grabbed.error().Context("magstripe: " + device);
    out.Missing("magstripe.busy", e.detail);
    SwipeMissing(out, e.detail);
    return e;
  }
  out.Set("magstripe.busy", false);

  const auto until = std::min(io::Deadline::In(timeout).at(), ctx.deadline.at() - kReserve);
  std::string typed;
  const Result<bool> line = opened->ReadLine(typed, io::Deadline(until), ctx.stop);
  opened->Release();  // keystrokes go back to whoever reads the keyboard, at once
  if (!line) {
    in::Wipe(typed);
    const Error e = line.error().Context("magstripe: " + device);
    out.Set("magstripe.error", e.detail);
    SwipeMissing(out, e.detail);
    return e;
  }
  if (!*line && typed.empty()) {
    out.Set("magstripe.swiped", false);
    out.Set("magstripe.error", std::string("no swipe within the timeout"));
    for (const char* name : {"magstripe.track1.ok", "magstripe.track2.ok", "magstripe.luhn_ok",
                             "magstripe.pan_masked"}) {
      out.Missing(name, "no swipe within the timeout");
    }
    return Ok();
  }
  in::SwipeVerdict v = in::ParseSwipe(typed);
  in::Wipe(typed);
  if (!*line) v.error = v.error.empty() ? "the swipe did not end with Enter" : v.error;
  out.Set("magstripe.swiped", true);
  WriteTrack(out, "magstripe.track1.ok", v.track1, 1);
  WriteTrack(out, "magstripe.track2.ok", v.track2, 2);
  if (v.luhn_ok) {
    out.Set("magstripe.luhn_ok", *v.luhn_ok);
    out.Set("magstripe.pan_masked", v.pan_masked);
  } else {
    out.Missing("magstripe.luhn_ok", "no card number was read");
    out.Missing("magstripe.pan_masked", "no card number was read");
  }
  out.Set("magstripe.read_ok", v.ok());
  if (!v.ok()) out.Set("magstripe.error", v.error);
  return Ok();
}

}  // namespace posdiag::agent::probes
