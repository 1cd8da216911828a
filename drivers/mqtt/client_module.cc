#include "drivers/io/module.h"
#include "drivers/mqtt/mqtt_client.h"

// Defined by the module's code (mosquitto_client.cc); a program that links that code has it, and
// posdiag, which loads the module instead, does not (the reference is then null).
extern "C" const posdiag::drivers::mqtt::ClientModule* posdiag_mqtt_module_v1()
    __attribute__((weak));

namespace posdiag::drivers::mqtt {

Result<std::unique_ptr<Client>> Client::Create(const Options& options, Callbacks callbacks) {
  const ClientModule* module = nullptr;
  if (posdiag_mqtt_module_v1 != nullptr) {
    module = posdiag_mqtt_module_v1();
  } else {
    auto loaded = io::LoadModule<ClientModule>(kModuleFile, kModuleEntry);
    if (!loaded) return loaded.error();
    module = *loaded;
  }
  return module->Create(options, std::move(callbacks));
}

}  // namespace posdiag::drivers::mqtt
