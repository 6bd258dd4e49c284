// AuditWriter: takes records off the request path. Calls hand it a record
// (Submit); one writer thread appends them to the store in batches (one
// transaction, one fsync, for all that queued meanwhile) and says how each
// ended. The queue is bounded, and nothing is lost silently:
//   kRequired    the call's answer waits for its record: `done` runs with
//                OK once the record is committed, or UNAVAILABLE when the
//                queue is full or the store refused the batch, and the
//                transport then sends UNAVAILABLE instead of the answer
//                (fail closed: no answer goes out unrecorded).
//   kBestEffort  `done` runs at once with OK; a record that cannot be
//                queued or stored is counted (stats().dropped) and reported
//                to on_problem.
// A Submit with `durable` (an outcome: its OK promises it is stored) waits
// for the commit in either mode. Shutdown (and the destructor) stops taking
// records and writes every queued one before returning.
//
// Example:
//   AuditWriter writer(*std::move(store), {.mode = AuditMode::kRequired});
//   writer.Submit(std::move(record), /*durable=*/false,
//                 [](const absl::Status& s, const AuditRecord* stored) {...});
//
// Thread-safety: Submit and stats may be called from any thread; `done`
// runs on the caller's thread (refusals, best effort) or the writer's.
#ifndef MEDIUS_AUDIT_AUDIT_WRITER_H_
#define MEDIUS_AUDIT_AUDIT_WRITER_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "audit/audit_store.h"

namespace medius::audit {

enum class AuditMode { kOff, kBestEffort, kRequired };

struct AuditWriterOptions {
  AuditMode mode = AuditMode::kRequired;
  size_t queue_capacity = 1024;  // records waiting; more are refused
  size_t max_batch = 128;        // records per transaction
  // Runs on the writer thread before a record is appended: fills what is
  // costly to build on the request path (the request's JSON).
  std::function<void(AuditRecord&)> prepare;
  // A dropped record or a failed batch, for the log.
  std::function<void(const std::string&)> on_problem;
};

class AuditWriter {
 public:
  // `stored` is the record with its sequence and hashes (null on error).
  using Done = std::function<void(const absl::Status& status,
                                  const AuditRecord* stored)>;

  AuditWriter(std::unique_ptr<AuditStore> store, AuditWriterOptions options);
  ~AuditWriter();  // Shutdown()

  void Submit(AuditRecord record, bool durable, Done done);
  void Shutdown();

  struct Stats {
    int64_t appended = 0;
    int64_t dropped = 0;  // best effort: lost
    int64_t refused = 0;  // required/durable: answered UNAVAILABLE
    int64_t failed_batches = 0;
    size_t queued = 0;
    // The chain's head after this writer's last append (0, "" before).
    int64_t head_sequence = 0;
    std::string head_hash;
  };
  Stats stats() const;
  AuditMode mode() const { return options_.mode; }

 private:
  struct Item {
    AuditRecord record;
    bool waits;  // `done` runs after the commit
    Done done;
  };
  void Run();

  std::unique_ptr<AuditStore> store_;
  const AuditWriterOptions options_;
  mutable absl::Mutex mutex_;
  std::deque<Item> queue_ ABSL_GUARDED_BY(mutex_);
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  Stats stats_ ABSL_GUARDED_BY(mutex_);
  std::thread thread_;
};

}  // namespace medius::audit

#endif  // MEDIUS_AUDIT_AUDIT_WRITER_H_
