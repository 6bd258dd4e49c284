// The suite both back ends must pass: SQLite in a temporary directory, and a
// real PostgreSQL server started for this binary on a private Unix socket
// (skipped when PostgreSQL is not installed, unless MEDIUS_REQUIRE_POSTGRES=1).
#include "audit/audit_store.h"

#include <sqlite3.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "audit/testing/postgres_server.h"
#include "audit/verify.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace medius::audit {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

testing::PostgresServer* SharedPostgres(std::string* why) {
  static std::string missing;
  static testing::PostgresServer* server = [] {
    absl::StatusOr<std::unique_ptr<testing::PostgresServer>> s =
        testing::PostgresServer::Start(&missing);
    if (!s.ok()) {
      missing = std::string(s.status().message());
      return static_cast<testing::PostgresServer*>(nullptr);
    }
    return s->release();  // lives for the binary; stopped at exit below
  }();
  static bool stop_registered = [] {
    std::atexit([] { delete server; });
    return true;
  }();
  (void)stop_registered;
  *why = missing;
  return server;
}

class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    static int counter = 0;
    if (GetParam() == "sqlite") {
      dir_ = std::filesystem::temp_directory_path() /
             absl::StrCat("medius_audit_", getpid(), "_", ++counter);
      std::filesystem::create_directories(dir_);
      spec_ = (dir_ / "audit.db").string();
    } else {
      std::string why;
      pg_ = SharedPostgres(&why);
      if (pg_ == nullptr) {
        if (testing::PostgresRequired()) FAIL() << "PostgreSQL: " << why;
        GTEST_SKIP() << "PostgreSQL not available: " << why;
      }
      // Each test starts from an empty chain.
      ASSERT_TRUE(pg_->Exec("DROP TABLE IF EXISTS audit_records, "
                            "audit_checkpoints, schema_migrations")
                      .ok());
      spec_ = pg_->uri();
    }
    store_ = Open();
  }
  void TearDown() override {
    store_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  std::unique_ptr<AuditStore> Open() {
    absl::StatusOr<std::unique_ptr<AuditStore>> s = OpenAuditStore(spec_);
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? *std::move(s) : nullptr;
  }

  // Tampering, behind the store's back.
  void Sql(const std::string& sql) {
    if (pg_ != nullptr) {
      ASSERT_TRUE(pg_->Exec(sql).ok()) << sql;
      return;
    }
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(spec_.c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    std::string message = error != nullptr ? error : "";
    sqlite3_free(error);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << sql << ": " << message;
  }

  static AuditRecord Assessment(int i, const std::string& encounter = "enc") {
    AuditRecord r;
    r.kind = RecordKind::kAssessment;
    r.assessment_id = absl::StrCat("a-", i);
    r.encounter_id = encounter;
    r.recorded_at = absl::FromUnixMicros(1764000000000000 + i);
    r.client = "emr-east";
    r.transport = "grpc";
    r.knowledge_base_version = "0.6.2";
    r.knowledge_base_digest = "sha256:abc";
    r.request = absl::StrCat("req", i);
    r.response = absl::StrCat("resp", i);
    r.request_json = absl::StrCat("{\"i\":", i, "}");
    return r;
  }

  void AppendAll(int n, int first = 1) {
    for (int i = first; i < first + n; ++i) {
      std::vector<AuditRecord> one = {Assessment(i)};
      ASSERT_TRUE(store_->Append(one).ok());
    }
  }

  VerifyReport Verify(const std::string& key = "") {
    absl::StatusOr<VerifyReport> r = VerifyChain(*store_, key);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : VerifyReport();
  }

  std::filesystem::path dir_;
  std::string spec_;
  testing::PostgresServer* pg_ = nullptr;
  std::unique_ptr<AuditStore> store_;
};

TEST_P(StoreTest, RoundTripsEveryFieldAndSurvivesReopening) {
  AuditRecord r = Assessment(7, "encounter/ä");
  r.request.clear();
  for (int b = 0; b < 256; ++b) r.request.push_back(static_cast<char>(b));
  r.response = std::string(300000, '\x01') + std::string(1, '\0');
  std::vector<AuditRecord> batch = {r};
  ASSERT_TRUE(store_->Append(batch).ok());
  EXPECT_EQ(batch[0].sequence, 1);
  EXPECT_EQ(batch[0].previous_hash, kGenesisHash);
  EXPECT_EQ(batch[0].hash, ChainHash(batch[0]));

  store_ = Open();  // a restart
  absl::StatusOr<std::vector<AuditRecord>> got = store_->GetAssessment("a-7");
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_THAT(*got, SizeIs(1));
  const AuditRecord& g = (*got)[0];
  EXPECT_EQ(g.sequence, 1);
  EXPECT_EQ(g.kind, RecordKind::kAssessment);
  EXPECT_EQ(g.assessment_id, "a-7");
  EXPECT_EQ(g.encounter_id, "encounter/ä");
  EXPECT_EQ(g.recorded_at, r.recorded_at);
  EXPECT_EQ(g.client, "emr-east");
  EXPECT_EQ(g.transport, "grpc");
  EXPECT_EQ(g.knowledge_base_version, "0.6.2");
  EXPECT_EQ(g.knowledge_base_digest, "sha256:abc");
  EXPECT_EQ(g.request, r.request);
  EXPECT_EQ(g.response, r.response);
  EXPECT_EQ(g.request_json, r.request_json);
  EXPECT_EQ(g.previous_hash, batch[0].previous_hash);
  EXPECT_EQ(g.hash, batch[0].hash);
  EXPECT_THAT(*store_->GetAssessment("nope"), IsEmpty());
}

TEST_P(StoreTest, OutcomesFollowTheirAssessmentAndListingPages) {
  AppendAll(5);
  AuditRecord outcome;
  outcome.kind = RecordKind::kOutcome;
  outcome.assessment_id = "a-2";
  outcome.request = "outcome";
  std::vector<AuditRecord> batch = {outcome, outcome};
  ASSERT_TRUE(store_->Append(batch).ok());
  EXPECT_EQ(batch[1].sequence, 7);
  absl::StatusOr<std::vector<AuditRecord>> got = store_->GetAssessment("a-2");
  ASSERT_THAT(*got, SizeIs(3));
  EXPECT_EQ((*got)[0].kind, RecordKind::kAssessment);
  EXPECT_EQ((*got)[1].sequence, 6);
  EXPECT_EQ((*got)[2].sequence, 7);

  absl::StatusOr<std::vector<AuditRecord>> page =
      store_->ListByEncounter("enc", 0, 3);
  ASSERT_THAT(*page, SizeIs(3));
  EXPECT_EQ((*page)[2].assessment_id, "a-3");
  page = store_->ListByEncounter("enc", (*page)[2].sequence, 3);
  ASSERT_THAT(*page, SizeIs(2));  // outcomes are not listed
  EXPECT_EQ((*page)[1].assessment_id, "a-5");
  EXPECT_THAT(*store_->ListByEncounter("other", 0, 3), IsEmpty());
}

TEST_P(StoreTest, ADuplicateAssessmentIdIsRefusedAndNothingOfTheBatchStays) {
  AppendAll(1);
  std::vector<AuditRecord> batch = {Assessment(2), Assessment(1)};
  EXPECT_FALSE(store_->Append(batch).ok());
  EXPECT_EQ(batch[0].sequence, 0);  // untouched
  EXPECT_THAT(*store_->Scan(0, 10), SizeIs(1));
  AppendAll(1, 2);
  EXPECT_TRUE(Verify().ok());
}

TEST_P(StoreTest, AnIntactChainVerifies) {
  AppendAll(12);
  VerifyReport r = Verify();
  EXPECT_TRUE(r.ok()) << r.problems[0];
  EXPECT_EQ(r.records, 12);
  EXPECT_EQ(r.head_sequence, 12);
  EXPECT_EQ(r.head_hash, (*store_->Scan(11, 1))[0].hash);
}

TEST_P(StoreTest, VerifyCatchesAnEditedRow) {
  AppendAll(5);
  Sql("UPDATE audit_records SET client = 'someone else' WHERE sequence = 3");
  VerifyReport r = Verify();
  ASSERT_THAT(r.problems, SizeIs(1));
  EXPECT_THAT(r.problems[0], HasSubstr("record 3 does not match its hash"));
}

TEST_P(StoreTest, VerifyCatchesAnEditWhoseHashWasRecomputed) {
  AppendAll(5);
  AuditRecord edited = (*store_->Scan(2, 1))[0];
  edited.response = "something the system never said";
  Sql(absl::StrCat("UPDATE audit_records SET response = ",
                   pg_ != nullptr ? "convert_to('" : "CAST('", edited.response,
                   pg_ != nullptr ? "', 'UTF8')" : "' AS BLOB)", ", hash = '",
                   ChainHash(edited), "' WHERE sequence = 3"));
  VerifyReport r = Verify();
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.problems[0], HasSubstr("record 4 does not chain"));
}

TEST_P(StoreTest, VerifyCatchesADeletedRow) {
  AppendAll(5);
  Sql("DELETE FROM audit_records WHERE sequence = 2");
  VerifyReport r = Verify();
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.problems[0], HasSubstr("records 2..2 are missing"));
}

TEST_P(StoreTest, VerifyCatchesReorderedRows) {
  AppendAll(5);
  Sql("UPDATE audit_records SET sequence = -2 WHERE sequence = 2");
  Sql("UPDATE audit_records SET sequence = 2 WHERE sequence = 4");
  Sql("UPDATE audit_records SET sequence = 4 WHERE sequence = -2");
  VerifyReport r = Verify();
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.problems[0], HasSubstr("record 2 does not chain"));
}

TEST_P(StoreTest, PurgeKeepsTheRestVerifiableFromASignedCheckpoint) {
  AppendAll(6);
  // Records 1..4 are older than the cutoff.
  absl::StatusOr<int64_t> purged =
      store_->Purge(absl::FromUnixMicros(1764000000000000 + 5), "key-1");
  ASSERT_TRUE(purged.ok()) << purged.status();
  EXPECT_EQ(*purged, 4);
  EXPECT_THAT(*store_->GetAssessment("a-1"), IsEmpty());
  VerifyReport r = Verify("key-1");
  EXPECT_TRUE(r.ok()) << r.problems[0];
  EXPECT_TRUE(r.from_checkpoint);
  EXPECT_TRUE(r.checkpoint_mac_checked);
  EXPECT_EQ(r.records, 2);

  // Nothing left to purge: no second checkpoint.
  EXPECT_EQ(*store_->Purge(absl::FromUnixMicros(1764000000000000 + 5), "k"), 0);
  // The wrong key, or a forged checkpoint, is caught.
  EXPECT_FALSE(Verify("another key").ok());
  Sql("UPDATE audit_checkpoints SET through_hash = '" +
      std::string(kGenesisHash) + "'");
  EXPECT_FALSE(Verify("key-1").ok());
}

TEST_P(StoreTest, AfterPurgingEverythingNewRecordsChainFromTheCheckpoint) {
  AppendAll(3);
  ASSERT_EQ(*store_->Purge(absl::InfiniteFuture(), ""), 3);
  EXPECT_THAT(*store_->Scan(0, 10), IsEmpty());
  AppendAll(2, 10);
  absl::StatusOr<std::vector<AuditRecord>> rest = store_->Scan(0, 10);
  ASSERT_THAT(*rest, SizeIs(2));
  EXPECT_EQ((*rest)[0].sequence, 4);
  VerifyReport r = Verify();
  EXPECT_TRUE(r.ok()) << r.problems[0];
  EXPECT_FALSE(r.checkpoint_mac_checked);
  // Deleting the checkpoint itself shows: the chain no longer starts at 1.
  Sql("DELETE FROM audit_checkpoints");
  EXPECT_FALSE(Verify().ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest,
                         ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace medius::audit
