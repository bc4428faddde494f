#include "fake/fault_script.hpp"

#include <boost/json.hpp>

#include <array>
#include <utility>

namespace gw::fake {
namespace {

namespace json = boost::json;

constexpr std::array<std::pair<FaultKind, std::string_view>, 11> kKindNames = {{
    {FaultKind::status, "status"},
    {FaultKind::drop_before_response, "drop_before_response"},
    {FaultKind::drop_after_headers, "drop_after_headers"},
    {FaultKind::drop_mid_stream, "drop_mid_stream"},
    {FaultKind::stream_error, "stream_error"},
    {FaultKind::slow, "slow"},
    {FaultKind::hang, "hang"},
    {FaultKind::garbage, "garbage"},
    {FaultKind::body, "body"},
    {FaultKind::headers, "headers"},
    {FaultKind::hold, "hold"},
}};

// Accepts integers, and doubles that hold a whole number, since JS clients send 1.0.
std::optional<long long> as_integer(const json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return static_cast<long long>(v.get_uint64());
  }
  if (v.is_double()) {
    double d = v.get_double();
    if (d == static_cast<double>(static_cast<long long>(d))) return static_cast<long long>(d);
  }
  return std::nullopt;
}

bool read_non_negative(const json::object& o, std::string_view key, long long& out,
                       std::string& error) {
  const json::value* v = o.if_contains(key);
  if (!v) return true;
  auto n = as_integer(*v);
  if (!n || *n < 0) {
    error = std::string(key) + ": must be a non-negative integer";
    return false;
  }
  out = *n;
  return true;
}

bool read_string(const json::object& o, std::string_view key, std::string& out,
                 std::string& error) {
  const json::value* v = o.if_contains(key);
  if (!v) return true;
  if (!v->is_string()) {
    error = std::string(key) + ": must be a string";
    return false;
  }
  out = std::string(v->get_string());
  return true;
}

}  // namespace

std::string_view to_string(FaultKind kind) {
  for (const auto& [k, name] : kKindNames) {
    if (k == kind) return name;
  }
  return "unknown";
}

std::optional<FaultKind> fault_kind_from_string(std::string_view name) {
  for (const auto& [k, n] : kKindNames) {
    if (n == name) return k;
  }
  return std::nullopt;
}

std::optional<Fault> parse_fault(const json::value& v, std::string& error) {
  const json::object* o = v.if_object();
  if (!o) {
    error = "fault: must be an object";
    return std::nullopt;
  }
  Fault f;
  std::string kind;
  if (!read_string(*o, "kind", kind, error)) return std::nullopt;
  auto k = fault_kind_from_string(kind);
  if (!k) {
    error = "kind: unknown fault kind \"" + kind + "\"";
    return std::nullopt;
  }
  f.kind = *k;

  long long n = 0;
  if (o->contains("status")) {
    if (!read_non_negative(*o, "status", n, error)) return std::nullopt;
    if (n < 100 || n > 999) {
      error = "status: must be an HTTP status code";
      return std::nullopt;
    }
    f.status = static_cast<unsigned>(n);
  }
  if (o->contains("retry_after")) {
    if (!read_non_negative(*o, "retry_after", n, error)) return std::nullopt;
    f.retry_after = n;
  }
  if (o->contains("retry_after_ms")) {
    if (!read_non_negative(*o, "retry_after_ms", n, error)) return std::nullopt;
    f.retry_after_ms = n;
  }
  if (const json::value* sr = o->if_contains("should_retry")) {
    if (!sr->is_bool()) {
      error = "should_retry: must be a boolean";
      return std::nullopt;
    }
    f.should_retry = sr->get_bool();
  }
  if (!read_string(*o, "error_type", f.error_type, error)) return std::nullopt;
  if (!read_string(*o, "message", f.message, error)) return std::nullopt;
  if (!read_string(*o, "body", f.body, error)) return std::nullopt;
  if (f.kind == FaultKind::body && !o->contains("status")) f.status = 200;
  if (const json::value* hs = o->if_contains("headers")) {
    const json::object* list = hs->if_object();
    if (!list) {
      error = "headers: must be an object of strings";
      return std::nullopt;
    }
    for (const auto& [name, value] : *list) {
      if (!value.is_string()) {
        error = "headers." + std::string(name) + ": must be a string";
        return std::nullopt;
      }
      f.headers.emplace_back(std::string(name), std::string(value.get_string()));
    }
  }
  if (const json::value* h = o->if_contains("hold")) {
    if (!h->is_bool()) {
      error = "hold: must be a boolean";
      return std::nullopt;
    }
    f.hold = h->get_bool();
  }
  if (o->contains("after_events")) {
    if (!read_non_negative(*o, "after_events", n, error)) return std::nullopt;
    f.after_events = static_cast<std::size_t>(n);
  }
  if (o->contains("delay_ms")) {
    if (!read_non_negative(*o, "delay_ms", n, error)) return std::nullopt;
    f.delay = std::chrono::milliseconds(n);
  }
  if (o->contains("count")) {
    if (!read_non_negative(*o, "count", n, error)) return std::nullopt;
    if (n == 0) {
      error = "count: must be at least 1";
      return std::nullopt;
    }
    f.count = static_cast<std::size_t>(n);
  }
  if (o->contains("for_ms")) {
    if (!read_non_negative(*o, "for_ms", n, error)) return std::nullopt;
    f.for_ms = std::chrono::milliseconds(n);
  }
  return f;
}

std::optional<std::vector<Fault>> parse_faults(std::string_view body, std::string& error) {
  boost::system::error_code ec;
  json::value doc = json::parse(body, ec);
  if (ec) {
    error = "body: not valid JSON";
    return std::nullopt;
  }
  const json::array* list = nullptr;
  if (doc.is_array()) {
    list = &doc.get_array();
  } else if (doc.is_object() && doc.get_object().contains("faults")) {
    list = doc.get_object().at("faults").if_array();
    if (!list) {
      error = "faults: must be an array";
      return std::nullopt;
    }
  }
  std::vector<Fault> out;
  if (!list) {
    auto f = parse_fault(doc, error);
    if (!f) return std::nullopt;
    out.push_back(std::move(*f));
    return out;
  }
  for (std::size_t i = 0; i < list->size(); ++i) {
    auto f = parse_fault((*list)[i], error);
    if (!f) {
      error = "faults." + std::to_string(i) + "." + error;
      return std::nullopt;
    }
    out.push_back(std::move(*f));
  }
  return out;
}

void FaultScript::add(Fault fault) {
  std::lock_guard lock(mutex_);
  Entry e;
  e.remaining = fault.count;
  e.fault = std::move(fault);
  entries_.push_back(std::move(e));
}

void FaultScript::add(std::vector<Fault> faults) {
  for (auto& f : faults) add(std::move(f));
}

void FaultScript::clear() {
  std::lock_guard lock(mutex_);
  entries_.clear();
}

std::size_t FaultScript::pending() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

std::optional<Fault> FaultScript::next() {
  return next(Clock::now());
}

std::optional<Fault> FaultScript::next(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  while (!entries_.empty()) {
    Entry& front = entries_.front();
    if (front.fault.for_ms.count() > 0) {
      if (!front.window_end) front.window_end = now + front.fault.for_ms;
      if (now < *front.window_end) return front.fault;
      entries_.pop_front();  // window over: fall through to the next fault
      continue;
    }
    Fault f = front.fault;
    if (--front.remaining == 0) entries_.pop_front();
    return f;
  }
  return std::nullopt;
}

}  // namespace gw::fake
