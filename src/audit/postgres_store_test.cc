// PostgreSQL-specific tests of the audit store against a real, private
// server (testing/postgres_server.h): byte-exact round trips, one linear
// chain under concurrent appenders in separate connections, repeated and
// concurrent migrations, reconnection after a server restart, purge.
#include "audit/postgres_store.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "audit/audit_record.h"
#include "audit/testing/postgres_server.h"
#include "gtest/gtest.h"

namespace medius::audit {
namespace {

using ::medius::audit::testing::PostgresRequired;
using ::medius::audit::testing::PostgresServer;

constexpr int64_t kBaseMicros = 1767225600123456;  // 2026-01-01, odd micros

AuditRecord MakeRecord(RecordKind kind, const std::string& assessment_id,
                       const std::string& encounter_id, int64_t micros) {
  AuditRecord r;
  r.kind = kind;
  r.assessment_id = assessment_id;
  r.encounter_id = encounter_id;
  r.recorded_at = absl::FromUnixMicros(micros);
  r.client = "emr-1";
  r.transport = "grpc";
  r.knowledge_base_version = "0.6.2";
  r.knowledge_base_digest = std::string(64, 'd');
  r.request = absl::StrCat("request of ", assessment_id);
  r.response = kind == RecordKind::kAssessment ? "response" : "";
  r.request_json = absl::StrCat("{\"id\":\"", assessment_id, "\"}");
  return r;
}

void ExpectSame(const AuditRecord& want, const AuditRecord& got) {
  EXPECT_EQ(want.sequence, got.sequence);
  EXPECT_EQ(want.previous_hash, got.previous_hash);
  EXPECT_EQ(want.hash, got.hash);
  EXPECT_EQ(want.kind, got.kind);
  EXPECT_EQ(want.assessment_id, got.assessment_id);
  EXPECT_EQ(want.encounter_id, got.encounter_id);
  EXPECT_EQ(want.recorded_at, got.recorded_at);
  EXPECT_EQ(want.client, got.client);
  EXPECT_EQ(want.transport, got.transport);
  EXPECT_EQ(want.knowledge_base_version, got.knowledge_base_version);
  EXPECT_EQ(want.knowledge_base_digest, got.knowledge_base_digest);
  EXPECT_EQ(want.request, got.request);
  EXPECT_EQ(want.response, got.response);
  EXPECT_EQ(want.request_json, got.request_json);
}

// Sequences first..first+n-1 without gaps, each linked to the one before,
// each hash its own.
void ExpectChain(const std::vector<AuditRecord>& records, int64_t first,
                 const std::string& previous_hash) {
  std::string previous = previous_hash;
  for (size_t i = 0; i < records.size(); ++i) {
    const AuditRecord& r = records[i];
    ASSERT_EQ(r.sequence, first + static_cast<int64_t>(i));
    ASSERT_EQ(r.previous_hash, previous) << "at sequence " << r.sequence;
    ASSERT_EQ(r.hash, ChainHash(r)) << "at sequence " << r.sequence;
    previous = r.hash;
  }
}

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    absl::StatusOr<std::unique_ptr<PostgresServer>> pg =
        PostgresServer::Start(&why);
    ASSERT_TRUE(pg.ok()) << pg.status();
    if (*pg == nullptr) {
      if (PostgresRequired()) {
        FAIL() << why << " (and MEDIUS_REQUIRE_POSTGRES=1)";
      }
      GTEST_SKIP() << why;
    }
    server_ = *std::move(pg);
  }

  std::unique_ptr<AuditStore> Open() {
    absl::StatusOr<std::unique_ptr<AuditStore>> store =
        OpenPostgresStore(server_->uri());
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  std::unique_ptr<PostgresServer> server_;
};

TEST_F(PostgresStoreTest, RoundTripsEveryFieldAndByte) {
  std::unique_ptr<AuditStore> store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->backend(), "postgresql");

  std::string all_bytes;
  for (int b = 0; b < 256; ++b) all_bytes.push_back(static_cast<char>(b));
  // An outcome stored before its assessment still comes after it.
  AuditRecord early = MakeRecord(RecordKind::kOutcome, "a1", "", kBaseMicros);
  early.request = std::string(all_bytes.rbegin(), all_bytes.rend());
  AuditRecord a1 =
      MakeRecord(RecordKind::kAssessment, "a1", "enc-1", kBaseMicros + 1);
  a1.request = all_bytes;
  a1.response = all_bytes + std::string(100000, '\0') + all_bytes;
  a1.request_json = "{\"note\":\"caf\xc3\xa9 \xe2\x9c\x93\"}";
  a1.client = "";
  AuditRecord a2 =
      MakeRecord(RecordKind::kAssessment, "a2", "enc-2", kBaseMicros + 2);
  AuditRecord late =
      MakeRecord(RecordKind::kOutcome, "a1", "", kBaseMicros + 3);
  AuditRecord a3 =
      MakeRecord(RecordKind::kAssessment, "a3", "enc-1", kBaseMicros + 4);

  std::vector<AuditRecord> first = {early, a1};
  ASSERT_TRUE(store->Append(first).ok());
  std::vector<AuditRecord> second = {a2, late, a3};
  ASSERT_TRUE(store->Append(second).ok());
  std::vector<AuditRecord> all = first;
  all.insert(all.end(), second.begin(), second.end());
  ExpectChain(all, 1, std::string(kGenesisHash));
  EXPECT_EQ(all[1].request, all_bytes);  // Append keeps the fields

  absl::StatusOr<std::vector<AuditRecord>> got = store->GetAssessment("a1");
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->size(), 3u);
  ExpectSame(all[1], (*got)[0]);
  ExpectSame(all[0], (*got)[1]);
  ExpectSame(all[3], (*got)[2]);

  got = store->GetAssessment("missing");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(got->empty());

  got = store->ListByEncounter("enc-1", 0, 10);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->size(), 2u);
  ExpectSame(all[1], (*got)[0]);
  ExpectSame(all[4], (*got)[1]);
  got = store->ListByEncounter("enc-1", 2, 10);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].sequence, 5);
  got = store->ListByEncounter("enc-1", 0, 1);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].sequence, 2);

  got = store->Scan(0, 100);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->size(), all.size());
  for (size_t i = 0; i < all.size(); ++i) ExpectSame(all[i], (*got)[i]);
  got = store->Scan(1, 2);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[0].sequence, 2);
  EXPECT_EQ((*got)[1].sequence, 3);
  got = store->Scan(0, -1);  // no limit, as in SQLite
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->size(), all.size());

  absl::StatusOr<std::optional<Checkpoint>> checkpoint =
      store->LatestCheckpoint();
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  EXPECT_FALSE(checkpoint->has_value());

  // What another connection reads is what this one wrote.
  std::unique_ptr<AuditStore> other = Open();
  ASSERT_NE(other, nullptr);
  got = other->GetAssessment("a1");
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->size(), 3u);
  ExpectSame(all[1], (*got)[0]);
}

TEST_F(PostgresStoreTest, ConcurrentAppendersFromTwoStoresKeepOneChain) {
  constexpr int kThreads = 2, kPerThread = 200, kBatch = 10;
  // Under a REPEATABLE READ default an appender would read a tail from
  // before its wait for the lock; the store must not depend on the default.
  ASSERT_TRUE(server_
                  ->Exec("ALTER DATABASE medius SET "
                         "default_transaction_isolation = 'repeatable read'")
                  .ok());
  std::vector<std::unique_ptr<AuditStore>> stores;
  for (int t = 0; t < kThreads; ++t) {
    stores.push_back(Open());
    ASSERT_NE(stores.back(), nullptr);
  }
  std::vector<absl::Status> errors(kThreads);
  std::vector<std::vector<AuditRecord>> appended(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; i += kBatch) {
        std::vector<AuditRecord> batch;
        for (int j = i; j < i + kBatch; ++j) {
          batch.push_back(MakeRecord(RecordKind::kAssessment,
                                     absl::StrCat("t", t, "-", j),
                                     absl::StrCat("enc-", t), kBaseMicros + j));
        }
        absl::Status s = stores[t]->Append(batch);
        if (!s.ok()) {
          errors[t] = s;
          return;
        }
        appended[t].insert(appended[t].end(), batch.begin(), batch.end());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_TRUE(errors[t].ok()) << "thread " << t << ": " << errors[t];
    ASSERT_EQ(appended[t].size(), static_cast<size_t>(kPerThread));
    // Each batch is one transaction: consecutive sequences.
    for (int i = 0; i < kPerThread; ++i) {
      if (i % kBatch != 0) {
        EXPECT_EQ(appended[t][i].sequence, appended[t][i - 1].sequence + 1);
      }
    }
  }
  absl::StatusOr<std::vector<AuditRecord>> all = stores[0]->Scan(0, 10000);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), static_cast<size_t>(kThreads * kPerThread));
  ExpectChain(*all, 1, std::string(kGenesisHash));
  for (int t = 0; t < kThreads; ++t) {
    for (const AuditRecord& r : appended[t]) {
      ExpectSame(r, (*all)[r.sequence - 1]);
    }
  }
}

TEST_F(PostgresStoreTest, MigrationsRunTwiceOrConcurrentlyAreHarmless) {
  // Four replicas starting together on an empty database.
  std::vector<absl::Status> opened(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < opened.size(); ++i) {
    threads.emplace_back([&, i] {
      absl::StatusOr<std::unique_ptr<AuditStore>> s =
          OpenPostgresStore(server_->uri());
      opened[i] = s.status();
    });
  }
  for (std::thread& t : threads) t.join();
  for (const absl::Status& s : opened) EXPECT_TRUE(s.ok()) << s;

  std::unique_ptr<AuditStore> store = Open();
  ASSERT_NE(store, nullptr);
  std::vector<AuditRecord> batch = {
      MakeRecord(RecordKind::kAssessment, "a1", "enc", kBaseMicros)};
  ASSERT_TRUE(store->Append(batch).ok());
  std::unique_ptr<AuditStore> again = Open();
  ASSERT_NE(again, nullptr);
  absl::StatusOr<std::vector<AuditRecord>> got = again->Scan(0, 10);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->size(), 1u);
  ExpectSame(batch[0], (*got)[0]);
  // Exactly one row per migration: a second row for version 1 would make
  // this insert of version 2 (the next) the second row instead of failing.
  ASSERT_TRUE(server_
                  ->Exec("DO $$ BEGIN IF (SELECT COUNT(*) FROM "
                         "schema_migrations) <> 1 THEN RAISE EXCEPTION "
                         "'migrations recorded more than once'; END IF; END "
                         "$$")
                  .ok());

  // A schema from a newer release is refused, not used.
  ASSERT_TRUE(
      server_->Exec("INSERT INTO schema_migrations VALUES (99, 0)").ok());
  absl::StatusOr<std::unique_ptr<AuditStore>> newer =
      OpenPostgresStore(server_->uri());
  EXPECT_EQ(newer.status().code(), absl::StatusCode::kFailedPrecondition)
      << newer.status();
}

TEST_F(PostgresStoreTest, FailedAppendStoresNothingAndTheStoreGoesOn) {
  std::unique_ptr<AuditStore> store = Open();
  ASSERT_NE(store, nullptr);
  std::vector<AuditRecord> first = {
      MakeRecord(RecordKind::kAssessment, "a1", "enc", kBaseMicros)};
  ASSERT_TRUE(store->Append(first).ok());
  // The second record repeats an assessment id (a unique index): neither
  // record is stored and the batch is left as it was.
  std::vector<AuditRecord> bad = {
      MakeRecord(RecordKind::kAssessment, "a2", "enc", kBaseMicros + 1),
      MakeRecord(RecordKind::kAssessment, "a1", "enc", kBaseMicros + 2)};
  absl::Status s = store->Append(bad);
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  EXPECT_EQ(bad[0].sequence, 0);
  EXPECT_TRUE(bad[0].hash.empty());
  absl::StatusOr<std::vector<AuditRecord>> got = store->Scan(0, 10);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->size(), 1u);

  std::vector<AuditRecord> next = {
      MakeRecord(RecordKind::kAssessment, "a2", "enc", kBaseMicros + 3)};
  ASSERT_TRUE(store->Append(next).ok());
  EXPECT_EQ(next[0].sequence, 2);
  EXPECT_EQ(next[0].previous_hash, first[0].hash);
}

TEST_F(PostgresStoreTest, ReconnectsAfterTheServerRestarts) {
  std::unique_ptr<AuditStore> store = Open();
  ASSERT_NE(store, nullptr);
  std::vector<AuditRecord> first = {
      MakeRecord(RecordKind::kAssessment, "a1", "enc", kBaseMicros)};
  ASSERT_TRUE(store->Append(first).ok());

  ASSERT_TRUE(server_->StopServer().ok());
  std::vector<AuditRecord> down = {
      MakeRecord(RecordKind::kAssessment, "a2", "enc", kBaseMicros + 1)};
  absl::Status s = store->Append(down);
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  EXPECT_EQ(down[0].sequence, 0);
  EXPECT_TRUE(down[0].hash.empty());
  EXPECT_EQ(store->Scan(0, 10).status().code(), absl::StatusCode::kUnavailable);

  ASSERT_TRUE(server_->StartServer().ok());
  ASSERT_TRUE(store->Append(down).ok());
  EXPECT_EQ(down[0].sequence, 2);
  EXPECT_EQ(down[0].previous_hash, first[0].hash);

  // A restart the store never saw (no call while the server was down):
  // the first call after it still succeeds.
  ASSERT_TRUE(server_->StopServer().ok());
  ASSERT_TRUE(server_->StartServer().ok());
  absl::StatusOr<std::vector<AuditRecord>> got = store->Scan(0, 10);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->size(), 2u);
  ASSERT_TRUE(server_->StopServer().ok());
  ASSERT_TRUE(server_->StartServer().ok());
  std::vector<AuditRecord> third = {
      MakeRecord(RecordKind::kAssessment, "a3", "enc", kBaseMicros + 2)};
  ASSERT_TRUE(store->Append(third).ok());
  EXPECT_EQ(third[0].sequence, 3);
}

TEST_F(PostgresStoreTest, PurgeLeavesACheckpointTheChainContinuesFrom) {
  std::unique_ptr<AuditStore> store = Open();
  ASSERT_NE(store, nullptr);
  absl::StatusOr<int64_t> purged = store->Purge(absl::Now(), "key");
  ASSERT_TRUE(purged.ok()) << purged.status();
  EXPECT_EQ(*purged, 0);  // empty

  std::vector<AuditRecord> batch;
  for (int i = 0; i < 5; ++i) {
    batch.push_back(MakeRecord(RecordKind::kAssessment, absl::StrCat("a", i),
                               "enc", kBaseMicros + i * 1000));
  }
  ASSERT_TRUE(store->Append(batch).ok());
  purged = store->Purge(absl::FromUnixMicros(kBaseMicros - 1), "key");
  ASSERT_TRUE(purged.ok()) << purged.status();
  EXPECT_EQ(*purged, 0);  // nothing older
  absl::StatusOr<std::optional<Checkpoint>> checkpoint =
      store->LatestCheckpoint();
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  EXPECT_FALSE(checkpoint->has_value());

  purged = store->Purge(absl::FromUnixMicros(kBaseMicros + 3000), "key");
  ASSERT_TRUE(purged.ok()) << purged.status();
  EXPECT_EQ(*purged, 3);
  checkpoint = store->LatestCheckpoint();
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  ASSERT_TRUE(checkpoint->has_value());
  EXPECT_EQ((*checkpoint)->through_sequence, 3);
  EXPECT_EQ((*checkpoint)->through_hash, batch[2].hash);
  EXPECT_EQ((*checkpoint)->purged_records, 3);
  EXPECT_EQ((*checkpoint)->mac, CheckpointMac(**checkpoint, "key"));
  absl::StatusOr<std::vector<AuditRecord>> rest = store->Scan(0, 10);
  ASSERT_TRUE(rest.ok()) << rest.status();
  ASSERT_EQ(rest->size(), 2u);
  ExpectChain(*rest, 4, batch[2].hash);

  // Everything goes; the next record chains from the checkpoint.
  purged = store->Purge(absl::InfiniteFuture(), "");
  ASSERT_TRUE(purged.ok()) << purged.status();
  EXPECT_EQ(*purged, 2);
  checkpoint = store->LatestCheckpoint();
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  ASSERT_TRUE(checkpoint->has_value());
  EXPECT_EQ((*checkpoint)->through_sequence, 5);
  EXPECT_EQ((*checkpoint)->through_hash, batch[4].hash);
  EXPECT_EQ((*checkpoint)->mac, "");
  std::vector<AuditRecord> next = {
      MakeRecord(RecordKind::kAssessment, "b", "enc", kBaseMicros + 9000)};
  ASSERT_TRUE(store->Append(next).ok());
  EXPECT_EQ(next[0].sequence, 6);
  EXPECT_EQ(next[0].previous_hash, batch[4].hash);
  EXPECT_EQ(next[0].hash, ChainHash(next[0]));
}

TEST(PostgresStoreOpenTest, BadSpecsAreRefused) {
  EXPECT_EQ(OpenPostgresStore("").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      OpenPostgresStore("postgresql://host:notaport/db?x").status().code(),
      absl::StatusCode::kInvalidArgument);
  // No server there.
  absl::StatusOr<std::unique_ptr<AuditStore>> s = OpenPostgresStore(
      "postgresql:///medius?host=/nonexistent-medius-dir&port=5");
  EXPECT_EQ(s.status().code(), absl::StatusCode::kUnavailable) << s.status();
}

}  // namespace
}  // namespace medius::audit
