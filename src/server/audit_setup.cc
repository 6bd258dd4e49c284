#include "server/audit_setup.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "app/audit_json.h"

namespace medius::server {

std::string AuditRuntime::Stop() {
  stopping.Notify();
  if (retention.joinable()) retention.join();
  if (writer == nullptr) return "";
  writer->Shutdown();
  audit::AuditWriter::Stats s = writer->stats();
  return absl::StrCat("audit: ", s.appended, " record(s) stored, ", s.dropped,
                      " dropped, ", s.refused,
                      " refused; chain head: sequence ", s.head_sequence,
                      ", hash ", s.head_hash.empty() ? "-" : s.head_hash);
}

AuditRuntime::~AuditRuntime() {
  if (!stopping.HasBeenNotified()) Stop();
}

absl::StatusOr<std::unique_ptr<AuditRuntime>> StartAudit(
    const ServerConfig& config,
    std::function<void(const std::string&, const std::string&)> log) {
  const ServerFlags& flags = config.flags;
  auto runtime = std::make_unique<AuditRuntime>();
  if (flags.audit == "off") {
    runtime->description = "no assessment record (--audit=off)";
    return runtime;
  }
  absl::StatusOr<std::unique_ptr<audit::AuditStore>> writer_store =
      audit::OpenAuditStore(flags.audit_db);
  if (!writer_store.ok()) return writer_store.status();
  absl::StatusOr<std::unique_ptr<audit::AuditStore>> reader =
      audit::OpenAuditStore(flags.audit_db);
  if (!reader.ok()) return reader.status();
  runtime->reader = *std::move(reader);
  const std::string backend = (*writer_store)->backend();

  audit::AuditWriterOptions options;
  options.mode = flags.audit == "best_effort" ? audit::AuditMode::kBestEffort
                                              : audit::AuditMode::kRequired;
  options.queue_capacity = static_cast<size_t>(flags.audit_queue_records);
  options.prepare = app::FillRequestJson;
  options.on_problem = [log](const std::string& m) { log("error", m); };
  runtime->writer = std::make_unique<audit::AuditWriter>(
      *std::move(writer_store), std::move(options));
  // Never print a PostgreSQL URI: it may carry a password.
  runtime->description = absl::StrCat(
      "assessment record in ", backend,
      backend == "sqlite" ? absl::StrCat(" ", flags.audit_db) : "", " (",
      flags.audit,
      flags.audit_retention_days > 0
          ? absl::StrCat(", kept ", flags.audit_retention_days, " days")
          : ", kept forever",
      ")");

  if (flags.audit_retention_days > 0) {
    absl::StatusOr<std::unique_ptr<audit::AuditStore>> purge_store =
        audit::OpenAuditStore(flags.audit_db);
    if (!purge_store.ok()) return purge_store.status();
    runtime->retention =
        std::thread([store = *std::move(purge_store), runtime = runtime.get(),
                     days = flags.audit_retention_days,
                     key = config.audit_checkpoint_key, log]() mutable {
          do {
            absl::StatusOr<int64_t> purged =
                store->Purge(absl::Now() - absl::Hours(24) * days, key);
            if (!purged.ok()) {
              log("error", absl::StrCat("audit retention purge failed: ",
                                        purged.status().message()));
            } else if (*purged > 0) {
              log("info", absl::StrCat("audit retention: purged ", *purged,
                                       " record(s) older than ", days,
                                       " days; a checkpoint keeps the chain "
                                       "verifiable"));
            }
          } while (!runtime->stopping.WaitForNotificationWithTimeout(
              absl::Hours(24)));
        });
  }
  return runtime;
}

}  // namespace medius::server
