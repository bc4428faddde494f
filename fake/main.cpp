// fake-messages-api: the fake Messages API as a standalone server, for offline
// development, the end-to-end tests and benchmarks.

#include "fake/fake_server.hpp"
#include "server/common/build_info.hpp"

#include <boost/asio.hpp>

#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;

constexpr std::string_view kUsage =
    R"(usage: fake-messages-api [options]

  --listen HOST:PORT      address to listen on (default 127.0.0.1:8089; port 0 picks one;
                          IPv6 as [::1]:PORT)
  --tls-cert FILE         PEM certificate (chain); with --tls-key serves HTTPS
  --tls-key FILE          PEM private key
  --api-key KEY           accept only this key (default: any non-empty key)
  --delta-delay-ms N      pause between SSE events (default 0)
  --threads N             I/O threads (default 2)
  --image-max-bytes N     per-image base64 limit (default 5242880)
  --close-after-stream    close the connection after each streamed answer
  --port-file PATH        write the bound port to PATH once listening
  --version               the commit this binary was built from
  --help                  this text

Test control (no auth): POST/DELETE /_fake/faults, GET /_fake/stats,
GET /_fake/requests?limit=N, POST /_fake/release?count=N,
POST /_fake/close_idle, POST /_fake/reset.
)";

template <class T>
std::optional<T> parse_number(std::string_view s) {
  T v{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

bool split_listen(std::string_view s, gw::fake::ServerOptions& o) {
  auto colon = s.rfind(':');
  if (colon == std::string_view::npos) return false;
  std::string_view host = s.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  auto port = parse_number<std::uint16_t>(s.substr(colon + 1));
  if (host.empty() || !port) return false;
  o.host = std::string(host);
  o.port = *port;
  return true;
}

int fail(std::string_view message) {
  std::cerr << "fake-messages-api: " << message << "\n" << kUsage;
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  gw::fake::ServerOptions options;
  options.port = 8089;
  int threads = 2;
  std::string port_file;

  std::vector<std::string_view> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    auto value = [&]() -> std::optional<std::string_view> {
      if (i + 1 >= args.size()) return std::nullopt;
      return args[++i];
    };
    if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return 0;
    } else if (a == "--version") {
      std::cout << "fake-messages-api " << gw::build_version() << "\n";
      return 0;
    } else if (a == "--close-after-stream") {
      options.close_after_stream = true;
    } else if (a == "--listen" || a == "--tls-cert" || a == "--tls-key" || a == "--api-key" ||
               a == "--delta-delay-ms" || a == "--threads" || a == "--image-max-bytes" ||
               a == "--port-file") {
      auto v = value();
      if (!v) return fail(std::string(a) + " needs a value");
      if (a == "--listen") {
        if (!split_listen(*v, options)) return fail("--listen wants HOST:PORT");
      } else if (a == "--tls-cert") {
        options.tls_cert_file = std::string(*v);
      } else if (a == "--tls-key") {
        options.tls_key_file = std::string(*v);
      } else if (a == "--api-key") {
        options.api_key = std::string(*v);
      } else if (a == "--delta-delay-ms") {
        auto n = parse_number<long long>(*v);
        if (!n || *n < 0) return fail("--delta-delay-ms wants a non-negative integer");
        options.delta_delay = std::chrono::milliseconds(*n);
      } else if (a == "--threads") {
        auto n = parse_number<int>(*v);
        if (!n || *n < 1) return fail("--threads wants a positive integer");
        threads = *n;
      } else if (a == "--image-max-bytes") {
        auto n = parse_number<std::size_t>(*v);
        if (!n) return fail("--image-max-bytes wants a non-negative integer");
        options.settings.image_max_base64_bytes = *n;
      } else {
        port_file = std::string(*v);
      }
    } else {
      return fail("unknown argument " + std::string(a));
    }
  }

  asio::io_context ioc(threads);
  gw::fake::FakeServer server(ioc, options);
  try {
    server.start();
  } catch (const std::exception& e) {
    std::cerr << "fake-messages-api: cannot start: " << e.what() << "\n";
    return 1;
  }

  bool v6 = options.host.find(':') != std::string::npos;
  std::cerr << "fake-messages-api listening on " << (server.tls() ? "https" : "http") << "://"
            << (v6 ? "[" + options.host + "]" : options.host) << ":" << server.port() << std::endl;
  if (!port_file.empty()) {
    // Written to a temp name and renamed, so a watcher never reads a half-written port.
    std::string tmp = port_file + ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << server.port() << "\n";
    }
    if (std::rename(tmp.c_str(), port_file.c_str()) != 0) {
      std::cerr << "fake-messages-api: cannot write " << port_file << "\n";
      return 1;
    }
  }

  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    server.stop();
    ioc.stop();
  });

  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : pool) t.join();
  return 0;
}
