// The terminal's display as a Screen (agent/screen.h), chosen by [display]:
//   backend = "framebuffer"  device (default /dev/fb0) under [system] root; geometry from the
//                            FBIOGET ioctls, or from `geometry` ("320x240x16", with an optional
//                            `line_length`) when the device is a regular file standing in for one
//   backend = "console"      console (default /dev/tty1): plain text, ANSI colour with color = true
//   backend = "none"         draws nothing (also what the lead falls back to on an error)
// and lang = "zh-CN" | "en". The display device (agent/probes/display) declares and reads them.
// Example:
//   auto screen = OpenScreen(*ReadDisplaySettings(config.Section("display")), fs);
//   if (!screen) { log(screen.error()); screen = MakeNoneScreen(); }
//   (*screen)->ShowReport(report, 0);
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "agent/screen.h"
#include "drivers/base/result.h"
#include "drivers/display/framebuffer.h"
#include "drivers/io/root_fs.h"
#include "rules/engine/rule.h"

namespace posdiag::agent {

struct ScreenOptions {
  // How long one screen may take to reach a text console before the write gives up.
  std::chrono::milliseconds console_write_timeout{500};
};

// The backend the settings name, opened. A device that cannot be opened or a framebuffer in a
// format it cannot draw gives an Error.
Result<std::unique_ptr<Screen>> OpenScreen(const DisplaySettings& settings, const io::RootFs& fs,
                                           const ScreenOptions& options = {});

std::unique_ptr<Screen> MakeNoneScreen();

}  // namespace posdiag::agent
