#pragma once

#include <cstddef>

namespace gw {

// Descriptors kept back from client connections: listeners, the store's files, logs,
// upstream connections of requests that are about to finish.
inline constexpr std::size_t kReservedDescriptors = 64;

// The soft limit on open descriptors (RLIMIT_NOFILE) in force now.
std::size_t descriptor_limit();

// Raises the soft descriptor limit to the hard one, as Go's runtime and nginx's
// worker_rlimit_nofile do: the default soft limit of 1024 is a relic of select().
// Returns the limit now in force.
std::size_t raise_descriptor_limit();

// Client sockets that may be open at once (the descriptor limit less the reserve),
// counting the ones being refused or closed as well as those served.
std::size_t client_socket_budget(std::size_t descriptor_limit);

// The most client connections served at once. `configured` 0 means as many as the
// descriptors allow, with each connection counted twice (a busy one holds an upstream
// connection too); a configured cap is kept below the descriptor limit all the same,
// since beyond it accept() fails and nobody is answered.
std::size_t connection_cap(std::size_t configured, std::size_t descriptor_limit);

}  // namespace gw
