// Every device the agent knows, in the order reports list their probes. The list itself is
// generated from the posdiag_add_device() calls of agent/probes/*/CMakeLists.txt (in the order
// agent/probes/CMakeLists.txt adds the folders); nothing else in the agent lists the devices
// (docs/adding-a-probe.md says which device services a mode calls by name).
#pragma once

#include <memory>
#include <vector>

#include "agent/device.h"

namespace posdiag::agent {

// Generated: one of each device, in order.
std::vector<std::shared_ptr<Device>> MakeDevices();

// BuildRegistry(MakeDevices()), once per process.
const Registry& Devices();

}  // namespace posdiag::agent
