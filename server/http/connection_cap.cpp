#include "server/http/connection_cap.hpp"

#include <sys/resource.h>

#include <algorithm>

namespace gw {

std::size_t descriptor_limit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return 1 << 20;
  return static_cast<std::size_t>(rl.rlim_cur);
}

std::size_t raise_descriptor_limit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);  // best effort: the old limit stays if this fails
  }
  return descriptor_limit();
}

std::size_t client_socket_budget(std::size_t descriptor_limit) {
  return descriptor_limit > kReservedDescriptors + 1 ? descriptor_limit - kReservedDescriptors : 1;
}

std::size_t connection_cap(std::size_t configured, std::size_t descriptor_limit) {
  const std::size_t usable = client_socket_budget(descriptor_limit);
  if (configured == 0) return std::max<std::size_t>(1, usable / 2);
  return std::min(configured, usable);
}

}  // namespace gw
