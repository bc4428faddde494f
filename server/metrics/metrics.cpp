#include "server/metrics/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace gw {

namespace {

std::string escape_label(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string_view type_name(MetricFamily::Type type) {
  switch (type) {
    case MetricFamily::Type::counter:
      return "counter";
    case MetricFamily::Type::gauge:
      return "gauge";
    case MetricFamily::Type::histogram:
      return "histogram";
  }
  return "untyped";
}

}  // namespace

std::string format_metric_value(double value) {
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (std::isnan(value)) return "NaN";
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    return std::to_string(static_cast<long long>(value));
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", value);
  return buf;
}

MetricFamily::MetricFamily(std::string name, std::string help, Type type,
                           std::vector<std::string> labels, std::vector<double> buckets)
    : name_(std::move(name)),
      help_(std::move(help)),
      type_(type),
      label_names_(std::move(labels)),
      bounds_(std::move(buckets)) {
  std::sort(bounds_.begin(), bounds_.end());
}

MetricFamily::Series& MetricFamily::series(const LabelValues& labels) {
  auto it = series_.find(labels);
  if (it == series_.end()) {
    it = series_.emplace(labels, Series{}).first;
    if (type_ == Type::histogram) it->second.buckets.assign(bounds_.size(), 0);
  }
  return it->second;
}

void MetricFamily::add(const LabelValues& labels, double delta) {
  std::lock_guard lock(mutex_);
  series(labels).value += delta;
}

void MetricFamily::set(const LabelValues& labels, double value) {
  std::lock_guard lock(mutex_);
  series(labels).value = value;
}

void MetricFamily::raise_to(const LabelValues& labels, double value) {
  std::lock_guard lock(mutex_);
  Series& s = series(labels);
  if (value > s.value) s.value = value;
}

void MetricFamily::observe(const LabelValues& labels, double value) {
  std::lock_guard lock(mutex_);
  Series& s = series(labels);
  auto at = std::lower_bound(bounds_.begin(), bounds_.end(), value);
  if (at != bounds_.end()) s.buckets[static_cast<std::size_t>(at - bounds_.begin())] += 1;
  s.value += value;
  s.count += 1;
}

double MetricFamily::value(const LabelValues& labels) const {
  std::lock_guard lock(mutex_);
  auto it = series_.find(labels);
  if (it == series_.end()) return 0;
  return type_ == Type::histogram ? static_cast<double>(it->second.count) : it->second.value;
}

std::string MetricFamily::label_text(const LabelValues& values, std::string_view extra_name,
                                     std::string_view extra_value) const {
  std::string out;
  for (std::size_t i = 0; i < label_names_.size() && i < values.size(); ++i) {
    out += out.empty() ? "{" : ",";
    out += label_names_[i] + "=\"" + escape_label(values[i]) + "\"";
  }
  if (!extra_name.empty()) {
    out += out.empty() ? "{" : ",";
    out += std::string(extra_name) + "=\"" + std::string(extra_value) + "\"";
  }
  if (!out.empty()) out += "}";
  return out;
}

void MetricFamily::write(std::string& out) const {
  out += "# HELP " + name_ + " " + help_ + "\n";
  out += "# TYPE " + name_ + " " + std::string(type_name(type_)) + "\n";
  std::lock_guard lock(mutex_);
  // A family without labels shows its zero before the first update, so dashboards see it.
  if (series_.empty() && label_names_.empty()) {
    if (type_ == Type::histogram) {
      for (double b : bounds_) out += name_ + "_bucket{le=\"" + format_metric_value(b) + "\"} 0\n";
      out += name_ + "_bucket{le=\"+Inf\"} 0\n" + name_ + "_sum 0\n" + name_ + "_count 0\n";
    } else {
      out += name_ + " 0\n";
    }
    return;
  }
  for (const auto& [labels, s] : series_) {
    if (type_ != Type::histogram) {
      out += name_ + label_text(labels) + " " + format_metric_value(s.value) + "\n";
      continue;
    }
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
      cumulative += s.buckets[i];
      out += name_ + "_bucket" + label_text(labels, "le", format_metric_value(bounds_[i])) + " " +
             std::to_string(cumulative) + "\n";
    }
    out +=
        name_ + "_bucket" + label_text(labels, "le", "+Inf") + " " + std::to_string(s.count) + "\n";
    out += name_ + "_sum" + label_text(labels) + " " + format_metric_value(s.value) + "\n";
    out += name_ + "_count" + label_text(labels) + " " + std::to_string(s.count) + "\n";
  }
}

MetricFamily& Metrics::add(std::string name, std::string help, MetricFamily::Type type,
                           std::vector<std::string> labels, std::vector<double> buckets) {
  std::lock_guard lock(mutex_);
  for (auto& f : families_) {
    if (f.name() == name) return f;
  }
  return families_.emplace_back(std::move(name), std::move(help), type, std::move(labels),
                                std::move(buckets));
}

MetricFamily& Metrics::counter(std::string name, std::string help,
                               std::vector<std::string> labels) {
  return add(std::move(name), std::move(help), MetricFamily::Type::counter, std::move(labels), {});
}

MetricFamily& Metrics::gauge(std::string name, std::string help, std::vector<std::string> labels) {
  return add(std::move(name), std::move(help), MetricFamily::Type::gauge, std::move(labels), {});
}

MetricFamily& Metrics::histogram(std::string name, std::string help, std::vector<double> buckets,
                                 std::vector<std::string> labels) {
  return add(std::move(name), std::move(help), MetricFamily::Type::histogram, std::move(labels),
             std::move(buckets));
}

std::string Metrics::exposition() const {
  std::string out;
  std::lock_guard lock(mutex_);
  for (const auto& f : families_) f.write(out);
  return out;
}

}  // namespace gw
