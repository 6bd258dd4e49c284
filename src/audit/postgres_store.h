// PostgresStore: the shared audit store, for several server replicas writing
// one record. Same schema, migrations and chain as SqliteStore (BIGINT for
// integers, BYTEA for the protobuf bytes), over one libpq connection. Every
// append and purge runs in one transaction that first takes a fixed
// transaction-level advisory lock, so appenders in other processes and on
// other hosts wait their turn and the chain stays linear; migrations take
// another, so replicas starting together do not race to create the schema.
// A connection found broken (the database restarted, a failover) is reset
// once at the start of the next call, so a long-lived store recovers by
// itself; the call that saw it break returns UNAVAILABLE.
//
// Example:
//   absl::StatusOr<std::unique_ptr<AuditStore>> s =
//       OpenPostgresStore("postgresql://medius@db.internal/medius");
//
// Thread-safety: one thread at a time per store (audit_store.h).
#ifndef MEDIUS_AUDIT_POSTGRES_STORE_H_
#define MEDIUS_AUDIT_POSTGRES_STORE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "audit/audit_store.h"

namespace medius::audit {

// `uri` is a libpq connection string or URI. INVALID_ARGUMENT when it is
// empty or malformed, UNAVAILABLE when the database cannot be reached,
// FAILED_PRECONDITION when its schema is newer than this build knows.
absl::StatusOr<std::unique_ptr<AuditStore>> OpenPostgresStore(
    const std::string& uri);

}  // namespace medius::audit

#endif  // MEDIUS_AUDIT_POSTGRES_STORE_H_
