#include "audit/audit_writer.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace medius::audit {

AuditWriter::AuditWriter(std::unique_ptr<AuditStore> store,
                         AuditWriterOptions options)
    : store_(std::move(store)), options_(std::move(options)) {
  thread_ = std::thread([this] { Run(); });
}

AuditWriter::~AuditWriter() { Shutdown(); }

void AuditWriter::Submit(AuditRecord record, bool durable, Done done) {
  const bool waits = durable || options_.mode == AuditMode::kRequired;
  std::string problem;
  {
    absl::MutexLock lock(&mutex_);
    if (!stopping_ && queue_.size() < options_.queue_capacity) {
      queue_.push_back(Item{std::move(record), waits, waits ? done : Done()});
      if (waits) return;
    } else {
      problem = stopping_ ? "the server is shutting down"
                          : absl::StrCat("its queue is full (",
                                         options_.queue_capacity, " records)");
      if (waits) {
        ++stats_.refused;
      } else {
        ++stats_.dropped;
      }
    }
  }
  if (!problem.empty()) {
    const std::string message =
        absl::StrCat("audit store cannot accept the record: ", problem);
    if (!waits && options_.on_problem) {
      options_.on_problem(message + " (best effort: record dropped)");
    }
    if (waits) {
      done(absl::UnavailableError(message), nullptr);
      return;
    }
  }
  done(absl::OkStatus(), nullptr);
}

void AuditWriter::Shutdown() {
  {
    absl::MutexLock lock(&mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

AuditWriter::Stats AuditWriter::stats() const {
  absl::MutexLock lock(&mutex_);
  Stats s = stats_;
  s.queued = queue_.size();
  return s;
}

void AuditWriter::Run() {
  while (true) {
    std::vector<Item> batch;
    {
      absl::MutexLock lock(&mutex_);
      mutex_.Await(absl::Condition(
          +[](AuditWriter* w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(w->mutex_) {
            return w->stopping_ || !w->queue_.empty();
          },
          this));
      if (queue_.empty()) return;  // stopping, and everything is written
      while (!queue_.empty() && batch.size() < options_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    std::vector<AuditRecord> records;
    records.reserve(batch.size());
    for (Item& item : batch) {
      if (options_.prepare) options_.prepare(item.record);
      records.push_back(std::move(item.record));
    }
    absl::Status status = store_->Append(records);
    {
      absl::MutexLock lock(&mutex_);
      if (status.ok()) {
        stats_.appended += static_cast<int64_t>(records.size());
        stats_.head_sequence = records.back().sequence;
        stats_.head_hash = records.back().hash;
      } else {
        ++stats_.failed_batches;
        for (const Item& item : batch) {
          if (item.waits) {
            ++stats_.refused;
          } else {
            ++stats_.dropped;
          }
        }
      }
    }
    if (!status.ok() && options_.on_problem) {
      const bool dropped = std::any_of(batch.begin(), batch.end(),
                                       [](const Item& i) { return !i.waits; });
      options_.on_problem(absl::StrCat(
          "audit store refused ", batch.size(), " record(s): ",
          status.message(), dropped ? " (best effort: record dropped)" : ""));
    }
    for (size_t i = 0; i < batch.size(); ++i) {
      if (!batch[i].waits) continue;
      if (status.ok()) {
        batch[i].done(status, &records[i]);
      } else {
        batch[i].done(absl::UnavailableError(absl::StrCat(
                          "the assessment could not be recorded (audit store: ",
                          status.message(), "); retry")),
                      nullptr);
      }
    }
  }
}

}  // namespace medius::audit
