#include "server/redis/redis_options.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <charconv>

namespace gw {

std::string parse_redis_url(const std::string& url, RedisOptions& out) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return "not a URL: " + parsed.error().message();
  const auto& u = *parsed;
  if (u.scheme() == "redis") {
    out.tls = false;
  } else if (u.scheme() == "rediss") {
    out.tls = true;
  } else {
    return "scheme must be redis:// or rediss://";
  }
  if (u.host().empty()) return "no host";
  out.host = u.host_address();  // an IPv6 address without its brackets
  if (u.has_port()) {
    const auto port = u.port_number();
    if (port == 0) return "bad port";
    out.port = port;
  }
  if (u.has_userinfo()) {
    out.user = u.user();
    if (u.has_password()) out.password = u.password();
    // redis://secret@host: a lone userinfo is the password, as redis-cli reads it.
    if (!u.has_password()) {
      out.password = out.user;
      out.user.clear();
    }
  }
  std::string path = u.path();
  if (!path.empty() && path != "/") {
    std::string_view db(path);
    db.remove_prefix(1);
    int n = 0;
    auto [end, ec] = std::from_chars(db.data(), db.data() + db.size(), n);
    if (ec != std::errc() || end != db.data() + db.size() || n < 0) {
      return "the path must be a database number, as in /0";
    }
    out.db = n;
  }
  return {};
}

std::string redact_redis_url(const std::string& url) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return "(unparsable)";
  boost::urls::url u(*parsed);
  if (u.has_password()) {
    u.set_password("redacted");
  } else if (u.has_userinfo()) {
    u.set_user("redacted");  // a lone userinfo is the password
  }
  return std::string(u.buffer());
}

}  // namespace gw
