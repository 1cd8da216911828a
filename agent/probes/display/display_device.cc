#include "agent/probes/display/display_device.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "agent/probes/display/display_probe.h"
#include "drivers/display/framebuffer.h"

namespace posdiag::agent::probes {
namespace {

namespace dd = drivers::display;
using Verdict = RoutineResult::Verdict;

// `test display`: colour bars and a frame at the edges; the engineer looks at the panel. The
// pattern stays up until the engineer answers, the deadline passes or posdiag stops: the screen
// is given back when the test ends, so a pattern not held would never be seen.
class PatternRoutine final : public Routine {
 public:
  std::string_view Name() const override { return "display"; }
  std::string_view Help() const override {
    return "look at the colour bars and the frame, then press Enter";
  }
  std::string_view Section() const override { return "display"; }

  RoutineResult Run(const RoutineContext& ctx, io::Deadline deadline) override {
    if (ctx.screen == nullptr) return {Verdict::kError, "no display"};
    if (auto shown = ctx.screen->ShowTestPattern(); !shown) {
      return {Verdict::kFailed, shown.error().detail};
    }
    // In slices, so that an answer or a stopping posdiag ends the test within a tenth of a second.
    constexpr std::chrono::milliseconds kSlice{100};
    while (!ctx.answered.stop_requested()) {
      if (ctx.stop.stop_requested())
        return {Verdict::kSkipped, "stopped while the pattern was shown"};
      if (deadline.Expired()) {
        return {Verdict::kSkipped, "test pattern shown until the deadline; no answer"};
      }
      std::this_thread::sleep_for(std::min(deadline.Remaining(), kSlice));
    }
    return {Verdict::kPassed, "test pattern shown until the engineer answered"};
  }
};

std::string GeometryProblem(const ConfigValue& value) {
  auto format = dd::ParseGeometry(std::get<std::string>(value));
  return format ? "" : format.error().detail;
}

}  // namespace

std::vector<SectionSpec> DisplayDevice::ConfigSections() const {
  return {{"display",
           "the terminal's display, for the boot self-test and the diagnose key",
           {String("backend")
                .OneOf({"framebuffer", "console", "none"})
                .Default("framebuffer")
                .Means("how to draw: the framebuffer, a text console, or not at all"),
            TerminalPath("device").Default("/dev/fb0").Means("framebuffer: its device"),
            String("geometry")
                .Check(GeometryProblem)
                .Means("framebuffer: \"WxHxBPP\" when `device` is a regular file standing in "
                       "for one"),
            Int("line_length", 1, 65536)
                .With("geometry")
                .Means("framebuffer: bytes per row of such a file, when rows are padded"),
            TerminalPath("console").Default("/dev/tty1").Means("console: its device"),
            Bool("color").Default(true).Means("console: ANSI colours"),
            String("lang")
                .OneOf({"zh-CN", "en"})
                .Default("zh-CN")
                .Means("the language of the screens")},
           [](const ConfigSection& section) -> std::optional<KeyProblem> {
             if (!section.Has("line_length")) return std::nullopt;
             auto format =
                 dd::ParseGeometry(section.GetString("geometry"),
                                   static_cast<std::uint32_t>(section.GetInt("line_length")));
             if (format) return std::nullopt;
             return KeyProblem{"line_length", format.error().detail};
           }}};
}

std::shared_ptr<Probe> DisplayDevice::MakeProbe() const { return std::make_shared<DisplayProbe>(); }

std::vector<std::shared_ptr<Routine>> DisplayDevice::Routines() const {
  return {std::make_shared<PatternRoutine>()};
}

Result<DisplaySettings> ReadDisplaySettings(const ConfigSection& section) {
  DisplaySettings s;
  if (!section.present()) return s;
  s.backend_name = section.GetString("backend");
  s.backend = s.backend_name == "framebuffer" ? DisplayBackend::kFramebuffer
              : s.backend_name == "console"   ? DisplayBackend::kConsole
                                              : DisplayBackend::kNone;
  s.device = section.GetString("device");
  s.console = section.GetString("console");
  s.color = section.GetBool("color");
  s.lang = section.GetString("lang") == "en" ? rules::Lang::kEn : rules::Lang::kZhCn;
  if (section.Has("geometry")) {
    auto format = dd::ParseGeometry(section.GetString("geometry"),
                                    static_cast<std::uint32_t>(section.GetInt("line_length")));
    if (!format)
      return format.error().Context("[display] geometry");  // the schema's check let it by
    s.file_format = *format;
  }
  return s;
}

}  // namespace posdiag::agent::probes
