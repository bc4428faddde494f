#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace gw {

// A configuration that cannot be used. what() is "<field path>: <problem>" so that the
// operator sees which line of the YAML to fix; path() and problem() are kept apart for
// callers (and tests) that want to add context such as the file name.
class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string path, std::string problem)
      : std::runtime_error(path.empty() ? problem : path + ": " + problem),
        path_(std::move(path)),
        problem_(std::move(problem)) {}

  const std::string& path() const noexcept { return path_; }
  const std::string& problem() const noexcept { return problem_; }

 private:
  std::string path_;
  std::string problem_;
};

}  // namespace gw
