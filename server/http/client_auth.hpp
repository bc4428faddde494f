#pragma once

#include "server/common/api_error.hpp"
#include "server/config/config.hpp"

#include <boost/beast/http/fields.hpp>

#include <array>
#include <string_view>
#include <variant>
#include <vector>

namespace gw {

// Who is calling (API.md section 2). With no keys configured everyone is anonymous and
// whatever key a client sends anyway is ignored.
class ClientAuth {
 public:
  explicit ClientAuth(const std::vector<ClientKey>& keys);

  bool enabled() const { return !keys_.empty(); }
  // The matching key, null for anonymous, or a 401.
  std::variant<const ClientKey*, ApiError> authenticate(
      const boost::beast::http::fields& headers) const;

 private:
  struct Entry {
    ClientKey key;
    std::array<unsigned char, 32> digest;
  };
  std::vector<Entry> keys_;
};

// The credential a client sent: `x-api-key`, else `Authorization: Bearer`.
std::string_view presented_key(const boost::beast::http::fields& headers);

}  // namespace gw
