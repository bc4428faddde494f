#include "server/metrics/metrics.hpp"

#include <gtest/gtest.h>

namespace gw {
namespace {

TEST(Metrics, CounterWithLabelsInPrometheusText) {
  Metrics m;
  auto& c = m.counter("gw_requests_total", "Requests.", {"route", "status"});
  c.add({"messages", "200"});
  c.add({"messages", "200"}, 2);
  c.add({"models", "404"});
  EXPECT_EQ(c.value({"messages", "200"}), 3);
  EXPECT_EQ(m.exposition(),
            "# HELP gw_requests_total Requests.\n"
            "# TYPE gw_requests_total counter\n"
            "gw_requests_total{route=\"messages\",status=\"200\"} 3\n"
            "gw_requests_total{route=\"models\",status=\"404\"} 1\n");
}

TEST(Metrics, GaugeWithoutLabelsShowsZeroFirst) {
  Metrics m;
  auto& g = m.gauge("gw_depth", "Depth.");
  EXPECT_EQ(m.exposition(), "# HELP gw_depth Depth.\n# TYPE gw_depth gauge\ngw_depth 0\n");
  g.set({}, 5);
  g.add({}, -1.5);
  EXPECT_EQ(m.exposition(), "# HELP gw_depth Depth.\n# TYPE gw_depth gauge\ngw_depth 3.5\n");
}

TEST(Metrics, HistogramBucketsAreCumulative) {
  Metrics m;
  auto& h = m.histogram("gw_wait_seconds", "Wait.", {0.1, 1});
  h.observe({}, 0.05);
  h.observe({}, 0.1);
  h.observe({}, 0.5);
  h.observe({}, 3);
  EXPECT_EQ(m.exposition(),
            "# HELP gw_wait_seconds Wait.\n"
            "# TYPE gw_wait_seconds histogram\n"
            "gw_wait_seconds_bucket{le=\"0.1\"} 2\n"
            "gw_wait_seconds_bucket{le=\"1\"} 3\n"
            "gw_wait_seconds_bucket{le=\"+Inf\"} 4\n"
            "gw_wait_seconds_sum 3.65\n"
            "gw_wait_seconds_count 4\n");
}

TEST(Metrics, LabelValuesAreEscapedAndNamesRegisteredOnce) {
  Metrics m;
  auto& a = m.counter("gw_x_total", "X.", {"key"});
  auto& b = m.counter("gw_x_total", "ignored", {"key"});
  EXPECT_EQ(&a, &b);
  a.add({"a\"b\\c\nd"});
  EXPECT_NE(m.exposition().find("gw_x_total{key=\"a\\\"b\\\\c\\nd\"} 1\n"), std::string::npos);
}

}  // namespace
}  // namespace gw
