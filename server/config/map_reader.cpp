#include "server/config/map_reader.hpp"

#include <algorithm>
#include <limits>

#include "server/config/config_error.hpp"
#include "server/config/value_parsers.hpp"

namespace gw {
namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      const std::size_t substitute = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      row[j] = std::min({above + 1, row[j - 1] + 1, substitute});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string quoted(std::string_view text) {
  std::string out = "\"";
  out.append(text);
  out.push_back('"');
  return out;
}

std::string element_path(const std::string& list_path, std::size_t index) {
  return list_path + "[" + std::to_string(index) + "]";
}

}  // namespace

std::string describe_node(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return quoted(node.Scalar());
    default:
      return "nothing";
  }
}

std::string scalar_text(const YAML::Node& node, const std::string& path, std::string_view expected,
                        const EnvLookup& env) {
  if (!node.IsScalar()) {
    throw ConfigError(path, "expected " + std::string(expected) + ", got " + describe_node(node));
  }
  try {
    return expand_env(node.Scalar(), env);
  } catch (const ConfigError& e) {
    throw ConfigError(path, e.problem());
  }
}

MapReader::MapReader(const YAML::Node& node, std::string path, const EnvLookup& env)
    : path_(std::move(path)), env_(env) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (!node.IsMap()) {
    throw ConfigError(path_.empty() ? "(root)" : path_,
                      "expected a map, got " + describe_node(node));
  }
  for (const auto& entry : node) {
    if (!entry.first.IsScalar()) {
      throw ConfigError(path_.empty() ? "(root)" : path_,
                        "field names must be plain strings, got " + describe_node(entry.first));
    }
    std::string key = entry.first.Scalar();
    // yaml-cpp keeps both copies of a repeated key and lookups would see only one.
    for (const auto& [seen, value] : entries_) {
      if (seen == key) throw ConfigError(child_path(key), "field given twice");
    }
    entries_.emplace_back(std::move(key), entry.second);
  }
}

const YAML::Node* MapReader::find(std::string_view key) {
  known_.push_back(key);
  for (const auto& [name, value] : entries_) {
    if (name == key) return &value;
  }
  return nullptr;
}

std::string MapReader::child_path(std::string_view key) const {
  if (path_.empty()) return std::string(key);
  return path_ + "." + std::string(key);
}

std::optional<std::string> MapReader::text(std::string_view key, std::string_view expected,
                                           std::string& path) {
  const YAML::Node* node = find(key);
  if (node == nullptr || node->IsNull()) return std::nullopt;
  path = child_path(key);
  return scalar_text(*node, path, expected, env_);
}

void MapReader::read_string(std::string_view key, std::string& out) {
  std::string path;
  if (auto value = text(key, "a string", path)) out = std::move(*value);
}

void MapReader::read_bool(std::string_view key, bool& out) {
  static constexpr std::string_view kExpected = "true or false";
  std::string path;
  const auto value = text(key, kExpected, path);
  if (!value) return;
  const auto parsed = parse_bool(*value);
  if (!parsed) {
    throw ConfigError(path, "expected " + std::string(kExpected) + ", got " + quoted(*value));
  }
  out = *parsed;
}

void MapReader::read_duration(std::string_view key, Millis& out) {
  static constexpr std::string_view kExpected = "a duration such as 250ms, 5s, 2m or 1h";
  std::string path;
  const auto value = text(key, kExpected, path);
  if (!value) return;
  const auto parsed = parse_duration(*value);
  if (!parsed) {
    throw ConfigError(path, "expected " + std::string(kExpected) + ", got " + quoted(*value));
  }
  out = *parsed;
}

void MapReader::read_size(std::string_view key, std::size_t& out) {
  static constexpr std::string_view kExpected = "a size such as 32MiB, 512KiB or 1048576";
  std::string path;
  const auto value = text(key, kExpected, path);
  if (!value) return;
  const auto parsed = parse_size(*value);
  if (!parsed || *parsed > std::numeric_limits<std::size_t>::max()) {
    throw ConfigError(path, "expected " + std::string(kExpected) + ", got " + quoted(*value));
  }
  out = static_cast<std::size_t>(*parsed);
}

std::optional<std::int64_t> MapReader::int_field(std::string_view key, std::int64_t min,
                                                 std::int64_t max) {
  const std::string expected =
      "an integer from " + std::to_string(min) + " to " + std::to_string(max);
  std::string path;
  const auto value = text(key, expected, path);
  if (!value) return std::nullopt;
  const auto parsed = parse_int(*value);
  if (!parsed || *parsed < min || *parsed > max) {
    throw ConfigError(path, "expected " + expected + ", got " + quoted(*value));
  }
  return parsed;
}

void MapReader::read_string_list(std::string_view key, std::vector<std::string>& out) {
  const YAML::Node* node = find(key);
  if (node == nullptr || node->IsNull()) return;
  const std::string path = child_path(key);
  if (!node->IsSequence()) {
    throw ConfigError(path, "expected a list of strings, got " + describe_node(*node));
  }
  std::vector<std::string> items;
  items.reserve(node->size());
  for (std::size_t i = 0; i < node->size(); ++i) {
    items.push_back(scalar_text((*node)[i], element_path(path, i), "a string", env_));
  }
  out = std::move(items);
}

void MapReader::read_scalar(
    std::string_view key,
    const std::function<void(const std::string& text, const std::string& path)>& parse) {
  std::string path;
  if (auto value = text(key, "a string", path)) parse(*value, path);
}

void MapReader::read_section(std::string_view key, const std::function<void(MapReader&)>& read) {
  const YAML::Node* node = find(key);
  if (node == nullptr) return;
  MapReader section(*node, child_path(key), env_);
  read(section);
  section.finish();
}

void MapReader::read_map_list(std::string_view key,
                              const std::function<void(MapReader&)>& read_item) {
  const YAML::Node* node = find(key);
  if (node == nullptr || node->IsNull()) return;
  const std::string path = child_path(key);
  if (!node->IsSequence()) {
    throw ConfigError(path, "expected a list, got " + describe_node(*node));
  }
  for (std::size_t i = 0; i < node->size(); ++i) {
    const YAML::Node item = (*node)[i];
    const std::string item_path = element_path(path, i);
    if (!item.IsMap()) {
      throw ConfigError(item_path, "expected a map, got " + describe_node(item));
    }
    MapReader reader(item, item_path, env_);
    read_item(reader);
    reader.finish();
  }
}

void MapReader::finish() const {
  for (const auto& [name, value] : entries_) {
    if (std::find(known_.begin(), known_.end(), name) != known_.end()) continue;
    std::string_view best;
    std::size_t best_distance = 0;
    for (std::string_view candidate : known_) {
      const std::size_t d = edit_distance(name, candidate);
      if (best.empty() || d < best_distance) {
        best = candidate;
        best_distance = d;
      }
    }
    const std::size_t close_enough = std::max<std::size_t>(2, name.size() / 3);
    std::string problem = "unknown field";
    if (!best.empty() && best_distance <= close_enough) {
      problem += " (did you mean " + quoted(best) + "?)";
    } else if (!known_.empty()) {
      problem += " (expected one of:";
      for (std::size_t i = 0; i < known_.size(); ++i) {
        problem += (i == 0 ? " " : ", ");
        problem.append(known_[i]);
      }
      problem += ")";
    }
    throw ConfigError(child_path(name), problem);
  }
}

}  // namespace gw
