// SqliteStore: the embedded audit store, one SQLite file in WAL mode
// (readers do not block the writer), synchronous=FULL so an acknowledged
// record survives a crash or power loss, created with its schema on first
// open. Appends take the write lock first (BEGIN IMMEDIATE), so several
// processes on one file still keep one chain.
//
// Example:
//   absl::StatusOr<std::unique_ptr<AuditStore>> s = OpenSqliteStore("a.db");
//
// Thread-safety: one thread at a time per store (audit_store.h).
#ifndef MEDIUS_AUDIT_SQLITE_STORE_H_
#define MEDIUS_AUDIT_SQLITE_STORE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "audit/audit_store.h"

namespace medius::audit {

absl::StatusOr<std::unique_ptr<AuditStore>> OpenSqliteStore(
    const std::string& path);

}  // namespace medius::audit

#endif  // MEDIUS_AUDIT_SQLITE_STORE_H_
