#include "observability/metrics.h"

#include "absl/strings/str_cat.h"
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
                     .Register(registry)),
      buckets_(LatencyBuckets()) {
  prometheus::BuildGauge()
      .Name("medius_knowledge_base_info")
      .Help("The knowledge base being served (value is always 1).")
      .Register(registry)
      .Add({{"version", kb_version}, {"date", kb_date}})
      .Set(1);
}

template <typename Metric, typename Make>
Metric& PrometheusMetrics::Cached(
    absl::flat_hash_map<std::string, Metric*>& cache, const std::string& key,
    Make make) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  {
    absl::ReaderMutexLock lock(&mu_);
    auto it = cache.find(key);
    if (it != cache.end()) return *it->second;
  }
  absl::MutexLock lock(&mu_);
  auto it = cache.find(key);
  if (it != cache.end()) return *it->second;
  // Made before it is cached: if Family::Add throws, nothing is left behind.
  Metric& metric = make();
  cache.emplace(key, &metric);
  return metric;
}

void PrometheusMetrics::OnCall(const app::CallRecord& record) {
  const std::string code = StatusCodeName(record.code);
  // NUL cannot occur in a method, code or token name.
  const std::string key =
      absl::StrCat(record.method, std::string(1, '\0'), code,
                   std::string(1, '\0'), record.client);
  Cached(rpc_cache_, key, [&]() -> prometheus::Counter& {
    return rpcs_.Add(
        {{"method", record.method}, {"code", code}, {"client", record.client}});
  }).Increment();
  Cached(latency_cache_, record.method, [&]() -> prometheus::Histogram& {
    return latency_.Add({{"method", record.method}}, buckets_);
  }).Observe(record.latency_seconds);
  for (const std::string& flag : record.red_flags) {
    Cached(red_flag_cache_, flag, [&]() -> prometheus::Counter& {
      return red_flags_.Add({{"code", flag}});
    }).Increment();
  }
}

}  // namespace medius::observability
