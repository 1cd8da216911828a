// A device is one unit: one folder agent/probes/<device>/ holds what posdiag knows of it — its
// config tables (declared as data, defaults and checks included), its probe (which declares its
// facts), the engineer routines it offers, and their tests. drivers/<device>/ keeps the bytes and
// protocols; rules/catalog/<device>.toml judges the facts.
//
// Adding a device: the folder, with a <device>_device.h declaring class <Device>Device (CamelCase
// of the folder name, in posdiag::agent::probes) and a CMakeLists.txt calling
//   posdiag_add_device(<device> SOURCES ... LIBS ... TESTS ...)
// and one line, add_subdirectory(<device>), in agent/probes/CMakeLists.txt, whose order is the
// order reports list the probes. The registry (agent/probes/registry.h) is generated from those
// calls. docs/adding-a-probe.md walks through it. Example:
//
//   class FanDevice : public Device {
//     std::string_view Name() const override { return "fan"; }
//     std::vector<SectionSpec> ConfigSections() const override {
//       return {{"fan", "the cooling fan", {Int("min_rpm", 0, 20'000).Default(800).Means("...")}}};
//     }
//     std::shared_ptr<Probe> MakeProbe() const override { return std::make_shared<FanProbe>(); }
//   };
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "agent/config.h"
#include "agent/probe.h"
#include "agent/routine.h"
#include "rules/engine/fact_schema.h"

namespace posdiag::agent {

// What an incident run (the flight recorder's diagnosis after a failed payment,
// docs/recorder.md) may do with a device's probe. An incident comes while the payment
// application is at work, so what it uses is left alone.
enum class IncidentUse {
  kMeasure,       // measured: the terminal's own state, the way to the payment host
  kNotWhileHeld,  // the payment application may hold it: skipped while a transaction is going
  kOnlyLocal,     // as kNotWhileHeld, and skipped too unless the failure was on the terminal
  kNever,         // the payment application's screen and card slots: never in an incident
};

class Device {
 public:
  virtual ~Device() = default;
  virtual std::string_view Name() const = 0;
  // Its config tables, its own first. For a device with a probe the registry adds `enabled` and
  // `timeout_ms` (default: the probe's DefaultTimeout) to the first.
  virtual std::vector<SectionSpec> ConfigSections() const = 0;
  // The probe that measures it; null for a device that is only tested (the keypad).
  virtual std::shared_ptr<Probe> MakeProbe() const { return nullptr; }
  virtual std::vector<std::shared_ptr<Routine>> Routines() const { return {}; }
  // Facts the agent writes itself about this unit rather than a probe measuring them (the
  // flight recorder's incident.*); declared here so rules may name them.
  virtual std::vector<rules::FactSpec> AgentFacts() const { return {}; }
  // What an incident run may do with its probe.
  virtual IncidentUse Incident() const { return IncidentUse::kMeasure; }
};

// What the devices make together, built once per process.
struct Registry {
  std::vector<std::shared_ptr<Device>> devices;
  std::vector<std::shared_ptr<Probe>> probes;      // in report order
  std::vector<std::shared_ptr<Routine>> routines;  // `test <name>`, in device order
  // The devices' config tables; a probe's own table also takes `enabled` and `timeout_ms`.
  std::vector<SectionSpec> sections;
  // Every probe's declared facts, each stamped with its probe, and the devices' AgentFacts,
  // stamped with the device.
  rules::FactSchema facts;
  // Each probe's IncidentUse, by probe name.
  std::map<std::string, IncidentUse, std::less<>> incident;
};

// The registry of `devices`: their probes, routines, tables (a probe's own with `enabled` and
// `timeout_ms` added) and facts.
Registry BuildRegistry(std::vector<std::shared_ptr<Device>> devices);

}  // namespace posdiag::agent
