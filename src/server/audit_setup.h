// The server's assessment record: opens the audit store named by --audit_db
// (a connection for the writer, one for reads, one for retention), starts
// the writer (--audit, --audit_queue_records) and, with
// --audit_retention_days, a purge at start-up and then daily.
//
// Example:
//   absl::StatusOr<std::unique_ptr<AuditRuntime>> audit =
//       StartAudit(*config, log_problem);
//   options.audit_writer = (*audit)->writer.get();   // null with --audit=off
//   ...
//   (*audit)->Stop();   // after the gRPC server has stopped: flushes
//
// Thread-safety: Stop once, from the thread that started it.
#ifndef MEDIUS_SERVER_AUDIT_SETUP_H_
#define MEDIUS_SERVER_AUDIT_SETUP_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "audit/audit_store.h"
#include "audit/audit_writer.h"
#include "server/config.h"

namespace medius::server {

struct AuditRuntime {
  std::unique_ptr<audit::AuditStore> reader;
  std::unique_ptr<audit::AuditWriter> writer;
  std::string description;  // for the start-up line
  // Writes every queued record, stops retention; returns the head line
  // for the log ("audit chain head: sequence N, hash H").
  std::string Stop();
  ~AuditRuntime();

  std::thread retention;
  absl::Notification stopping;
};

// `log(level, message)`: warnings and errors of the writer and the purges.
// UNAVAILABLE when the store cannot be opened (the server then does not
// start: every answer must be recordable).
absl::StatusOr<std::unique_ptr<AuditRuntime>> StartAudit(
    const ServerConfig& config,
    std::function<void(const std::string& level, const std::string& message)>
        log);

}  // namespace medius::server

#endif  // MEDIUS_SERVER_AUDIT_SETUP_H_
