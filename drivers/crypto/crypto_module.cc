#include "drivers/crypto/crypto.h"
#include "drivers/io/module.h"

// Defined by the module's code (openssl_crypto.cc); a program that links that code has it, and
// posdiag, which loads the module instead, does not (the reference is then null).
extern "C" const posdiag::drivers::crypto::Module* posdiag_crypto_module_v1() __attribute__((weak));

namespace posdiag::drivers::crypto {

Result<const Module*> Load() {
  if (posdiag_crypto_module_v1 != nullptr) return posdiag_crypto_module_v1();
  return io::LoadModule<Module>(kModuleFile, kModuleEntry);
}

}  // namespace posdiag::drivers::crypto
