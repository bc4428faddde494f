#pragma once

#include <span>
#include <string_view>

namespace gw {

// One file of the playground page (web/).
struct PlaygroundFile {
  std::string_view name;  // "app.js"
  std::string_view content;
};

// The page's files as the build found them in web/ (scripts/embed_files.cmake), sorted by
// name: the copy served when playground.dir is not set.
std::span<const PlaygroundFile> embedded_playground_files();

// A name that may be looked up in playground.dir: one path segment of letters, digits,
// '-', '_' and '.', not starting with '.' (so no "..", no hidden files, no separators,
// nothing a percent-decoder or the filesystem could read differently).
bool playground_name_ok(std::string_view name);

// The Content-Type for a file name, by its extension (application/octet-stream for one
// not known).
std::string_view playground_content_type(std::string_view name);

}  // namespace gw
