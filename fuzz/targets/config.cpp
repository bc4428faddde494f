// The configuration loader on any text, through the path --check-config takes (parse,
// expand, read, validate). A configuration is operator input, but a typo must be answered
// with a ConfigError naming the field, never a crash, a hang or a stray exception type.
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <typeinfo>

#include "fuzz/registry.hpp"
#include "server/config/config_error.hpp"
#include "server/config/config_loader.hpp"
#include "server/config/config_validate.hpp"

namespace gw::fuzz {
namespace {

// A fixed environment, so that a finding replays the same everywhere: one set variable,
// one set but empty, everything else unset.
std::optional<std::string> fake_env(std::string_view name) {
  if (name == "FUZZ_SET") return std::string("sk-fuzz-0123456789abcdef");
  if (name == "FUZZ_EMPTY") return std::string();
  return std::nullopt;
}

}  // namespace

GW_FUZZ_TARGET(config) {
  const std::string_view yaml(reinterpret_cast<const char*>(data), size);
  Config config;
  try {
    config = load_config_string(yaml, fake_env);
  } catch (const ConfigError& e) {
    if (std::string_view(e.what()).empty()) fail("config", "a ConfigError with no message");
    return;
  } catch (const std::exception& e) {
    fail("config",
         std::string("threw ") + typeid(e).name() + " instead of ConfigError: " + e.what());
  } catch (...) {
    fail("config", "threw something that is not a std::exception");
  }
  // What the loader accepted, validation accepts again: start runs validate_config too.
  try {
    validate_config(config);
  } catch (const std::exception& e) {
    fail("config", std::string("a loaded configuration fails validation: ") + e.what());
  }
}

}  // namespace gw::fuzz
