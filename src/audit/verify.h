// VerifyChain: walks the whole audit store in chain order and reports every
// place where the hash chain does not hold: an entry whose content no longer
// matches its hash (edited), a missing sequence number (deleted), an entry
// that does not link to the one before it (deleted, reordered or replaced),
// and a retention checkpoint whose MAC does not match the audit key.
//
// What a chain cannot show on its own: deleting the newest entries (the
// chain is then shorter but whole). Compare the head (`head_sequence`,
// `head_hash`), which `medius audit verify` prints, with one noted earlier
// (the server logs the head when it stops).
//
// Example:
//   absl::StatusOr<VerifyReport> r = VerifyChain(*store, key);
//   if (r.ok() && !r->problems.empty()) ... tampering
//
// Thread-safety: uses the store exclusively while it runs.
#ifndef MEDIUS_AUDIT_VERIFY_H_
#define MEDIUS_AUDIT_VERIFY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "audit/audit_store.h"

namespace medius::audit {

struct VerifyReport {
  int64_t records = 0;
  int64_t head_sequence = 0;  // the last entry's (or checkpoint's) sequence
  std::string head_hash;
  bool from_checkpoint = false;  // a purge removed the chain's start
  bool checkpoint_mac_checked = false;
  // One line per break, in chain order (at most kMaxProblems).
  std::vector<std::string> problems;
  bool ok() const { return problems.empty(); }
};

inline constexpr size_t kMaxProblems = 100;

// `key`: the audit key retention checkpoints were MAC'd with ("" skips the
// MAC check, and says so). An error status only when the store cannot be
// read; tampering is in the report.
absl::StatusOr<VerifyReport> VerifyChain(AuditStore& store,
                                         const std::string& key);

}  // namespace medius::audit

#endif  // MEDIUS_AUDIT_VERIFY_H_
