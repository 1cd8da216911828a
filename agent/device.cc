#include "agent/device.h"

#include <string>

namespace posdiag::agent {

Registry BuildRegistry(std::vector<std::shared_ptr<Device>> devices) {
  Registry r;
  for (const auto& device : devices) {
    auto sections = device->ConfigSections();
    auto probe = device->MakeProbe();
    if (probe) {
      if (sections.empty() || sections.front().name != probe->Name()) {
        sections.insert(sections.begin(), SectionSpec{std::string(probe->Name()), "", {}});
      }
      auto& own = sections.front().keys;
      own.push_back(Bool("enabled").Default(true).Means("false: the probe is not_configured"));
      own.push_back(Int("timeout_ms", 1, 600'000)
                        .Default(static_cast<std::int64_t>(probe->DefaultTimeout().count()))
                        .Means("the probe's deadline"));
      for (auto& spec : probe->Facts()) {
        spec.probe = std::string(probe->Name());
        r.facts.Add(std::move(spec));
      }
      r.incident[std::string(probe->Name())] = device->Incident();
      r.probes.push_back(std::move(probe));
    }
    for (auto& spec : device->AgentFacts()) {
      spec.probe = std::string(device->Name());
      r.facts.Add(std::move(spec));
    }
    for (auto& s : sections) r.sections.push_back(std::move(s));
    for (auto& routine : device->Routines()) r.routines.push_back(std::move(routine));
  }
  r.devices = std::move(devices);
  // Grown one entry at a time; the daemon holds them for its whole life, at their size.
  r.facts.ShrinkToFit();
  for (auto& s : r.sections) s.keys.shrink_to_fit();
  r.sections.shrink_to_fit();
  return r;
}

}  // namespace posdiag::agent
