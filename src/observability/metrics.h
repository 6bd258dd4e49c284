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
// Thread-safety: OnRpc may be called concurrently (prometheus-cpp families
// and metrics are thread-safe).
#ifndef MEDIUS_OBSERVABILITY_METRICS_H_
#define MEDIUS_OBSERVABILITY_METRICS_H_

#include <string>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "service/rpc_observer.h"

namespace medius::observability {

class PrometheusMetrics : public service::RpcObserver {
 public:
  PrometheusMetrics(prometheus::Registry& registry,
                    const std::string& kb_version, const std::string& kb_date);
  void OnRpc(const service::RpcRecord& record) override;

 private:
  prometheus::Family<prometheus::Counter>& rpcs_;
  prometheus::Family<prometheus::Histogram>& latency_;
  prometheus::Family<prometheus::Counter>& red_flags_;
};

}  // namespace medius::observability

#endif  // MEDIUS_OBSERVABILITY_METRICS_H_
