// A drain ends the process only once every client has what was written to it: the kernel's
// send queue of each connection is empty. A process that exits earlier leaves the rest to
// the kernel, and a container's network goes away with its process (issue 16: a slow reader
// got 14,085 of 32,008 events of a turn that had already finished).

#include "support/eventually.hpp"
#include "support/gateway_fixture.hpp"
#include "support/json_object.hpp"
#include "support/raw_client.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <future>
#include <optional>
#include <string>
#include <thread>

namespace gw::test {
namespace {

using namespace std::chrono_literals;

// A client that reads at its own pace: its receive buffer is made small before it
// connects (so the window stays small and what it has not read stays on the server's
// side), and it reads 4 KiB at a time.
class SlowReader {
 public:
  explicit SlowReader(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    int rcvbuf = 4096;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    timeval guard{10, 0};  // a read that hangs fails the test instead
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &guard, sizeof guard);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0;
  }
  ~SlowReader() { ::close(fd_); }
  SlowReader(const SlowReader&) = delete;
  SlowReader& operator=(const SlowReader&) = delete;

  bool connected() const { return connected_; }
  void send(std::string_view bytes) {
    while (!bytes.empty()) {
      auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  // False at the end of the stream (or on an error).
  bool read_some() {
    char chunk[4096];
    auto n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    read_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }
  // What has reached this side: read, plus waiting in the receive queue.
  std::size_t received() const {
    int waiting = 0;
    ::ioctl(fd_, FIONREAD, &waiting);
    return read_.size() + static_cast<std::size_t>(waiting);
  }
  const std::string& text() const { return read_; }

 private:
  int fd_;
  bool connected_ = false;
  std::string read_;
};

class DrainTest : public GatewayFixture {
 protected:
  std::int64_t message_count(const std::string& id) {
    auto r = call("GET", "/gateway/v1/sessions/" + id);
    return parse_object(r.body)["message_count"].to_number<std::int64_t>();
  }
};

TEST_F(DrainTest, ASlowReaderHasAllOfAFinishedTurnBeforeTheProcessEnds) {
  start();
  auto created = call("POST", "/gateway/v1/sessions", R"({"max_tokens":64000})");
  ASSERT_EQ(created.status, 201u) << created.body;
  const std::string id(parse_object(created.body)["id"].as_string());

  SlowReader reader(gateway().port());
  ASSERT_TRUE(reader.connected());
  // About 10,000 events, 2 MB: far more than the reader's window.
  reader.send(RawClient::post_bytes("/gateway/v1/sessions/" + id + "/messages", client_headers(),
                                    R"({"content":"drain [[words:20000]]","stream":true})"));
  // The turn runs on its own and commits while its reader has read nothing yet.
  ASSERT_TRUE(eventually([&] { return message_count(id) == 2; }));

  auto draining = std::async(std::launch::async,
                             [&] { gateway().gateway().shutdown(std::chrono::seconds(30)); });
  std::optional<std::size_t> received_at_end;
  for (;;) {
    if (!received_at_end && draining.wait_for(0s) == std::future_status::ready) {
      received_at_end = reader.received();
    }
    if (!reader.read_some()) break;
    std::this_thread::sleep_for(1ms);
  }
  draining.get();
  if (!received_at_end) received_at_end = reader.received();  // it read the last bytes first
  ASSERT_NE(reader.text().find("event: turn_committed"), std::string::npos)
      << "the stream did not end with its turn_committed event";
  EXPECT_EQ(*received_at_end, reader.text().size())
      << "the drain ended with part of the stream still in the gateway's send queue";
}

}  // namespace
}  // namespace gw::test
