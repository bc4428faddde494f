#pragma once

#include <string>
#include <string_view>

#include "server/config/config.hpp"
#include "server/config/env_expand.hpp"

namespace gw {

// Parses, expands and validates a configuration (API.md section 6). Throws ConfigError
// "<field path>: <problem>"; syntax errors give the line and column instead of a path,
// and load_config_file prefixes those and read failures with the file's path.
Config load_config_file(const std::string& path, const EnvLookup& env);
Config load_config_string(std::string_view yaml, const EnvLookup& env);

}  // namespace gw
