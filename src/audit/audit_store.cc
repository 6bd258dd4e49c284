#include "audit/audit_store.h"

#include "absl/strings/match.h"
#include "audit/postgres_store.h"
#include "audit/sqlite_store.h"

namespace medius::audit {

bool IsPostgresSpec(const std::string& spec) {
  return absl::StartsWith(spec, "postgresql://") ||
         absl::StartsWith(spec, "postgres://");
}

absl::StatusOr<std::unique_ptr<AuditStore>> OpenAuditStore(
    const std::string& spec) {
  if (spec.empty()) {
    return absl::InvalidArgumentError("audit store: no database given");
  }
  if (IsPostgresSpec(spec)) return OpenPostgresStore(spec);
  return OpenSqliteStore(spec);
}

}  // namespace medius::audit
