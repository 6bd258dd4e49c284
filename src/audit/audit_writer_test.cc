#include "audit/audit_writer.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "audit/sqlite_store.h"
#include "audit/verify.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace medius::audit {
namespace {

// A store that fails every Append until told otherwise, and can hold the
// writer inside Append (to fill its queue).
class ScriptedStore final : public AuditStore {
 public:
  std::atomic<bool> fail{false};
  absl::Notification* hold = nullptr;  // Append waits for it
  std::atomic<int> appended{0};

  absl::Status Append(std::vector<AuditRecord>& records) override {
    if (hold != nullptr) hold->WaitForNotification();
    if (fail) return absl::UnavailableError("disk full");
    for (AuditRecord& r : records) r.sequence = ++appended;
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<AuditRecord>> GetAssessment(
      const std::string&) override {
    return std::vector<AuditRecord>();
  }
  absl::StatusOr<std::vector<AuditRecord>> ListByEncounter(const std::string&,
                                                           int64_t,
                                                           int) override {
    return std::vector<AuditRecord>();
  }
  absl::StatusOr<std::vector<AuditRecord>> Scan(int64_t, int) override {
    return std::vector<AuditRecord>();
  }
  absl::StatusOr<std::optional<Checkpoint>> LatestCheckpoint() override {
    return std::optional<Checkpoint>();
  }
  absl::StatusOr<int64_t> Purge(absl::Time, const std::string&) override {
    return 0;
  }
  std::string backend() const override { return "scripted"; }
};

AuditRecord Record(int i) {
  AuditRecord r;
  r.assessment_id = absl::StrCat("id-", i);
  r.request = "x";
  return r;
}

TEST(AuditWriterTest, RequiredAnswersOnlyOnceCommittedAndFlushesOnShutdown) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            absl::StrCat("writer_", getpid(), ".db"))
                               .string();
  std::filesystem::remove(path);
  std::atomic<int> ok{0};
  {
    AuditWriterOptions options;
    options.prepare = [](AuditRecord& r) { r.request_json = "{}"; };
    AuditWriter writer(*OpenSqliteStore(path), options);
    for (int i = 0; i < 300; ++i) {
      writer.Submit(Record(i), false,
                    [&ok](const absl::Status& s, const AuditRecord* stored) {
                      if (s.ok() && stored != nullptr && stored->sequence > 0 &&
                          stored->request_json == "{}") {
                        ++ok;
                      }
                    });
    }
    writer.Shutdown();
    EXPECT_EQ(writer.stats().appended, 300);
  }
  EXPECT_EQ(ok, 300);
  std::unique_ptr<AuditStore> store = *OpenSqliteStore(path);
  absl::StatusOr<VerifyReport> report = VerifyChain(*store, "");
  EXPECT_TRUE(report->ok());
  EXPECT_EQ(report->records, 300);
  std::filesystem::remove(path);
}

TEST(AuditWriterTest, RequiredFailsClosedWhenTheStoreRefuses) {
  auto store = std::make_unique<ScriptedStore>();
  store->fail = true;
  AuditWriter writer(std::move(store), {});
  absl::Notification done;
  absl::Status status;
  writer.Submit(Record(1), false,
                [&](const absl::Status& s, const AuditRecord* stored) {
                  status = s;
                  EXPECT_EQ(stored, nullptr);
                  done.Notify();
                });
  done.WaitForNotification();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(status.message(), ::testing::HasSubstr("disk full"));
  EXPECT_EQ(writer.stats().refused, 1);
}

TEST(AuditWriterTest, AFullQueueRefusesInRequiredAndDropsCountedInBestEffort) {
  for (AuditMode mode : {AuditMode::kRequired, AuditMode::kBestEffort}) {
    absl::Notification release;
    auto store = std::make_unique<ScriptedStore>();
    store->hold = &release;
    ScriptedStore* raw = store.get();
    std::vector<std::string> problems;
    AuditWriterOptions options;
    options.mode = mode;
    options.queue_capacity = 4;
    options.max_batch = 1;
    options.on_problem = [&problems](const std::string& p) {
      problems.push_back(p);
    };
    AuditWriter writer(std::move(store), options);
    std::atomic<int> ok{0}, unavailable{0};
    auto done = [&](const absl::Status& s, const AuditRecord*) {
      if (s.ok()) ++ok;
      if (s.code() == absl::StatusCode::kUnavailable) ++unavailable;
    };
    // One is taken by the (held) writer thread at most; then 4 queue.
    for (int i = 0; i < 20; ++i) writer.Submit(Record(i), false, done);
    const int refused_now = unavailable;
    release.Notify();
    writer.Shutdown();
    const AuditWriter::Stats stats = writer.stats();
    if (mode == AuditMode::kRequired) {
      EXPECT_GE(refused_now, 15);
      EXPECT_EQ(stats.refused, refused_now);
      EXPECT_EQ(ok + unavailable, 20);
      EXPECT_EQ(ok, raw->appended);
      EXPECT_TRUE(problems.empty());  // the callers were told instead
    } else {
      EXPECT_EQ(ok, 20);  // answers go out at once
      EXPECT_GE(stats.dropped, 15);
      EXPECT_EQ(stats.dropped + raw->appended, 20);
      EXPECT_EQ(problems.size(), static_cast<size_t>(stats.dropped));
    }
  }
}

TEST(AuditWriterTest, DurableSubmitsWaitEvenInBestEffortMode) {
  auto store = std::make_unique<ScriptedStore>();
  ScriptedStore* raw = store.get();
  AuditWriterOptions options;
  options.mode = AuditMode::kBestEffort;
  AuditWriter writer(std::move(store), options);
  absl::Notification done;
  int64_t sequence = 0;
  writer.Submit(Record(1), true,
                [&](const absl::Status& s, const AuditRecord* stored) {
                  ASSERT_TRUE(s.ok());
                  sequence = stored->sequence;
                  done.Notify();
                });
  done.WaitForNotification();
  EXPECT_EQ(sequence, 1);
  EXPECT_EQ(raw->appended, 1);
}

TEST(AuditWriterTest, AfterShutdownRecordsAreRefusedNotLost) {
  AuditWriter writer(std::make_unique<ScriptedStore>(), {});
  writer.Shutdown();
  absl::Status status;
  writer.Submit(Record(1), false,
                [&](const absl::Status& s, const AuditRecord*) { status = s; });
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace medius::audit
