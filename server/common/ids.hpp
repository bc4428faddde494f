#pragma once

#include <string>
#include <string_view>

namespace gw {

// Opaque, unique ids in the upstream style: a prefix plus 24 base58 characters
// ("req_", "msg_", "toolu_", ...). Random from a per-thread CSPRNG-seeded engine.
std::string make_id(std::string_view prefix);

}  // namespace gw
