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
      : std::runtime_error(printable(path.empty() ? problem : path + ": " + problem)),
        path_(std::move(path)),
        problem_(std::move(problem)) {}

  const std::string& path() const noexcept { return path_; }
  const std::string& problem() const noexcept { return problem_; }

 private:
  // A key or value from the file may hold any byte: a NUL would end what() for every
  // caller that prints it as a C string (the config fuzz target found an empty message),
  // and other control bytes would garble the terminal. They are shown as \xNN.
  static std::string printable(const std::string& text) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(text.size());
    for (unsigned char c : text) {
      if (c < 0x20 || c == 0x7f) {
        out += "\\x";
        out += kHex[c >> 4];
        out += kHex[c & 0xf];
      } else {
        out += static_cast<char>(c);
      }
    }
    return out;
  }

  std::string path_;
  std::string problem_;
};

}  // namespace gw
