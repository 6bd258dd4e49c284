// LineWriter: writes lines to a stream from a thread of its own, so a
// request thread never waits on the disk (or a slow pipe) to log a call.
// The queue is bounded: when it is full a line is dropped, counted, and a
// notice saying how many were lost is written as soon as there is room, so
// a log that is missing lines says so.
//
// Example:
//   LineWriter writer(std::cerr, [](uint64_t n) { return Notice(n); });
//   writer.Write("{\"event\":\"rpc\"}");
//   // ~LineWriter writes every queued line, then returns.
//
// Thread-safety: Write and dropped may be called from any thread.
#ifndef MEDIUS_OBSERVABILITY_LINE_WRITER_H_
#define MEDIUS_OBSERVABILITY_LINE_WRITER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <ostream>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"

namespace medius::observability {

class LineWriter {
 public:
  // `out` must outlive the writer. `drop_notice(n)` is the line written
  // after n lines were dropped. At most `max_queued` lines wait.
  LineWriter(std::ostream& out,
             std::function<std::string(uint64_t)> drop_notice,
             size_t max_queued = 16384);
  ~LineWriter();
  LineWriter(const LineWriter&) = delete;
  LineWriter& operator=(const LineWriter&) = delete;

  // Queues `line` (without its newline). False if it was dropped.
  bool Write(std::string line);
  // Lines dropped so far.
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  // Blocks until every line queued so far is written and flushed (tests).
  void Flush();

 private:
  struct FlushWait {
    const LineWriter* writer;
    uint64_t target;
    bool Done() const ABSL_NO_THREAD_SAFETY_ANALYSIS {
      return writer->written_ >= target;
    }
  };
  bool HasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !queue_.empty() || unreported_drops_ > 0 || stopping_;
  }
  void Run();

  std::ostream& out_;
  const std::function<std::string(uint64_t)> drop_notice_;
  const size_t max_queued_;
  absl::Mutex mu_;
  std::deque<std::string> queue_ ABSL_GUARDED_BY(mu_);
  uint64_t unreported_drops_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t queued_ ABSL_GUARDED_BY(mu_) = 0;   // lines ever queued
  uint64_t written_ ABSL_GUARDED_BY(mu_) = 0;  // of those, written
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<uint64_t> dropped_{0};
  std::thread thread_;
};

}  // namespace medius::observability

#endif  // MEDIUS_OBSERVABILITY_LINE_WRITER_H_
