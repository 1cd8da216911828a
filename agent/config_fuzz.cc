// Fuzz target: any bytes as a config file must give a Config or an Error, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "agent/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using posdiag::agent::Config;
  using posdiag::agent::SectionSpec;
  using posdiag::agent::ValueType;
  static const auto specs = [] {
    auto s = Config::CoreSections();
    s.push_back(
        {"power",
         {{"expect_battery", ValueType::kBool}, {"timeout_ms", ValueType::kInt, 1, 600000}}});
    s.push_back({"app", {{"executable", ValueType::kString}, {"version", ValueType::kString}}});
    return Config::MergeSpecs(std::move(s));
  }();
  auto config = Config::Parse(std::string_view(reinterpret_cast<const char*>(data), size),
                              "fuzz.toml", specs);
  if (config) {
    (void)config->Section("power").GetBool("expect_battery", false);
    (void)config->Section("rules").GetStringList("files");
  }
  return 0;
}
