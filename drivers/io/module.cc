#include "drivers/io/module.h"

#include <dlfcn.h>

#include <map>
#include <mutex>
#include <string>

#include "drivers/io/companion.h"

namespace posdiag::io {

Result<void*> LoadModuleEntryFrom(const std::filesystem::path& binary_dir, std::string_view file,
                                  const char* entry) {
  auto path = FindCompanionFrom(binary_dir, file);
  if (!path) return path.error();
  // Loaded once per process and never unloaded: what the module gave out (its interface, objects
  // it made) points into it. dlopen counts references, so the handle is kept rather than asked
  // for again.
  static std::mutex mutex;
  static std::map<std::string, void*> loaded;
  const std::lock_guard lock(mutex);
  void*& handle = loaded[path->string()];
  if (handle == nullptr) {
    // RTLD_NOW: a library the module needs that is missing or lacks a symbol is an error now,
    // not a crash at the first call. RTLD_LOCAL: its symbols do not mix with posdiag's.
    handle = ::dlopen(path->c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      const char* why = ::dlerror();
      loaded.erase(path->string());
      return Error{ErrorKind::kIo, std::string(file) + ": cannot be loaded: " +
                                       (why != nullptr ? why : path->string())};
    }
  }
  ::dlerror();
  void* address = ::dlsym(handle, entry);
  if (address == nullptr) {
    return Error{ErrorKind::kIo, std::string(file) + ": " + path->string() + " has no " + entry +
                                     " (a module from another version of posdiag?)"};
  }
  return address;
}

Result<void*> LoadModuleEntry(std::string_view file, const char* entry) {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return LoadModuleEntryFrom(ec ? std::filesystem::path() : self.parent_path(), file, entry);
}

}  // namespace posdiag::io
