#pragma once

// Counters, gauges and histograms with labels, rendered in the Prometheus text format
// (version 0.0.4). Shared by every worker: each family guards its series with a short
// mutex; updates are a map lookup and an addition.

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace gw {

// Label values, in the order of the family's label names.
using LabelValues = std::vector<std::string>;

class MetricFamily {
 public:
  enum class Type { counter, gauge, histogram };

  MetricFamily(std::string name, std::string help, Type type, std::vector<std::string> labels,
               std::vector<double> buckets = {});

  // Counters and gauges.
  void add(const LabelValues& labels, double delta = 1);
  // Gauges.
  void set(const LabelValues& labels, double value);
  // Histograms.
  // Gauge: the value, if above the current one (a high-water mark).
  void raise_to(const LabelValues& labels, double value);
  void observe(const LabelValues& labels, double value);

  // Tests: a counter's or gauge's current value (0 when the series does not exist).
  double value(const LabelValues& labels = {}) const;

  void write(std::string& out) const;
  const std::string& name() const { return name_; }

 private:
  struct Series {
    double value = 0;                    // counter, gauge; histogram: the sum
    std::vector<std::uint64_t> buckets;  // histogram: per bucket, not cumulative
    std::uint64_t count = 0;             // histogram
  };
  Series& series(const LabelValues& labels);
  std::string label_text(const LabelValues& values, std::string_view extra_name = {},
                         std::string_view extra_value = {}) const;

  std::string name_;
  std::string help_;
  Type type_;
  std::vector<std::string> label_names_;
  std::vector<double> bounds_;
  mutable std::mutex mutex_;
  std::map<LabelValues, Series> series_;
};

// The registry behind GET /metrics. Registering a name twice returns the first family.
class Metrics {
 public:
  MetricFamily& counter(std::string name, std::string help, std::vector<std::string> labels = {});
  MetricFamily& gauge(std::string name, std::string help, std::vector<std::string> labels = {});
  MetricFamily& histogram(std::string name, std::string help, std::vector<double> buckets,
                          std::vector<std::string> labels = {});

  // Every family, in registration order.
  std::string exposition() const;

 private:
  MetricFamily& add(std::string name, std::string help, MetricFamily::Type type,
                    std::vector<std::string> labels, std::vector<double> buckets);

  mutable std::mutex mutex_;
  std::list<MetricFamily> families_;  // a list: references handed out stay valid
};

// "1.5", "0.001", "+Inf": numbers as Prometheus reads them.
std::string format_metric_value(double value);

}  // namespace gw
