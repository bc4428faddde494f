#include "server/ops/playground_routes.hpp"

#include "server/ops/playground_files.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>

namespace gw {

namespace {

constexpr std::string_view kIndex = "index.html";
// A page's file, not a download: a larger one in playground.dir is not served.
constexpr std::uintmax_t kMaxFileBytes = 8 * 1024 * 1024;

std::optional<std::string> embedded(std::string_view name) {
  for (const auto& f : embedded_playground_files()) {
    if (f.name == name) return std::string(f.content);
  }
  return std::nullopt;
}

// Blocking: on the pool only. nullopt when there is no regular file of that name.
std::optional<std::string> read_from(const std::string& dir, const std::string& name) {
  namespace fs = std::filesystem;
  const fs::path path = fs::path(dir) / name;
  std::error_code ec;
  // A FIFO or a device would block or never end; a folder is no file.
  if (!fs::is_regular_file(path, ec)) return std::nullopt;
  const auto size = fs::file_size(path, ec);
  if (ec || size > kMaxFileBytes) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string out{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) return std::nullopt;
  return out;
}

StringResponse file_response(const Exchange& ex, std::string_view name, std::string body) {
  StringResponse res{http::status::ok, ex.request().version()};
  res.set(http::field::content_type, playground_content_type(name));
  // Revalidate every time: an edited page (playground.dir) or a new build shows at once.
  res.set(http::field::cache_control, "no-cache");
  res.set("Content-Security-Policy", kPlaygroundCsp);
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");
  res.body() = std::move(body);
  return res;
}

class PlaygroundFiles {
 public:
  PlaygroundFiles(std::string dir, BlockingPool& blocking)
      : dir_(std::move(dir)), blocking_(blocking) {}

  asio::awaitable<Outcome> serve(Exchange& ex, std::string name) const {
    if (!playground_name_ok(name)) co_return missing(name);
    std::optional<std::string> body;
    if (dir_.empty()) {
      body = embedded(name);
    } else {
      auto read = [dir = dir_, name]() { return read_from(dir, name); };
      auto result = co_await blocking_.run(std::move(read));
      if (result.ok()) body = std::move(*result.value);
    }
    if (!body) co_return missing(name);
    co_return file_response(ex, name, std::move(*body));
  }

 private:
  static ApiError missing(std::string_view name) {
    // Only a well-formed name is echoed: the others may hold any bytes.
    if (!playground_name_ok(name)) return not_found("no such playground file");
    return not_found("no playground file named \"" + std::string(name) + "\"");
  }

  std::string dir_;
  BlockingPool& blocking_;
};

}  // namespace

void add_playground_routes(Router& router, const Config::Playground& config,
                           BlockingPool& blocking) {
  if (!config.enabled) return;
  auto files = std::make_shared<const PlaygroundFiles>(config.dir, blocking);
  router.add({http::verb::get, "/", "playground", Access::open,
              [files](Exchange& ex) -> asio::awaitable<Outcome> {
                co_return co_await files->serve(ex, std::string(kIndex));
              }});
  router.add({http::verb::get, "/playground/{file}", "playground_file", Access::open,
              [files](Exchange& ex) -> asio::awaitable<Outcome> {
                co_return co_await files->serve(ex, std::string(ex.param("file")));
              }});
}

}  // namespace gw
