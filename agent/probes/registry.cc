#include "agent/probes/registry.h"

namespace posdiag::agent {

const Registry& Devices() {
  static const Registry registry = BuildRegistry(MakeDevices());
  return registry;
}

}  // namespace posdiag::agent
