#include "agent/modes/setup.h"

#include <algorithm>
#include <filesystem>

#include "agent/probes/registry.h"
#include "agent/run.h"

namespace posdiag::agent {

Result<Setup> LoadSetup(const std::optional<std::string>& config_path) {
  Setup setup;
  for (auto& probe : MakeProbes()) setup.probes.push_back(std::move(probe));
  const auto specs = ConfigSpecs(setup.probes);

  std::error_code ec;
  if (config_path || std::filesystem::exists(kDefaultConfigPath, ec)) {
    auto config = Config::Load(config_path.value_or(kDefaultConfigPath), specs);
    if (!config) return config.error();
    setup.config = std::make_shared<Config>(std::move(*config));
    return setup;
  }
  // No config file: measure what needs no configuration. The power probe's section is implied
  // because every terminal has a power path; devices on ports need their table.
  auto config = Config::Parse("", "built-in defaults", specs);
  if (!config) return config.error();
  config->AddEmptySection("power");
  setup.config = std::make_shared<Config>(std::move(*config));
  return setup;
}

std::vector<std::string> SiteRuleFiles(const Config& config) {
  const ConfigSection& rules = config.Section("rules");
  std::vector<std::string> files = rules.GetStringList("files");
  const std::string dir = rules.GetString("dir", "");
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

}  // namespace posdiag::agent
