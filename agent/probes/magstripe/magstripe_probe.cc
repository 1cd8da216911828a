#include "agent/probes/magstripe/magstripe_probe.h"

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>

#include "drivers/input/evdev.h"
#include "drivers/input/track.h"

namespace posdiag::agent::probes {
namespace {

namespace in = drivers::input;

// Facts are written well before the runner's deadline.
constexpr std::chrono::milliseconds kReserve{150};

constexpr const char* kSwipeFacts[] = {"magstripe.swiped", "magstripe.track1.ok",
                                       "magstripe.track2.ok", "magstripe.luhn_ok",
                                       "magstripe.pan_masked"};

void SwipeMissing(FactWriter& out, const std::string& why) {
  for (const char* name : kSwipeFacts) out.Missing(name, why);
}

// EVIOCGNAME, else the name sysfs gives the input device the node belongs to (the node's own
// name, after the links a udev by-id path is made of).
std::string DeviceName(const ProbeContext& ctx, const in::InputDevice& dev,
                       const std::filesystem::path& path) {
  if (auto name = dev.Name(); name && !name->empty()) return *name;
  const std::filesystem::path node = in::ResolveDeviceLinks(path);
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

std::vector<rules::FactSpec> MagstripeProbe::Facts() const {
  using rules::FactType;
  return rules::MakeFacts({
      {"magstripe.device", FactType::kText, "", "the configured input device"},
      {"magstripe.detected", FactType::kBool, "", "the [magstripe] device node exists and opens"},
      {"magstripe.busy", FactType::kBool, "", "another process has grabbed it (EVIOCGRAB)"},
      {"magstripe.name", FactType::kText, "", "the input device's name (EVIOCGNAME or sysfs)"},
      {"magstripe.swiped", FactType::kBool, "", "a card was swiped before swipe_timeout_ms"},
      {"magstripe.track1.ok", FactType::kBool, "", "track 1 passed its checks"},
      {"magstripe.track2.ok", FactType::kBool, "", "track 2 passed its checks"},
      {"magstripe.luhn_ok", FactType::kBool, "", "the card number's Luhn check digit is right"},
      {"magstripe.pan_masked", FactType::kText, "",
       "the card number masked to its first 6 and last 4 digits"},
      {"magstripe.read_ok", FactType::kBool, "",
       "every track sent passed its checks and the card number its Luhn digit"},
      {"magstripe.error", FactType::kText, "", "the first problem, in words"},
  });
}

Support MagstripeProbe::CheckSupport(const ProbeContext& /*ctx*/) { return Support::Yes(); }

Result<void> MagstripeProbe::Measure(const ProbeContext& ctx, FactWriter& out) {
  const std::string device = ctx.section.GetString("device");
  const auto timeout = std::chrono::milliseconds(ctx.section.GetInt("swipe_timeout_ms"));
  out.Set("magstripe.device", device);
  const std::filesystem::path path = ctx.fs.Path(device);

  auto opened = ctx.open.Input(path);
  if (!opened) {
    if (opened.error().kind == ErrorKind::kNotFound) {
      // No node, or a dangling link: the reader was unplugged.
      out.Set("magstripe.detected", false);
      out.Missing("magstripe.busy", "no device at " + device);
      SwipeMissing(out, "no device at " + device);
      return Ok();
    }
    const Error e = opened.error().Context("magstripe: " + device);
    out.Missing("magstripe.detected", e.detail);
    SwipeMissing(out, e.detail);
    return e;
  }
  in::InputDevice& reader = **opened;
  out.Set("magstripe.detected", true);
  if (const std::string name = DeviceName(ctx, reader, path); !name.empty()) {
    out.Set("magstripe.name", name);
  } else {
    out.Missing("magstripe.name", "the device gives no name");
  }

  if (auto grabbed = reader.Grab(); !grabbed) {
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
  const Result<bool> line = reader.ReadLine(typed, io::Deadline(until), ctx.stop);
  reader.Release();  // keystrokes go back to whoever reads the keyboard, at once
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
