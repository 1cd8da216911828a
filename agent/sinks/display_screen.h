// The terminal's display as a Screen (agent/screen.h), chosen by [display]:
//   backend = "framebuffer"  device (default /dev/fb0) under [system] root; geometry from the
//                            FBIOGET ioctls, or from `geometry` ("320x240x16", with an optional
//                            `line_length`) when the device is a regular file standing in for one
//   backend = "console"      console (default /dev/tty1): plain text, ANSI colour with color = true
//   backend = "none"         draws nothing (also what the lead falls back to on an error)
// and lang = "zh-CN" | "en". The keys are declared by the display probe (DisplayConfigSpec).
// Example:
//   auto screen = OpenScreen(config, fs);
//   if (!screen) { log(screen.error()); screen = MakeNoneScreen(); }
//   (*screen)->ShowReport(report, 0);
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "agent/config.h"
#include "agent/screen.h"
#include "drivers/display/framebuffer.h"
#include "drivers/base/result.h"
#include "drivers/io/root_fs.h"
#include "rules/engine/rule.h"

namespace posdiag::agent {

struct ScreenOptions {
  // How long one screen may take to reach a text console before the write gives up.
  std::chrono::milliseconds console_write_timeout{500};
};

// The [display] section every config may have (declared by the display probe).
SectionSpec DisplayConfigSpec();

enum class DisplayBackend { kFramebuffer, kConsole, kNone };

// [display] read and checked once, for the screen and the display probe alike.
struct DisplaySettings {
  DisplayBackend backend = DisplayBackend::kNone;
  std::string backend_name = "none";
  std::string device = "/dev/fb0";    // framebuffer, a system path under [system] root
  std::string console = "/dev/tty1";  // text console, likewise
  bool color = true;
  rules::Lang lang = rules::Lang::kZhCn;
  // The format of a regular file standing in for a framebuffer (`geometry`, `line_length`).
  std::optional<drivers::display::FbFormat> file_format;
};

// An absent section is backend `none`; a present one defaults to `framebuffer`. An unknown
// backend or language, or a malformed geometry, is kInvalid naming the key.
Result<DisplaySettings> ReadDisplaySettings(const ConfigSection& section);

// The backend [display] names, opened. An absent [display] section is `none`. A device that
// cannot be opened, a framebuffer in a format it cannot draw, or a bad key gives an Error.
Result<std::unique_ptr<Screen>> OpenScreen(const Config& config, const io::RootFs& fs,
                                           const ScreenOptions& options = {});

std::unique_ptr<Screen> MakeNoneScreen();

}  // namespace posdiag::agent
