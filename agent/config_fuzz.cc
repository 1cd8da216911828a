// Fuzz target: any bytes as a config file must give a Config or an Error, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "agent/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace posdiag::agent;
  static const auto specs = [] {
    auto s = CoreSections();
    s.push_back({"power",
                 "power",
                 {Bool("expect_battery").Default(false).Means("battery"),
                  Int("timeout_ms", 1, 600000).Default(2000).Means("deadline")}});
    s.push_back(
        {"printer",
         "printer",
         {String("transport").OneOf({"serial", "usb"}).Default("serial").Means("how"),
          TerminalPath("port").RequiredWhen("transport", "serial").Means("port"),
          Int("vid", 0, 0xFFFF).With("pid").Means("vid"),
          Int("pid", 0, 0xFFFF).With("vid").Means("pid"), Real("ratio", 0, 1).Means("ratio")}});
    s.push_back({"app",
                 "app",
                 {TerminalPath("executable").Means("exe"), String("version").Means("version")}});
    return MergeSpecs(std::move(s));
  }();
  auto config = Config::Parse(std::string_view(reinterpret_cast<const char*>(data), size),
                              "fuzz.toml", specs);
  if (config) {
    (void)config->Section("power").GetBool("expect_battery");
    (void)config->Section("rules").GetStringList("files");
    (void)config->Section("printer").GetString("port");
    (void)config->Section("printer").Where("vid");
  }
  return 0;
}
