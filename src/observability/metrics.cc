#include "observability/metrics.h"

#include "observability/status_names.h"

namespace medius::observability {
namespace {

// 50 us to about 1.6 s: an assessment takes microseconds; the tail is the
// network and the machine.
prometheus::Histogram::BucketBoundaries LatencyBuckets() {
  prometheus::Histogram::BucketBoundaries buckets;
  for (double b = 50e-6; b < 2; b *= 2) buckets.push_back(b);
  return buckets;
}

}  // namespace

PrometheusMetrics::PrometheusMetrics(prometheus::Registry& registry,
                                     const std::string& kb_version,
                                     const std::string& kb_date)
    : rpcs_(prometheus::BuildCounter()
                .Name("medius_rpc_total")
                .Help("RPCs finished, by method, status code and client.")
                .Register(registry)),
      latency_(prometheus::BuildHistogram()
                   .Name("medius_rpc_latency_seconds")
                   .Help("Server-side RPC latency by method.")
                   .Register(registry)),
      red_flags_(prometheus::BuildCounter()
                     .Name("medius_red_flags_total")
                     .Help("Red flags raised, by red-flag code.")
                     .Register(registry)) {
  prometheus::BuildGauge()
      .Name("medius_knowledge_base_info")
      .Help("The knowledge base being served (value is always 1).")
      .Register(registry)
      .Add({{"version", kb_version}, {"date", kb_date}})
      .Set(1);
}

void PrometheusMetrics::OnRpc(const service::RpcRecord& record) {
  rpcs_
      .Add({{"method", record.method},
            {"code", StatusCodeName(record.code)},
            {"client", record.client}})
      .Increment();
  latency_.Add({{"method", record.method}}, LatencyBuckets())
      .Observe(record.latency_seconds);
  for (const std::string& code : record.red_flags) {
    red_flags_.Add({{"code", code}}).Increment();
  }
}

}  // namespace medius::observability
