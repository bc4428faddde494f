// Cases for scripts/lint/coawait_temporaries.py (not compiled): every line carrying the
// expect marker must be reported, and no other. The bad cases were each seen to double free
// under GCC 12.2 with ASan.
// Each case stays on the line its marker is on:
// clang-format off
namespace gw {

struct Agg {
  std::string s;
  int x = 0;
};

asio::awaitable<void> bad(std::string big, Exchange& ex) {
  co_await take(Agg{big, 1});  // LINT-EXPECT
  co_await take({big, 1});  // LINT-EXPECT
  co_return co_await ex.respond_error(ApiError{http::status::conflict, "conflict_error", "busy"});  // LINT-EXPECT
  auto a = Agg{co_await g(big)};  // LINT-EXPECT
  Agg b{co_await g(big)};  // LINT-EXPECT
  int r = use(Agg{big}) + (co_await g(big)).size();  // LINT-EXPECT
  if (auto e = co_await open(Options{.retries = 2})) {  // LINT-EXPECT
    co_return;
  }
  auto v = co_await run([big] { return big.size(); });  // LINT-EXPECT
  auto w = co_await run([s = std::move(big)] { return s.size(); });  // LINT-EXPECT
  auto u = co_await run([=] { return big.size(); });  // LINT-EXPECT
  co_await pool.run(  // LINT-EXPECT
      [&, copy = big]() -> std::size_t { return copy.size(); });
  co_return Agg{co_await g(big)};  // LINT-EXPECT
}

asio::awaitable<void> fine(std::string big, Exchange& ex) {
  Agg named{big, 1};
  co_await take(named);
  co_await take(T(big, 1));
  co_await ex.respond_error(not_found("no route for " + big));
  auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), kTuple);
  auto& [x, y] = pair;
  auto found = co_await store_call("get", [&]() -> Found {
    Found f{lookup(big)};
    if (f.ok) return Found{};
    return f;
  });
  auto ec2 = co_await conn_->visit([&](auto& s) -> asio::awaitable<error_code> {
    auto [e, m] = co_await http::async_write(s, req, kTuple);
    co_return e;
  });
  co_await run([this, &big] { return big.size(); });
  if (auto e = co_await open(named)) {
    std::vector<int> v{1, 2, 3};
  }
  for (int i = 0; i < 3; ++i) {
    co_await step(i);
  }
  std::vector<std::string> list{"a", "b"};
  co_await take_list(list);
  const char* raw = R"({"status":"ok"})";
  co_await ex.respond_json(http::status::ok, R"({"status":"ready"})");
  long n2 = 10'000'000;
  co_await wait(std::chrono::milliseconds(n2));
  struct Local {
    int a;
  };
  [[maybe_unused]] int attr = 0;
  co_await take(attr);
}

}  // namespace gw
// clang-format on
