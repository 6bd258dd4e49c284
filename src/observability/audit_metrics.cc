#include "observability/audit_metrics.h"

#include <string>

namespace medius::observability {
namespace {

prometheus::ClientMetric Sample(double value, bool counter,
                                const std::string& outcome = "") {
  prometheus::ClientMetric m;
  if (!outcome.empty()) m.label.push_back({"outcome", outcome});
  if (counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  return m;
}

}  // namespace

std::vector<prometheus::MetricFamily> AuditMetrics::Collect() const {
  const audit::AuditWriter::Stats s = writer_.stats();
  prometheus::MetricFamily records;
  records.name = "medius_audit_records_total";
  records.help =
      "Assessment-record entries by outcome: stored; dropped (best effort: "
      "answered but not recorded); refused (required: answered UNAVAILABLE)";
  records.type = prometheus::MetricType::Counter;
  records.metric = {Sample(static_cast<double>(s.appended), true, "stored"),
                    Sample(static_cast<double>(s.dropped), true, "dropped"),
                    Sample(static_cast<double>(s.refused), true, "refused")};
  prometheus::MetricFamily failed;
  failed.name = "medius_audit_failed_batches_total";
  failed.help = "Transactions the audit store refused";
  failed.type = prometheus::MetricType::Counter;
  failed.metric = {Sample(static_cast<double>(s.failed_batches), true)};
  prometheus::MetricFamily queued;
  queued.name = "medius_audit_queue_records";
  queued.help = "Records waiting for the audit writer";
  queued.type = prometheus::MetricType::Gauge;
  queued.metric = {Sample(static_cast<double>(s.queued), false)};
  return {records, failed, queued};
}

}  // namespace medius::observability
