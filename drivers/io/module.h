// posdiag's own modules: shared objects that ship beside the binary (io/companion.h), each linked
// against a library that only some runs need (OpenSSL, libmosquitto), so a run that needs none of
// them never maps those libraries. A module has one extern "C" entry that returns its interface,
// a class of pure virtual functions declared in a posdiag header; the module is found by its file
// name and loaded on first use, and stays loaded.
// Example:
//   auto crypto = io::LoadModule<CryptoModule>("posdiag-crypto.so", "posdiag_crypto_module_v1");
//   if (!crypto) return crypto.error();  // "posdiag-crypto.so: not found beside the binary (…)"
//   (*crypto)->Pbkdf2Sha256(...);
#pragma once

#include <filesystem>
#include <string_view>

#include "drivers/base/result.h"

namespace posdiag::io {

// The address of `entry` in the module `file`, found with FindCompanion and loaded (dlopen, every
// symbol bound now, its libraries kept to itself). kNotFound names the places looked in; kIo says
// why a file that is there could not be loaded, or that it lacks the entry.
Result<void*> LoadModuleEntry(std::string_view file, const char* entry);

// The same from a given binary's directory (tests).
Result<void*> LoadModuleEntryFrom(const std::filesystem::path& binary_dir, std::string_view file,
                                  const char* entry);

// A module's interface: its entry called once loaded. The entry returns an object that lives as
// long as the process.
template <typename Interface>
Result<const Interface*> LoadModule(std::string_view file, const char* entry) {
  auto address = LoadModuleEntry(file, entry);
  if (!address) return address.error();
  const Interface* loaded = reinterpret_cast<const Interface* (*)()>(*address)();
  if (loaded == nullptr) {
    return Error{ErrorKind::kIo, std::string(file) + ": " + entry + " gave nothing"};
  }
  return loaded;
}

}  // namespace posdiag::io
