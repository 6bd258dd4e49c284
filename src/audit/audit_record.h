// AuditRecord: one entry of the assessment record (an answered assessment,
// or an outcome reported for one), and the hash chain that makes the record
// tamper-evident: each entry's hash covers every stored field and the hash
// of the entry before it, so editing, deleting or reordering entries breaks
// the chain (audit/verify.h finds where). A purge by retention leaves a
// Checkpoint (the last purged entry's sequence and hash, keyed-MAC'd) from
// which the remaining chain still verifies.
//
// Example:
//   AuditRecord r;
//   r.kind = RecordKind::kAssessment;
//   r.assessment_id = response.assessment_id();
//   ...
//   r.sequence = last.sequence + 1;
//   r.previous_hash = last.hash;
//   r.hash = ChainHash(r);
//
// Thread-safety: plain values and pure functions.
#ifndef MEDIUS_AUDIT_AUDIT_RECORD_H_
#define MEDIUS_AUDIT_AUDIT_RECORD_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace medius::audit {

enum class RecordKind {
  kAssessment,  // request: AssessRequest, response: AssessResponse bytes
  kOutcome,     // request: medius.v1.Outcome bytes; response empty
};
// "assessment", "outcome": the stored spelling (never change it: it is
// hashed).
absl::string_view KindName(RecordKind kind);
bool ParseKind(absl::string_view name, RecordKind* kind);

struct AuditRecord {
  // Assigned by the store when appended: position in the chain (1-based),
  // the previous entry's hash and this one's.
  int64_t sequence = 0;
  std::string previous_hash;  // 64 hex digits
  std::string hash;           // 64 hex digits

  RecordKind kind = RecordKind::kAssessment;
  std::string assessment_id;
  // The EMR's encounter id, for ListAssessments ("" for outcomes).
  std::string encounter_id;
  absl::Time recorded_at;  // stored to the microsecond
  std::string client;      // authenticated client, "" without tokens
  std::string transport;   // "grpc", "cds-hooks"
  std::string knowledge_base_version;
  std::string knowledge_base_digest;
  std::string request;   // protobuf wire bytes (see RecordKind)
  std::string response;  // protobuf wire bytes, "" for outcomes
  // The request as JSON, for a human reading the store directly. The
  // response's JSON (3-4 times its 60-270 KB of protobuf) is rendered on
  // reading instead (`medius audit show`): the bytes are the record.
  std::string request_json;
};

// The previous_hash of the first entry ever.
inline constexpr absl::string_view kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

// Hex SHA-256 over a versioned, length-prefixed encoding of every field
// above except `hash` (so no two different records encode the same).
std::string ChainHash(const AuditRecord& record);

// What a retention purge leaves behind: entries 1..through_sequence are gone;
// the first remaining entry must chain to through_hash.
struct Checkpoint {
  int64_t through_sequence = 0;
  std::string through_hash;
  int64_t purged_records = 0;  // removed by this purge
  absl::Time created_at;
  // Hex HMAC-SHA256 of the fields above under the audit key ("" when the
  // server had no key: then only the chain, not the checkpoint, is
  // protected).
  std::string mac;
};

std::string CheckpointMac(const Checkpoint& checkpoint, absl::string_view key);

// Microseconds since the epoch: the stored and hashed form of a time.
int64_t ToMicros(absl::Time t);

}  // namespace medius::audit

#endif  // MEDIUS_AUDIT_AUDIT_RECORD_H_
