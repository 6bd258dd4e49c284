// PrometheusMetrics: RPC counts by method, status code and client; latency
// histograms by method; red-flag counts by code; and the knowledge-base
// version as an info metric. No patient data in any label.
//
// Example:
//   auto registry = std::make_shared<prometheus::Registry>();
//   PrometheusMetrics metrics(*registry, "0.1.0", "2026-11-21");
//   prometheus::Exposer exposer("127.0.0.1:9464");
//   exposer.RegisterCollectable(registry);
//
// Each label set's metric is looked up in its family once and then cached
// (Family::Add builds a label map and locks the family on every call).
//
// Thread-safety: OnRpc may be called concurrently (prometheus-cpp families
// and metrics are thread-safe; the caches have their own lock).
#ifndef MEDIUS_OBSERVABILITY_METRICS_H_
#define MEDIUS_OBSERVABILITY_METRICS_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "app/call_observer.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace medius::observability {

class PrometheusMetrics : public app::CallObserver {
 public:
  PrometheusMetrics(prometheus::Registry& registry,
                    const std::string& kb_version, const std::string& kb_date);
  void OnCall(const app::CallRecord& record) override;

 private:
  // The cached metric for `key`, made by `make` the first time.
  template <typename Metric, typename Make>
  Metric& Cached(absl::flat_hash_map<std::string, Metric*>& cache,
                 const std::string& key, Make make);

  prometheus::Family<prometheus::Counter>& rpcs_;
  prometheus::Family<prometheus::Histogram>& latency_;
  prometheus::Family<prometheus::Counter>& red_flags_;
  const prometheus::Histogram::BucketBoundaries buckets_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, prometheus::Counter*> rpc_cache_
      ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, prometheus::Histogram*> latency_cache_
      ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, prometheus::Counter*> red_flag_cache_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace medius::observability

#endif  // MEDIUS_OBSERVABILITY_METRICS_H_
