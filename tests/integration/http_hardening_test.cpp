// The HTTP server against hostile clients, in-process: raw bytes on a socket, the answer
// read back, and the gateway still serving afterwards (an abort here takes the test
// binary down, so a crash cannot pass).

#include "support/eventually.hpp"
#include "support/http_test_client.hpp"
#include "support/json_object.hpp"
#include "support/running_fake.hpp"
#include "support/running_gateway.hpp"
#include "support/test_ca.hpp"

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <dirent.h>
#include <unistd.h>

#include <functional>
#include <string>
#include <vector>

namespace gw::test {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using tcp = asio::ip::tcp;

unsigned status_of(const std::string& response) {
  if (response.rfind("HTTP/1.1 ", 0) != 0) return 0;
  return static_cast<unsigned>(std::stoul(response.substr(9, 3)));
}

// A header's value in a raw response, matched without regard to case; empty if absent.
std::string header_of(const std::string& response, std::string name) {
  std::string lower = response.substr(0, response.find("\r\n\r\n"));
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto at = lower.find("\r\n" + name + ": ");
  if (at == std::string::npos) return {};
  auto start = at + name.size() + 4;
  return response.substr(start, lower.find("\r\n", start) - start);
}

json::object body_of(const std::string& response) {
  auto at = response.find("\r\n\r\n");
  return at == std::string::npos ? json::object() : parse_object(response.substr(at + 4));
}

// A client socket whose reads give up after a few seconds instead of hanging the test.
class RawClient {
 public:
  explicit RawClient(std::uint16_t port, bool connect_now = true) : socket_(io_), port_(port) {
    socket_.open(tcp::v4());
    timeval tv{5, 0};
    setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect_now) connect();
  }
  // Needs no new descriptor: the socket is open already.
  void connect() { socket_.connect({asio::ip::make_address("127.0.0.1"), port_}); }
  // Writes all of `bytes`; false once the server closed or reset the connection.
  bool send(std::string_view bytes) {
    boost::system::error_code ec;
    asio::write(socket_, asio::buffer(bytes), ec);
    return !ec;
  }
  // Reads until the server closes (or the read times out).
  std::string read_all() {
    std::string out;
    char buf[4096];
    for (;;) {
      boost::system::error_code ec;
      auto n = socket_.read_some(asio::buffer(buf), ec);
      out.append(buf, n);
      if (ec) return out;
    }
  }
  // Reads one response head and its content-length body.
  std::string read_response() {
    std::string out;
    char buf[4096];
    for (;;) {
      auto head_end = out.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        auto cl = header_of(out, "content-length");
        std::size_t length = cl.empty() ? 0 : std::stoul(cl);
        if (out.size() >= head_end + 4 + length) return out;
      }
      boost::system::error_code ec;
      auto n = socket_.read_some(asio::buffer(buf), ec);
      out.append(buf, n);
      if (ec) return out;
    }
  }
  // True when the server closed its side: a read ends at once with EOF.
  bool closed_by_server() {
    char c;
    boost::system::error_code ec;
    socket_.read_some(asio::buffer(&c, 1), ec);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }

 private:
  asio::io_context io_;
  tcp::socket socket_;
  std::uint16_t port_;
};

class HttpHardeningTest : public ::testing::Test {
 protected:
  using Tweak = std::function<void(Config&)>;
  explicit HttpHardeningTest(const Tweak& tweak = {})
      : fake_(shared_test_certificates()), gateway_(config(tweak)) {}

  Config config(const Tweak& tweak) {
    auto c = gateway_config(fake_, shared_test_certificates().ca_cert_file().string());
    c.limits.max_header_bytes = 16 * 1024;
    if (tweak) tweak(c);
    return c;
  }
  void expect_alive() {
    auto r = http_request("GET", gateway_.base_url() + "/healthz");
    ASSERT_FALSE(r.error) << r.error.message();
    EXPECT_EQ(r.status, 200u);
  }
  std::string exchange(std::string_view bytes) {
    RawClient c(gateway_.port());
    c.send(bytes);
    return c.read_response();
  }

  RunningFake fake_;
  RunningGateway gateway_;
};

// The issue 9 crash: the 431 went out, then the ApiError it was made from was freed twice.
TEST_F(HttpHardeningTest, OversizedHeaderIs431AndTheGatewayLives) {
  for (int i = 0; i < 3; ++i) {
    auto res = exchange("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(17000, 'a') +
                        "\r\n\r\n");
    ASSERT_EQ(status_of(res), 431u) << res.substr(0, 200);
    auto body = body_of(res);
    EXPECT_EQ(body["type"], "error");
    EXPECT_EQ(body["error"].at("type"), "invalid_request_error");
  }
  expect_alive();
}

TEST_F(HttpHardeningTest, RequestLinePlusFieldsCountAsOneHeaderBlock) {
  std::string wire = "GET /" + std::string(1700, 'u') + " HTTP/1.1\r\nHost: x\r\n";
  while (wire.size() < 18000 - 4) wire += "X-F: " + std::string(90, 'f') + "\r\n";
  wire += "\r\n";
  EXPECT_EQ(status_of(exchange(wire)), 431u);
  expect_alive();
}

TEST_F(HttpHardeningTest, TrailerFloodIsCutOffAtTheHeaderLimit) {
  RawClient c(gateway_.port());
  c.send(
      "POST /v1/messages HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n");
  std::string lines;
  while (lines.size() < 1024 * 1024) lines += "X-T: " + std::string(100, 't') + "\r\n";
  // The answer goes out after about the limit; what is sent after it is read and dropped
  // for a while (no memory grows), so that the client still gets to read it.
  for (int i = 0; i < 64 && c.send(lines); ++i) {
  }
  auto res = c.read_all();
  EXPECT_EQ(status_of(res), 431u) << res.substr(0, 200);
  expect_alive();
}

TEST_F(HttpHardeningTest, TrailerFieldsAreRefused) {
  auto res = exchange(
      "POST /v1/messages HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "2\r\n{}\r\n0\r\nx-api-key: sneaked\r\n\r\n");
  EXPECT_EQ(status_of(res), 400u) << res;
  EXPECT_NE(res.find("trailer fields are not accepted"), std::string::npos) << res;
}

TEST_F(HttpHardeningTest, BadChunkSizeIsAnswered400) {
  auto res = exchange(
      "POST /v1/messages HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n");
  ASSERT_EQ(status_of(res), 400u) << res;
  EXPECT_EQ(body_of(res)["error"].at("type"), "invalid_request_error");
}

TEST_F(HttpHardeningTest, TransferCodingsOtherThanChunkedAreRefused) {
  auto gzip = exchange(
      "POST /v1/messages HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
      "2\r\n{}\r\n0\r\n\r\n");
  EXPECT_EQ(status_of(gzip), 501u) << gzip;
  auto smuggle = exchange(
      "POST /v1/messages HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n"
      "Content-Length: 2\r\n\r\n{}");
  EXPECT_EQ(status_of(smuggle), 400u) << smuggle;
  EXPECT_EQ(fake_->stats().messages, 0u);
}

class ConnectionCapTest : public HttpHardeningTest {
 protected:
  ConnectionCapTest() : HttpHardeningTest([](Config& c) { c.limits.max_connections = 2; }) {}
};

TEST_F(ConnectionCapTest, AnIdleConnectionMakesRoomForANewOne) {
  ASSERT_EQ(gateway_.gateway().max_connections(), 2u);
  const std::string get = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  RawClient first(gateway_.port());
  ASSERT_TRUE(first.send(get));
  ASSERT_EQ(status_of(first.read_response()), 200u);
  RawClient second(gateway_.port());
  ASSERT_TRUE(second.send(get));
  ASSERT_EQ(status_of(second.read_response()), 200u);
  // Both are idle keep-alive connections now: the third is served, the oldest goes.
  RawClient third(gateway_.port());
  ASSERT_TRUE(third.send(get));
  EXPECT_EQ(status_of(third.read_response()), 200u);
  EXPECT_TRUE(first.closed_by_server());
}

TEST_F(ConnectionCapTest, WithNoneIdleANewcomerGets503WithRetryAfter) {
  // Two requests waiting on a hanging upstream: busy connections, so not shed.
  fake::Fault hang;
  hang.kind = fake::FaultKind::hang;
  fake_->faults().add(hang);
  fake_->faults().add(hang);
  const std::string body =
      R"({"model":"claude-sonnet-4-5","max_tokens":5,"messages":[{"role":"user","content":"hi"}]})";
  const std::string post =
      "POST /v1/messages HTTP/1.1\r\nHost: x\r\ncontent-type: "
      "application/json\r\ncontent-length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  RawClient a(gateway_.port());
  RawClient b(gateway_.port());
  ASSERT_TRUE(a.send(post));
  ASSERT_TRUE(b.send(post));
  ASSERT_TRUE(eventually([&] { return fake_->stats().messages == 2; }));
  auto res = exchange("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(status_of(res), 503u) << res;
  EXPECT_EQ(body_of(res)["error"].at("type"), "overloaded_error");
  EXPECT_EQ(header_of(res, "retry-after"), "1") << res;
}

std::size_t open_descriptors() {
  std::size_t n = 0;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (readdir(d)) ++n;
    closedir(d);
  }
  return n;
}

// Finding 3: out of descriptors, accept() failed at once, forever: a core at 100% and a
// log line per failure. Now the loop pauses (10 ms doubling to 1 s) and logs once a second.
TEST_F(HttpHardeningTest, OutOfDescriptorsTheAcceptLoopPausesThenServesAgain) {
  auto failures = [&] {
    return gateway_.gateway()
        .metrics()
        .counter("gateway_connection_events_total", "", {"event"})
        .value({"accept_failed"});
  };
  const std::string get = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  RawClient client(gateway_.port(), false);  // its descriptors taken before we hog the rest
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  rlimit low = saved;
  low.rlim_cur = open_descriptors() + 16;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  std::vector<int> hogs;
  for (int fd; (fd = open("/dev/null", O_RDONLY)) >= 0;) hogs.push_back(fd);
  // Connected in the kernel's backlog; the gateway's accept() fails while we hog the rest.
  client.connect();
  ASSERT_TRUE(eventually([&] { return failures() >= 1; }));
  auto before = failures();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  auto during = failures() - before;
  for (int fd : hogs) close(fd);
  setrlimit(RLIMIT_NOFILE, &saved);
  // A spinning loop fails hundreds of thousands of times a second; a paced one a handful.
  EXPECT_LE(during, 20) << "accept() retried " << during << " times in a second";
  ASSERT_TRUE(client.send(get));
  EXPECT_EQ(status_of(client.read_response()), 200u);
}

}  // namespace
}  // namespace gw::test
