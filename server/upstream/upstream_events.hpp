#pragma once

#include "server/sse/sse_parser.hpp"
#include "server/upstream/upstream_client.hpp"

#include <boost/asio/awaitable.hpp>

#include <string>
#include <vector>

namespace gw {

// The events of one upstream text/event-stream body, as they arrive. The only place the
// gateway reads an upstream event stream: the dispatcher's first-event probe and every
// relay (pass-through, session turns) take their events from here.
class UpstreamEvents {
 public:
  explicit UpstreamEvents(UpstreamCall& call) : call_(call) {}
  UpstreamEvents(const UpstreamEvents&) = delete;
  UpstreamEvents& operator=(const UpstreamEvents&) = delete;

  // Reads until the first whole event has arrived (or the stream ended) and keeps what it
  // read for next(): a probe that consumes nothing. Null when the stream ended first.
  boost::asio::awaitable<const SseEvent*> first();

  // Replaces `batch` with every event the next read completed: as soon as they arrived,
  // and all of them, so a consumer can write them in one go. Waits until at least one
  // event is whole; an empty batch means the stream is over.
  boost::asio::awaitable<void> next(std::vector<SseEvent>& batch);

  // Once next() gave an empty batch: why the body ended. Empty error: it ended cleanly.
  const boost::system::error_code& error() const { return error_; }
  bool overflowed() const { return parser_.overflowed(); }

 private:
  UpstreamCall& call_;
  SseParser parser_;
  std::vector<SseEvent> queued_;  // read by first(), not yet given out
  std::string piece_;
  boost::system::error_code error_;
  bool over_ = false;
};

}  // namespace gw
