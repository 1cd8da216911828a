// A throw-away root directory for tests: write a fake /sys, /proc or /var tree with Put(), point
// an io::RootFs at root(), and the tree is removed when the object goes away.
#pragma once

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace posdiag::testing {

class FixtureTree {
 public:
  FixtureTree() {
    std::string templ =
        (std::filesystem::temp_directory_path() / "posdiag_fixture_XXXXXX").string();
    if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    root_ = templ;
  }
  ~FixtureTree() {
    std::error_code ec;
    // Tests make files unreadable on purpose; give the owner access back so removal works.
    for (auto it = std::filesystem::recursive_directory_iterator(
             root_, std::filesystem::directory_options::skip_permission_denied, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      std::filesystem::permissions(it->path(), std::filesystem::perms::owner_all,
                                   std::filesystem::perm_options::add, ec);
    }
    std::filesystem::remove_all(root_, ec);
  }
  FixtureTree(const FixtureTree&) = delete;
  FixtureTree& operator=(const FixtureTree&) = delete;

  const std::filesystem::path& root() const { return root_; }

  // The path under the root of an absolute system path ("/sys/class/x" -> <root>/sys/class/x).
  std::filesystem::path At(std::string_view system_path) const {
    return root_ / std::filesystem::path(system_path).relative_path();
  }

  // Writes a file, creating its parent directories; the content is written byte for byte.
  void Put(std::string_view system_path, std::string_view content) const {
    const auto path = At(system_path);
    std::filesystem::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!out) throw std::runtime_error("cannot write " + path.string());
  }

  void MakeDir(std::string_view system_path) const {
    std::filesystem::create_directories(At(system_path));
  }

  void Remove(std::string_view system_path) const { std::filesystem::remove_all(At(system_path)); }

  void Chmod(std::string_view system_path, std::filesystem::perms perms) const {
    std::filesystem::permissions(At(system_path), perms);
  }

 private:
  std::filesystem::path root_;
};

}  // namespace posdiag::testing
