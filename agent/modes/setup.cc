#include "agent/modes/setup.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "agent/fleet/fleet_settings.h"
#include "agent/modes/console.h"
#include "agent/modes/daemon.h"
#include "agent/modes/handoff.h"
#include "agent/probes/registry.h"

namespace posdiag::agent {

std::vector<SectionSpec> AllConfigSections() {
  std::vector<SectionSpec> specs = CoreSections();
  for (const auto& s : Devices().sections) specs.push_back(s);
  specs.push_back(DaemonSection());
  specs.push_back(ConsoleSection());
  specs.push_back(fleet::FleetSection());
  specs.push_back(ReportSection());
  return MergeSpecs(std::move(specs));
}

Result<Setup> LoadSetup(const std::optional<std::string>& config_path) {
  Setup setup;
  setup.registry = &Devices();
  std::error_code ec;
  if (config_path || std::filesystem::exists(kDefaultConfigPath, ec)) {
    auto config = Config::Load(config_path.value_or(kDefaultConfigPath), AllConfigSections());
    if (!config) return config.error();
    setup.config = std::make_shared<Config>(std::move(*config));
    return setup;
  }
  // No config file: measure what needs no configuration. The power probe's section is implied
  // because every terminal has a power path; devices on ports need their table.
  auto config = Config::Parse("", "built-in defaults", AllConfigSections());
  if (!config) return config.error();
  config->AddEmptySection("power");
  setup.config = std::make_shared<Config>(std::move(*config));
  return setup;
}

std::vector<std::string> SiteRuleFiles(const Config& config) {
  const ConfigSection& rules = config.Section("rules");
  std::vector<std::string> files = rules.GetStringList("files");
  const std::string dir = rules.GetString("dir");
  if (!dir.empty()) {
    std::vector<std::string> found;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      if (entry.path().extension() == ".toml") found.push_back(entry.path().string());
    }
    // A missing directory is passed on as a file so the loader reports it like any bad file.
    if (ec) found.push_back(dir);
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

void PrintError(const Error& error) {
  std::istringstream lines(error.detail);
  std::string line;
  while (std::getline(lines, line)) std::fprintf(stderr, "posdiag: %s\n", line.c_str());
}

}  // namespace posdiag::agent
