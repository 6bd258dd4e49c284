#include "audit/verify.h"

#include "absl/strings/str_cat.h"

namespace medius::audit {

absl::StatusOr<VerifyReport> VerifyChain(AuditStore& store,
                                         const std::string& key) {
  VerifyReport report;
  auto problem = [&report](std::string line) {
    if (report.problems.size() < kMaxProblems) {
      report.problems.push_back(std::move(line));
    }
  };
  int64_t expected_sequence = 0;
  std::string expected_hash(kGenesisHash);
  absl::StatusOr<std::optional<Checkpoint>> checkpoint =
      store.LatestCheckpoint();
  if (!checkpoint.ok()) return checkpoint.status();
  if (checkpoint->has_value()) {
    const Checkpoint& c = **checkpoint;
    report.from_checkpoint = true;
    expected_sequence = c.through_sequence;
    expected_hash = c.through_hash;
    if (!key.empty()) {
      report.checkpoint_mac_checked = true;
      if (c.mac.empty()) {
        problem(absl::StrCat("checkpoint through ", c.through_sequence,
                             " carries no MAC, but a key was given"));
      } else if (CheckpointMac(c, key) != c.mac) {
        problem(absl::StrCat("checkpoint through ", c.through_sequence,
                             ": MAC does not match (altered, or another key)"));
      }
    }
  }
  constexpr int kPage = 500;
  int64_t after = 0;
  while (true) {
    absl::StatusOr<std::vector<AuditRecord>> page = store.Scan(after, kPage);
    if (!page.ok()) return page.status();
    for (const AuditRecord& r : *page) {
      ++report.records;
      if (r.sequence <= expected_sequence) {
        problem(absl::StrCat("record ", r.sequence,
                             " is at or before the checkpoint/previous "
                             "record ",
                             expected_sequence));
      } else if (r.sequence != expected_sequence + 1) {
        problem(absl::StrCat("records ", expected_sequence + 1, "..",
                             r.sequence - 1, " are missing (deleted)"));
      }
      if (r.previous_hash != expected_hash) {
        problem(absl::StrCat("record ", r.sequence,
                             " does not chain to the record before it "
                             "(deleted, reordered or replaced)"));
      }
      if (ChainHash(r) != r.hash) {
        problem(absl::StrCat("record ", r.sequence,
                             " does not match its hash (altered)"));
      }
      expected_sequence = r.sequence;
      expected_hash = r.hash;
      after = r.sequence;
    }
    if (static_cast<int>(page->size()) < kPage) break;
  }
  report.head_sequence = expected_sequence;
  report.head_hash = expected_hash;
  return report;
}

}  // namespace medius::audit
