#include "observability/line_writer.h"

#include <utility>
#include <vector>

namespace medius::observability {

LineWriter::LineWriter(std::ostream& out,
                       std::function<std::string(uint64_t)> drop_notice,
                       size_t max_queued)
    : out_(out),
      drop_notice_(std::move(drop_notice)),
      max_queued_(max_queued),
      thread_([this] { Run(); }) {}

LineWriter::~LineWriter() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

bool LineWriter::Write(std::string line) {
  absl::MutexLock lock(&mu_);
  if (queue_.size() >= max_queued_) {
    ++unreported_drops_;
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  queue_.push_back(std::move(line));
  ++queued_;
  return true;
}

void LineWriter::Flush() {
  absl::MutexLock lock(&mu_);
  const uint64_t target = queued_;
  const FlushWait wait{this, target};
  mu_.Await(absl::Condition(&wait, &FlushWait::Done));
}

void LineWriter::Run() {
  std::vector<std::string> batch;
  for (;;) {
    uint64_t drops = 0;
    bool stop = false;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &LineWriter::HasWork));
      batch.assign(std::make_move_iterator(queue_.begin()),
                   std::make_move_iterator(queue_.end()));
      queue_.clear();
      drops = unreported_drops_;
      unreported_drops_ = 0;
      stop = stopping_;
    }
    for (const std::string& line : batch) out_ << line << '\n';
    if (drops > 0 && drop_notice_) out_ << drop_notice_(drops) << '\n';
    out_.flush();
    {
      absl::MutexLock lock(&mu_);
      written_ += batch.size();
      // Lines queued after the stop was seen are written on the next turn;
      // only an empty queue ends the thread.
      if (stop && queue_.empty() && unreported_drops_ == 0) return;
    }
    batch.clear();
  }
}

}  // namespace medius::observability
