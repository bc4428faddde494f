#pragma once

#include "server/common/blocking_pool.hpp"
#include "server/config/config.hpp"
#include "server/http/router.hpp"

#include <string_view>

namespace gw {

// GET / (the playground page) and GET /playground/{file} (its scripts and styles). Open,
// like the operations routes: the page asks its user for a key and sends it itself. The
// files are the built-in copy of web/, or those of playground.dir when set (read on the
// blocking pool, for editing the page without a rebuild). Nothing is added when
// playground.enabled is false.
void add_playground_routes(Router& router, const Config::Playground& config,
                           BlockingPool& blocking);

// The page runs only its own files and talks only to its own origin: no inline script, no
// third-party anything, no framing.
inline constexpr std::string_view kPlaygroundCsp =
    "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

}  // namespace gw
