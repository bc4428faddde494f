#include "server/config/env_expand.hpp"

#include <cstdlib>

#include "server/config/config_error.hpp"

namespace gw {
namespace {

bool is_name_start(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

bool is_name_char(char c) {
  return is_name_start(c) || (c >= '0' && c <= '9');
}

bool is_valid_name(std::string_view name) {
  if (name.empty() || !is_name_start(name.front())) return false;
  for (char c : name) {
    if (!is_name_char(c)) return false;
  }
  return true;
}

}  // namespace

EnvLookup process_env() {
  return [](std::string_view name) -> std::optional<std::string> {
    // getenv needs a terminated string; std::string_view gives no such guarantee.
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

std::string expand_env(std::string_view text, const EnvLookup& env) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t dollar = text.find('$', i);
    if (dollar == std::string_view::npos) {
      out.append(text.substr(i));
      break;
    }
    out.append(text.substr(i, dollar - i));
    const std::string_view rest = text.substr(dollar);
    if (rest.starts_with("$$")) {
      out.push_back('$');
      i = dollar + 2;
      continue;
    }
    if (!rest.starts_with("${")) {
      out.push_back('$');
      i = dollar + 1;
      continue;
    }
    const std::size_t close = rest.find('}');
    if (close == std::string_view::npos) {
      throw ConfigError("", "unterminated \"${\" (write \"$$\" for a literal \"$\")");
    }
    const std::string_view body = rest.substr(2, close - 2);
    const std::size_t sep = body.find(":-");
    const std::string_view name = body.substr(0, sep);
    if (!is_valid_name(name)) {
      throw ConfigError("", "invalid environment variable name \"" + std::string(name) +
                                "\" in \"${" + std::string(body) + "}\"");
    }
    std::optional<std::string> value = env(name);
    if (sep != std::string_view::npos) {
      if (value && !value->empty()) {
        out.append(*value);
      } else {
        out.append(body.substr(sep + 2));
      }
    } else if (value) {
      out.append(*value);
    } else {
      throw ConfigError("", "environment variable " + std::string(name) + " is not set (use ${" +
                                std::string(name) + ":-default} to make it optional)");
    }
    i = dollar + close + 1;
  }
  return out;
}

}  // namespace gw
