#pragma once

// The source this binary was built from: `git describe --always --dirty --abbrev=12` at
// build time, "unknown" where there was no git. What a report of a measurement or a bug
// names, rather than whatever the repository holds when it is written.

#include <string_view>

namespace gw {

// Defined in a file the build generates on every build (scripts/build_info.cmake).
std::string_view build_version();

}  // namespace gw
