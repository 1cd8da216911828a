#include "agent/probes/display/display_probe.h"

#include <cstdint>
#include <string>

#include "agent/probes/display/display_device.h"
#include "drivers/display/console.h"
#include "drivers/display/framebuffer.h"

namespace posdiag::agent::probes {
namespace {

namespace dd = drivers::display;

void MissingGeometry(FactWriter& out, const std::string& why) {
  out.Missing("display.width", why);
  out.Missing("display.height", why);
  out.Missing("display.bpp", why);
  out.Missing("display.format_supported", why);
}

void MeasureFramebuffer(const ProbeContext& ctx, const DisplaySettings& s, FactWriter& out) {
  out.Set("display.device", s.device);
  const auto format = dd::ReadFormat(ctx.fs.Path(s.device), s.file_format);
  if (!format) {
    out.Set("display.opened", false);
    out.Set("display.error", format.error().detail);
    MissingGeometry(out, "framebuffer not opened: " + format.error().detail);
    return;
  }
  out.Set("display.width", static_cast<std::int64_t>(format->width), "px");
  out.Set("display.height", static_cast<std::int64_t>(format->height), "px");
  out.Set("display.bpp", static_cast<std::int64_t>(format->bits_per_pixel), "bit");
  const auto check = dd::CheckFormat(*format);
  const bool unsupported = !check && check.error().kind == ErrorKind::kUnsupported;
  out.Set("display.format_supported", !unsupported);
  if (unsupported) {
    // The device answered; it is its pixel format that posdiag cannot draw.
    out.Set("display.opened", true);
    out.Set("display.error", check.error().detail);
    return;
  }
  // Mapping it is what the screen does; a buffer too small for its geometry fails here.
  const auto fb = dd::Framebuffer::Open(ctx.fs.Path(s.device), s.file_format);
  out.Set("display.opened", fb.ok());
  if (!fb) out.Set("display.error", fb.error().detail);
}

void MeasureConsole(const ProbeContext& ctx, const DisplaySettings& s, FactWriter& out) {
  out.Set("display.device", s.console);
  const auto console = dd::TextConsole::Open(ctx.fs.Path(s.console));
  out.Set("display.opened", console.ok());
  if (!console) {
    out.Set("display.error", console.error().detail);
    out.Missing("display.columns", "console not opened: " + console.error().detail);
    out.Missing("display.rows", "console not opened: " + console.error().detail);
    return;
  }
  out.Set("display.columns", static_cast<std::int64_t>((*console)->columns()));
  out.Set("display.rows", static_cast<std::int64_t>((*console)->rows()));
}

}  // namespace

std::vector<rules::FactSpec> DisplayProbe::Facts() const {
  using rules::FactType;
  return rules::MakeFacts({
      {"display.backend", FactType::kText, "", "framebuffer or console, as configured"},
      {"display.device", FactType::kText, "", "the framebuffer or console device"},
      {"display.opened", FactType::kBool, "", "posdiag could open (and map) it"},
      {"display.error", FactType::kText, "", "why it could not be opened or drawn on"},
      {"display.width", FactType::kInt, "px", "framebuffer width"},
      {"display.height", FactType::kInt, "px", "framebuffer height"},
      {"display.bpp", FactType::kInt, "bit", "framebuffer bits per pixel"},
      {"display.format_supported", FactType::kBool, "", "posdiag can draw its pixel format"},
      {"display.columns", FactType::kInt, "", "text console columns"},
      {"display.rows", FactType::kInt, "", "text console rows"},
  });
}

Support DisplayProbe::CheckSupport(const ProbeContext& ctx) {
  const auto settings = ReadDisplaySettings(ctx.section);
  if (settings && settings->backend == DisplayBackend::kNone) {
    return Support::NotConfigured("[display] backend is \"none\"");
  }
  return Support::Yes();
}

Result<void> DisplayProbe::Measure(const ProbeContext& ctx, FactWriter& out) {
  auto settings = ReadDisplaySettings(ctx.section);
  if (!settings) return settings.error();
  out.Set("display.backend", settings->backend_name);
  switch (settings->backend) {
    case DisplayBackend::kFramebuffer:
      MeasureFramebuffer(ctx, *settings, out);
      break;
    case DisplayBackend::kConsole:
      MeasureConsole(ctx, *settings, out);
      break;
    case DisplayBackend::kNone:
      break;
  }
  return Ok();
}

}  // namespace posdiag::agent::probes
