#pragma once

#include "server/common/blocking_pool.hpp"
#include "server/http/router.hpp"
#include "server/upstream/upstream_client.hpp"
#include "server/upstream/upstream_dispatcher.hpp"
#include "server/vision/image_rules.hpp"

#include <memory>
#include <vector>

namespace gw {

// The Messages API's namespace, /v1/ (API.md section 3): the body goes upstream unchanged, the
// client's key is replaced by the gateway's, the answer comes back as upstream gave it.
class PassthroughRoutes {
 public:
  // `clients` holds one UpstreamClient per worker, indexed by Exchange::worker().
  PassthroughRoutes(std::vector<std::unique_ptr<UpstreamClient>>& clients,
                    UpstreamDispatcher& dispatcher, BlockingPool& blocking,
                    std::string upstream_api_key, vision::ImageLimits images);

  void add_to(Router& router);

 private:
  asio::awaitable<Outcome> forward(Exchange& ex, bool json_body);
  // Any other /v1/* request: no admission, no body checks but the models a key may use.
  asio::awaitable<Outcome> forward_any(Exchange& ex);

  std::vector<std::unique_ptr<UpstreamClient>>& clients_;
  UpstreamDispatcher& dispatcher_;
  BlockingPool& blocking_;  // parses of large bodies
  std::string api_key_;
  vision::ImageLimits images_;
};

}  // namespace gw
