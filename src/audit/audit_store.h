// AuditStore: where the assessment record lives, behind one small interface
// with two back ends: SQLite (embedded, the default: a file) and
// PostgreSQL (several server replicas sharing one database). Both keep one
// hash chain (audit_record.h): Append links each new entry to the last one
// stored, inside one transaction that excludes every other appender, other
// replicas included, so the chain stays linear.
//
// Example:
//   absl::StatusOr<std::unique_ptr<AuditStore>> store =
//       OpenAuditStore("/var/lib/medius/audit.db");   // or "postgresql://..."
//   std::vector<AuditRecord> batch = {record};
//   absl::Status s = (*store)->Append(batch);   // fills sequence and hashes
//   absl::StatusOr<std::vector<AuditRecord>> got =
//       (*store)->GetAssessment(record.assessment_id);
//
// Thread-safety: a store is one database connection, used by one thread at
// a time (the writer has its own; readers share one under a mutex). Several
// stores, in one process or many, may open the same database.
#ifndef MEDIUS_AUDIT_AUDIT_STORE_H_
#define MEDIUS_AUDIT_AUDIT_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "audit/audit_record.h"

namespace medius::audit {

class AuditStore {
 public:
  virtual ~AuditStore() = default;

  // Appends `records` in order, all or none, assigning each its sequence,
  // previous_hash and hash. UNAVAILABLE when the database cannot take them
  // (then none was stored).
  virtual absl::Status Append(std::vector<AuditRecord>& records) = 0;

  // The assessment with this id, then its outcomes in chain order; empty
  // when there is none.
  virtual absl::StatusOr<std::vector<AuditRecord>> GetAssessment(
      const std::string& assessment_id) = 0;

  // Up to `limit` assessments (not outcomes) of an encounter with a
  // sequence above `after_sequence`, in chain order.
  virtual absl::StatusOr<std::vector<AuditRecord>> ListByEncounter(
      const std::string& encounter_id, int64_t after_sequence, int limit) = 0;

  // Up to `limit` entries of every kind with a sequence above
  // `after_sequence`, in chain order: for verify and reports.
  virtual absl::StatusOr<std::vector<AuditRecord>> Scan(int64_t after_sequence,
                                                        int limit) = 0;

  // The latest purge's checkpoint, if any purge ever ran.
  virtual absl::StatusOr<std::optional<Checkpoint>> LatestCheckpoint() = 0;

  // Removes the longest prefix of the chain recorded before `cutoff` and
  // leaves a checkpoint (MAC'd with `key`) in the same transaction, so the
  // rest still verifies. Returns how many entries went (0: no checkpoint).
  virtual absl::StatusOr<int64_t> Purge(absl::Time cutoff,
                                        const std::string& key) = 0;

  // "sqlite" or "postgresql", for messages.
  virtual std::string backend() const = 0;
};

// `spec` is "postgresql://..." or "postgres://..." (a libpq connection URI)
// or a SQLite file path (created on first use, with its schema). The schema
// is created or migrated here. INVALID_ARGUMENT for an empty spec,
// UNAVAILABLE when the database cannot be reached or opened.
absl::StatusOr<std::unique_ptr<AuditStore>> OpenAuditStore(
    const std::string& spec);

bool IsPostgresSpec(const std::string& spec);

}  // namespace medius::audit

#endif  // MEDIUS_AUDIT_AUDIT_STORE_H_
