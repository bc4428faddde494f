#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/config/config.hpp"
#include "server/config/env_expand.hpp"

namespace gw {

// Reads one YAML map (a config section) into typed fields. Each read_* call both reads a
// field and declares it allowed; finish() then rejects every other key, so that a typo is
// an error instead of a silently ignored setting. A missing or null field leaves `out`
// untouched, which is how the struct's defaults apply. Scalars are expanded with
// expand_env after parsing, so a value cannot change the YAML structure around it.
// Errors are ConfigError with the full field path ("auth.keys[1].key").
class MapReader {
 public:
  // `node` may be null (an absent or empty section); anything else but a map is an error.
  MapReader(const YAML::Node& node, std::string path, const EnvLookup& env);

  void read_string(std::string_view key, std::string& out);
  void read_bool(std::string_view key, bool& out);
  void read_duration(std::string_view key, Millis& out);
  void read_size(std::string_view key, std::size_t& out);
  void read_string_list(std::string_view key, std::vector<std::string>& out);

  template <class Int>
  void read_int(std::string_view key, Int& out, std::int64_t min, std::int64_t max) {
    if (auto value = int_field(key, min, max)) out = static_cast<Int>(*value);
  }

  // A scalar with a text form of its own: `parse` gets the expanded text and the path.
  void read_scalar(
      std::string_view key,
      const std::function<void(const std::string& text, const std::string& path)>& parse);

  // A nested map; `read` declares its fields, and the section is finish()ed afterwards.
  void read_section(std::string_view key, const std::function<void(MapReader&)>& read);

  // A list whose items are maps, each read (and finish()ed) like a section.
  void read_map_list(std::string_view key, const std::function<void(MapReader&)>& read_item);

  // Throws for the first key that no read_* call declared, suggesting the closest one.
  void finish() const;

  const std::string& path() const { return path_; }

 private:
  const YAML::Node* find(std::string_view key);
  std::string child_path(std::string_view key) const;
  // The expanded text of a scalar field, or nullopt when the field is absent or null.
  std::optional<std::string> text(std::string_view key, std::string_view expected,
                                  std::string& path);
  std::optional<std::int64_t> int_field(std::string_view key, std::int64_t min, std::int64_t max);

  std::string path_;
  const EnvLookup& env_;
  std::vector<std::pair<std::string, YAML::Node>> entries_;
  std::vector<std::string_view> known_;
};

// "a map", "a list", "null" or the scalar quoted: for "expected X, got Y" messages.
std::string describe_node(const YAML::Node& node);

// The expanded text of a scalar node; `expected` words the error for any other node.
std::string scalar_text(const YAML::Node& node, const std::string& path, std::string_view expected,
                        const EnvLookup& env);

}  // namespace gw
