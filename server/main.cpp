// claude-gateway: argument parsing, config load, start, signal handling; nothing else.
#include "server/app/gateway.hpp"
#include "server/common/build_info.hpp"
#include "server/common/log.hpp"
#include "server/config/config_error.hpp"
#include "server/config/config_loader.hpp"
#include "server/http/connection_cap.hpp"
#include "server/http/listen_address.hpp"
#include "server/upstream/own_listener_check.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

constexpr const char* kUsage =
    "usage: claude-gateway [--config PATH] [--check-config PATH] [--version] [--help]\n"
    "  --config PATH        configuration file (default config/gateway.yaml)\n"
    "  --check-config PATH  validate the file, print the problem if any, and exit\n"
    "  --version            print the commit this binary was built from, and exit\n"
    "Environment: see config/gateway.yaml (ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL,\n"
    "GATEWAY_LISTEN, GATEWAY_DATA_DIR).\n";

}  // namespace

int main(int argc, char** argv) {
  std::string config_path = "config/gateway.yaml";
  bool check_only = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if ((arg == "--config" || arg == "--check-config") && i + 1 < argc) {
      check_only = arg == "--check-config";
      config_path = argv[++i];
    } else if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (arg == "--version") {
      std::string version(gw::build_version());
      std::printf("claude-gateway %s\n", version.c_str());
      return 0;
    } else {
      std::fprintf(stderr, "claude-gateway: unknown argument %s\n%s", arg.c_str(), kUsage);
      return 2;
    }
  }

  gw::Config config;
  try {
    config = gw::load_config_file(config_path, gw::process_env());
  } catch (const gw::ConfigError& e) {
    std::fprintf(stderr, "claude-gateway: invalid configuration %s: %s\n", config_path.c_str(),
                 e.what());
    return 1;
  }
  if (check_only) {
    // What start would do with the listen address, so that a file the check passes starts.
    try {
      gw::resolve_listen_address(config.listen.host, config.listen.port);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "claude-gateway: invalid configuration %s: listen: %s\n",
                   config_path.c_str(), e.what());
      return 1;
    }
    if (auto own = gw::upstream_is_own_listener(config)) {
      std::fprintf(stderr, "claude-gateway: warning: %s\n", own->c_str());
    }
    std::printf("%s: ok\n", config_path.c_str());
    return 0;
  }
  gw::raise_descriptor_limit();
  gw::log::Level level = gw::log::Level::info;
  gw::log::parse_level(config.log.level, level);
  gw::log::set_level(level);

  // Signals are taken synchronously on this thread, so handlers need no async-signal care.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // inherited by the worker threads
  std::signal(SIGPIPE, SIG_IGN);

  try {
    gw::Gateway gateway(config);
    if (std::getenv("GATEWAY_OFFLINE")) {
      gw::log::warn(
          "OFFLINE MODE: no ANTHROPIC_API_KEY; upstream is the bundled fake Messages "
          "API, replies are canned",
          {{"upstream", config.upstream.base_url}});
    }
    if (auto own = gw::upstream_is_own_listener(config)) gw::log::warn(*own);
    gateway.start();
    int sig = 0;
    sigwait(&signals, &sig);
    gw::log::info("draining", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"},
                               {"grace_ms", std::to_string(config.shutdown.grace.count())}});
    gateway.shutdown(config.shutdown.grace);
    gw::log::info("stopped");
  } catch (const std::exception& e) {
    gw::log::error("cannot start", {{"error", e.what()}});
    return 1;
  }
  return 0;
}
