#include "support/http_test_client.hpp"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>

#include <stdexcept>

namespace gw::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

struct Endpoint {
  bool tls = false;
  std::string host;  // without IPv6 brackets
  std::string port;
  std::string target = "/";
};

Endpoint parse_url(std::string_view url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) throw std::invalid_argument("http_test_client: bad URL " + std::string(url));
  Endpoint e;
  e.tls = parsed->scheme() == "https";
  e.host = std::string(parsed->encoded_host());
  if (e.host.size() > 2 && e.host.front() == '[') e.host = e.host.substr(1, e.host.size() - 2);
  e.port = parsed->has_port() ? std::string(parsed->port()) : (e.tls ? "443" : "80");
  std::string target(parsed->encoded_path());
  if (target.empty()) target = "/";
  if (parsed->has_query()) target += "?" + std::string(parsed->encoded_query());
  e.target = target;
  return e;
}

bool is_ip_address(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

std::optional<std::string> HttpResult::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (beast::iequals(n, name)) return v;
  }
  return std::nullopt;
}

std::size_t HttpResult::header_count(std::string_view name) const {
  std::size_t count = 0;
  for (const auto& [n, v] : headers) count += beast::iequals(n, name) ? 1 : 0;
  return count;
}

struct HttpConnection::Impl {
  Endpoint endpoint;
  ClientOptions options;
  asio::io_context ioc;
  ssl::context tls_ctx{ssl::context::tls_client};
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;

  beast::tcp_stream& lowest() { return plain ? *plain : beast::get_lowest_layer(*tls); }
  bool connected() const { return plain || tls; }

  void drop() {
    if (!connected()) return;
    boost::system::error_code ignored;
    lowest().socket().close(ignored);
    plain.reset();
    tls.reset();
    buffer.clear();
  }

  asio::awaitable<boost::system::error_code> connect() {
    tcp::resolver resolver(ioc);
    auto [rec, results] = co_await resolver.async_resolve(endpoint.host, endpoint.port, kTuple);
    if (rec) co_return rec;
    auto stream = std::make_unique<beast::tcp_stream>(ioc);
    stream->expires_after(options.timeout);
    auto [cec, ep] = co_await stream->async_connect(results, kTuple);
    if (cec) co_return cec;
    stream->socket().set_option(tcp::no_delay(true));
    if (!endpoint.tls) {
      plain = std::move(stream);
      co_return boost::system::error_code{};
    }
    if (options.ca_file.empty()) {
      tls_ctx.set_verify_mode(ssl::verify_none);
    } else {
      boost::system::error_code ec;
      tls_ctx.load_verify_file(options.ca_file, ec);
      if (ec) co_return ec;
      tls_ctx.set_verify_mode(ssl::verify_peer);
    }
    auto s = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(std::move(*stream), tls_ctx);
    if (!options.ca_file.empty())
      s->set_verify_callback(ssl::host_name_verification(endpoint.host));
    if (!is_ip_address(endpoint.host)) {
      SSL_set_tlsext_host_name(s->native_handle(), endpoint.host.c_str());
    }
    beast::get_lowest_layer(*s).expires_after(options.timeout);
    auto [hec] = co_await s->async_handshake(ssl::stream_base::client, kTuple);
    if (hec) co_return hec;
    tls = std::move(s);
    co_return boost::system::error_code{};
  }

  template <class Stream>
  asio::awaitable<void> exchange(Stream& stream, http::request<http::string_body>& req,
                                 const ChunkCallback& on_chunk, HttpResult& result) {
    lowest().expires_after(options.timeout);
    auto [wec, wn] = co_await http::async_write(stream, req, kTuple);
    if (wec) {
      result.error = wec;
      drop();
      co_return;
    }

    http::response_parser<http::string_body> parser;
    parser.body_limit(boost::none);
    std::string current;
    bool stop = false;
    // Beast keeps references to these, so they live as long as the parser.
    auto on_header = [&](std::uint64_t, std::string_view, boost::system::error_code&) {
      current.clear();
    };
    auto on_body = [&](std::uint64_t remain, std::string_view data,
                       boost::system::error_code&) -> std::size_t {
      current.append(data);
      result.body.append(data);
      if (remain == data.size()) {
        result.chunks.push_back(current);
        if (on_chunk && !stop && !on_chunk(current)) stop = true;
      }
      return data.size();
    };
    parser.on_chunk_header(on_header);
    parser.on_chunk_body(on_body);

    auto fill_header = [&] {
      const auto& res = parser.get();
      result.status = res.result_int();
      result.reason = std::string(res.reason());
      result.chunked = res.chunked();
      result.keep_alive = res.keep_alive();
      for (const auto& f : res) result.headers.emplace_back(f.name_string(), f.value());
    };

    lowest().expires_after(options.timeout);
    auto [hec, hn] = co_await http::async_read_header(stream, buffer, parser, kTuple);
    if (hec) {
      result.error = hec;
      drop();
      co_return;
    }
    fill_header();
    while (!parser.is_done() && !stop) {
      lowest().expires_after(options.timeout);
      auto [ec, n] = co_await http::async_read_some(stream, buffer, parser, kTuple);
      if (ec) {
        result.error = ec;
        break;
      }
    }
    if (!result.chunked) result.body = parser.get().body();
    result.complete = parser.is_done();
    if (stop || result.error || !result.complete || !result.keep_alive) drop();
  }

  asio::awaitable<void> run(std::string_view method, std::string_view target,
                            const Headers& headers, std::string_view body,
                            const ChunkCallback& on_chunk, HttpResult& result) {
    if (!connected()) {
      auto ec = co_await connect();
      if (ec) {
        result.error = ec;
        drop();
        co_return;
      }
    }
    http::request<http::string_body> req;
    req.method_string(method);
    req.target(target);
    req.version(11);
    bool has_host = false;
    bool has_length = false;
    for (const auto& [n, v] : headers) {
      req.insert(n, v);
      has_host = has_host || beast::iequals(n, "host");
      has_length = has_length || beast::iequals(n, "content-length") ||
                   beast::iequals(n, "transfer-encoding");
    }
    if (!has_host) {
      bool v6 = endpoint.host.find(':') != std::string::npos;
      req.set(http::field::host,
              (v6 ? "[" + endpoint.host + "]" : endpoint.host) + ":" + endpoint.port);
    }
    req.body() = std::string(body);
    if (!has_length && (!body.empty() || method == "POST" || method == "PUT")) {
      req.prepare_payload();
    }
    if (plain) {
      co_await exchange(*plain, req, on_chunk, result);
    } else {
      co_await exchange(*tls, req, on_chunk, result);
    }
  }
};

HttpConnection::HttpConnection(std::string_view base_url, ClientOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->endpoint = parse_url(base_url);
  impl_->options = std::move(options);
}

HttpConnection::~HttpConnection() {
  close();
}

HttpResult HttpConnection::request(std::string_view method, std::string_view target,
                                   const Headers& headers, std::string_view body,
                                   const ChunkCallback& on_chunk) {
  HttpResult result;
  impl_->ioc.restart();
  asio::co_spawn(impl_->ioc, impl_->run(method, target, headers, body, on_chunk, result),
                 [&](std::exception_ptr e) {
                   if (e && !result.error) {
                     result.error = make_error_code(boost::system::errc::io_error);
                   }
                 });
  impl_->ioc.run();
  return result;
}

bool HttpConnection::is_open() const {
  return impl_->connected();
}

void HttpConnection::close() {
  impl_->drop();
}

HttpResult http_request(std::string_view method, std::string_view url, const Headers& headers,
                        std::string_view body, const ClientOptions& options) {
  return http_stream(method, url, headers, body, options, {});
}

HttpResult http_stream(std::string_view method, std::string_view url, const Headers& headers,
                       std::string_view body, const ClientOptions& options,
                       const ChunkCallback& on_chunk) {
  Endpoint e = parse_url(url);
  HttpConnection connection(url, options);
  return connection.request(method, e.target, headers, body, on_chunk);
}

Headers api_headers(std::string_view api_key) {
  return {{"anthropic-version", "2023-06-01"},
          {"x-api-key", std::string(api_key)},
          {"content-type", "application/json"}};
}

}  // namespace gw::test
