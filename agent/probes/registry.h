// Every probe the agent knows, in the order reports list them. Adding a probe is one line in
// registry.cc; nothing else in the agent names a probe.
#pragma once

#include <memory>
#include <vector>

#include "agent/probe.h"

namespace posdiag::agent {

std::vector<std::unique_ptr<Probe>> MakeProbes();

}  // namespace posdiag::agent
