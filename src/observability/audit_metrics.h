// AuditMetrics: the audit writer's counters for Prometheus, read at each
// scrape: records stored, dropped (best effort) and refused (answered
// UNAVAILABLE), failed batches, and the queue's depth. An operator alerts on
// drops or refusals: each is an answer not recorded or not given.
//
// Example:
//   auto audit_metrics = std::make_shared<AuditMetrics>(writer);
//   exposer->RegisterCollectable(audit_metrics);
//
// Thread-safety: Collect may run on the exposer's threads while the writer
// works (AuditWriter::stats is thread-safe).
#ifndef MEDIUS_OBSERVABILITY_AUDIT_METRICS_H_
#define MEDIUS_OBSERVABILITY_AUDIT_METRICS_H_

#include <vector>

#include "audit/audit_writer.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"

namespace medius::observability {

class AuditMetrics final : public prometheus::Collectable {
 public:
  // `writer` must outlive this (unregister it first).
  explicit AuditMetrics(const audit::AuditWriter& writer) : writer_(writer) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const audit::AuditWriter& writer_;
};

}  // namespace medius::observability

#endif  // MEDIUS_OBSERVABILITY_AUDIT_METRICS_H_
