#pragma once

// A fresh directory under the system's temporary directory, removed with everything in it
// when the object goes (also when a test fails half way).

#include "server/common/ids.hpp"

#include <filesystem>
#include <string>
#include <string_view>

namespace gw::test {

class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "gw-test-")
      : path_(std::filesystem::temp_directory_path() / make_id(std::string(prefix))) {
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string string() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace gw::test
