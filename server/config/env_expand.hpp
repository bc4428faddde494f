#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace gw {

// Looks a variable up; nullopt when it is unset (which is not the same as set to "").
// Injected so that tests and --check-config never depend on the real environment.
using EnvLookup = std::function<std::optional<std::string>(std::string_view)>;

// The process environment.
EnvLookup process_env();

// Expands `${VAR}`, `${VAR:-default}` and `$$` in one configuration value.
//  - `${VAR}` with VAR unset throws ConfigError naming VAR: a silently empty value (an
//    empty api key, say) would only fail much later and far from its cause.
//  - `${VAR:-default}` takes the default when VAR is unset or empty, as POSIX sh does.
//    The default is literal text up to the first `}`; it is not expanded again.
//  - `$$` is a literal `$`; any other `$` is kept as is.
// An unterminated `${` or an invalid variable name throws ConfigError. The error has no
// path: the config loader adds the field's.
std::string expand_env(std::string_view text, const EnvLookup& env);

}  // namespace gw
