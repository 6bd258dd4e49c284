#include "observability/metrics.h"

#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/text_serializer.h"

namespace medius::observability {
namespace {

using ::testing::HasSubstr;

TEST(PrometheusMetricsTest, CountsCallsLatencyRedFlagsAndVersion) {
  prometheus::Registry registry;
  PrometheusMetrics metrics(registry, "0.1.0", "2026-11-21");
  app::CallRecord r;
  r.method = "Assess";
  r.client = "emr-a";
  r.latency_seconds = 0.0001;
  r.red_flags = {"infection"};
  metrics.OnCall(r);
  metrics.OnCall(r);
  r.code = absl::StatusCode::kInvalidArgument;
  r.red_flags.clear();
  metrics.OnCall(r);

  std::string text = prometheus::TextSerializer().Serialize(registry.Collect());
  EXPECT_THAT(text, HasSubstr("medius_rpc_total{client=\"emr-a\",code=\"OK\","
                              "method=\"Assess\"} 2"));
  EXPECT_THAT(text,
              HasSubstr("code=\"INVALID_ARGUMENT\",method=\"Assess\"} 1"));
  EXPECT_THAT(
      text, HasSubstr("medius_rpc_latency_seconds_count{method=\"Assess\"} 3"));
  EXPECT_THAT(text, HasSubstr("medius_red_flags_total{code=\"infection\"} 2"));
  EXPECT_THAT(text, HasSubstr("medius_knowledge_base_info{date=\"2026-11-21\","
                              "version=\"0.1.0\"} 1"));
}

}  // namespace
}  // namespace medius::observability
