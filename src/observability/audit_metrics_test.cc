#include "observability/audit_metrics.h"

#include <unistd.h>

#include <filesystem>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "audit/audit_store.h"
#include "gtest/gtest.h"

namespace medius::observability {
namespace {

double Value(const std::vector<prometheus::MetricFamily>& families,
             const std::string& name, const std::string& outcome = "") {
  for (const auto& f : families) {
    if (f.name != name) continue;
    for (const auto& m : f.metric) {
      if (outcome.empty() ||
          (!m.label.empty() && m.label[0].value == outcome)) {
        return f.type == prometheus::MetricType::Gauge ? m.gauge.value
                                                       : m.counter.value;
      }
    }
  }
  return -1;
}

TEST(AuditMetricsTest, CountsWhatTheWriterStoredAndRefused) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            absl::StrCat("audit_metrics_", getpid(), ".db"))
                               .string();
  std::filesystem::remove(path);
  auto store = audit::OpenAuditStore(path);
  ASSERT_TRUE(store.ok());
  audit::AuditWriter writer(*std::move(store), {});
  AuditMetrics metrics(writer);
  EXPECT_EQ(Value(metrics.Collect(), "medius_audit_records_total", "stored"),
            0);
  for (int i = 0; i < 3; ++i) {
    absl::Notification done;
    audit::AuditRecord r;
    r.assessment_id = absl::StrCat("id", i);
    writer.Submit(r, false,
                  [&done](const absl::Status&, const audit::AuditRecord*) {
                    done.Notify();
                  });
    done.WaitForNotification();
  }
  writer.Shutdown();
  writer.Submit(audit::AuditRecord(), false,
                [](const absl::Status&, const audit::AuditRecord*) {});
  const auto families = metrics.Collect();
  EXPECT_EQ(Value(families, "medius_audit_records_total", "stored"), 3);
  EXPECT_EQ(Value(families, "medius_audit_records_total", "refused"), 1);
  EXPECT_EQ(Value(families, "medius_audit_records_total", "dropped"), 0);
  EXPECT_EQ(Value(families, "medius_audit_queue_records"), 0);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace medius::observability
