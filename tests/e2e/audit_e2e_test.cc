// The assessment record end to end, with the real medius-server and medius
// binaries: every assessment retrievable by id after a restart, outcomes,
// permissions, `medius audit verify` catching tampering, no acknowledged
// record lost to kill -9, fail-closed UNAVAILABLE when PostgreSQL goes away,
// and two replicas sharing one PostgreSQL chain.
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "audit/audit_store.h"
#include "audit/testing/postgres_server.h"
#include "audit/verify.h"
#include "auth/token_store.h"
#include "e2e/demo_request.h"
#include "e2e/server_process.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "medius/v1/assessment_service.grpc.pb.h"

namespace medius::testing {
namespace {

using medius::v1::AssessmentService;
using medius::v1::AssessRequest;
using medius::v1::AssessResponse;
using ::testing::HasSubstr;

constexpr auto kWait = std::chrono::seconds(20);

class Client {
 public:
  Client(const ServerProcess& server, std::string token = "")
      : stub_(AssessmentService::NewStub(grpc::CreateChannel(
            server.address(), grpc::InsecureChannelCredentials()))),
        token_(std::move(token)) {}

  grpc::Status Assess(const AssessRequest& request, AssessResponse* response) {
    Context c(token_);
    return stub_->Assess(&c.context, request, response);
  }
  grpc::Status Get(const std::string& id,
                   medius::v1::GetAssessmentResponse* response) {
    Context c(token_);
    medius::v1::GetAssessmentRequest request;
    request.set_assessment_id(id);
    return stub_->GetAssessment(&c.context, request, response);
  }
  grpc::Status List(const std::string& encounter, int page_size,
                    const std::string& token,
                    medius::v1::ListAssessmentsResponse* response) {
    Context c(token_);
    medius::v1::ListAssessmentsRequest request;
    request.set_encounter_id(encounter);
    request.set_page_size(page_size);
    request.set_page_token(token);
    return stub_->ListAssessments(&c.context, request, response);
  }
  grpc::Status Outcome(const std::string& id, const medius::v1::Outcome& o,
                       medius::v1::RecordOutcomeResponse* response) {
    Context c(token_);
    medius::v1::RecordOutcomeRequest request;
    request.set_assessment_id(id);
    *request.mutable_outcome() = o;
    return stub_->RecordOutcome(&c.context, request, response);
  }

 private:
  struct Context {
    explicit Context(const std::string& token) {
      context.set_deadline(std::chrono::system_clock::now() + kWait);
      if (!token.empty()) {
        context.AddMetadata("authorization", "Bearer " + token);
      }
    }
    grpc::ClientContext context;
  };
  std::unique_ptr<AssessmentService::Stub> stub_;
  std::string token_;
};

class AuditE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/medius-audit-e2e-XXXXXX";
    dir_ = mkdtemp(pattern);
    db_ = dir_ + "/audit.db";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::vector<std::string> Args(const std::string& db) const {
    return {"--kb_dir=" MEDIUS_KB_DIR, "--insecure", "--audit_db=" + db};
  }

  int Cli(const std::string& args, std::string* output) {
    return RunCommand(absl::StrCat(MEDIUS_CLI_BINARY, " ", args), output);
  }

  std::string dir_, db_;
};

medius::v1::Outcome Confirmed(const std::string& code) {
  medius::v1::Outcome o;
  o.set_action(medius::v1::CLINICIAN_ACTION_ACCEPTED);
  o.mutable_confirmed()->set_condition_code(code);
  o.mutable_confirmed()->set_method(medius::v1::CONFIRMATION_METHOD_IMAGING);
  auto* m = o.add_follow_up();
  m->set_instrument(medius::v1::MEASURE_INSTRUMENT_VISA_G);
  m->set_weeks(12);
  m->set_value(78);
  return o;
}

TEST_F(AuditE2eTest, EveryAssessmentIsRetrievableByIdAfterARestart) {
  const AssessRequest request = DemoRequest();
  AssessResponse answered;
  {
    ServerProcess server;
    ASSERT_TRUE(server.Start(Args(db_)));
    Client client(server);
    ASSERT_TRUE(client.Assess(request, &answered).ok());
    ASSERT_FALSE(answered.assessment_id().empty());
    ASSERT_EQ(WEXITSTATUS(server.Stop(SIGTERM)), 0);
    EXPECT_THAT(server.Output(), HasSubstr("chain head: sequence 1"));
  }
  ServerProcess server;
  ASSERT_TRUE(server.Start(Args(db_)));
  Client client(server);
  medius::v1::GetAssessmentResponse stored;
  grpc::Status status = client.Get(answered.assessment_id(), &stored);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
      stored.request(), request));
  // Exactly what the client was sent, knowledge-base digest included.
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
      stored.response(), answered));
  EXPECT_FALSE(stored.response().knowledge_base_digest().empty());
  EXPECT_EQ(stored.provenance().sequence(), 1);
  EXPECT_EQ(stored.provenance().transport(), "grpc");

  medius::v1::RecordOutcomeResponse recorded;
  ASSERT_TRUE(client
                  .Outcome(answered.assessment_id(),
                           Confirmed("gluteal_tendinopathy"), &recorded)
                  .ok());
  EXPECT_EQ(recorded.provenance().sequence(), 2);
  EXPECT_EQ(recorded.provenance().previous_hash(), stored.provenance().hash());
  ASSERT_TRUE(client.Get(answered.assessment_id(), &stored).ok());
  ASSERT_EQ(stored.outcomes_size(), 1);
  EXPECT_EQ(stored.outcomes(0).outcome().follow_up(0).value(), 78);

  medius::v1::ListAssessmentsResponse listed;
  ASSERT_TRUE(client.List(request.encounter_id(), 0, "", &listed).ok());
  ASSERT_EQ(listed.assessments_size(), 1);
  EXPECT_EQ(listed.assessments(0).assessment_id(), answered.assessment_id());
  EXPECT_EQ(listed.assessments(0).leading_condition_code(),
            answered.differential(0).condition_code());

  // Errors a client can act on.
  EXPECT_EQ(client.Get("no-such-id", &stored).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(
      client.Outcome("no-such-id", Confirmed("gluteal_tendinopathy"), &recorded)
          .error_code(),
      grpc::StatusCode::NOT_FOUND);
  status =
      client.Outcome(answered.assessment_id(), Confirmed("made_up"), &recorded);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(),
              HasSubstr("outcome.confirmed.condition_code"));
  EXPECT_EQ(client.List("", 0, "", &listed).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(AuditE2eTest, ListingPagesThroughAnEncounter) {
  ServerProcess server;
  ASSERT_TRUE(server.Start(Args(db_)));
  Client client(server);
  AssessRequest request = DemoRequest();
  request.set_encounter_id("enc-paged");
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    AssessResponse r;
    ASSERT_TRUE(client.Assess(request, &r).ok());
    ids.push_back(r.assessment_id());
  }
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    medius::v1::ListAssessmentsResponse page;
    ASSERT_TRUE(client.List("enc-paged", 2, token, &page).ok());
    for (const auto& a : page.assessments()) seen.push_back(a.assessment_id());
    token = page.next_page_token();
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(seen, ids);
  EXPECT_EQ(pages, 3);
}

TEST_F(AuditE2eTest, VerifyCatchesTamperingWithTheStoredRecord) {
  {
    ServerProcess server;
    ASSERT_TRUE(server.Start(Args(db_)));
    Client client(server);
    for (int i = 0; i < 3; ++i) {
      AssessResponse r;
      ASSERT_TRUE(client.Assess(DemoRequest(), &r).ok());
    }
    ASSERT_EQ(WEXITSTATUS(server.Stop(SIGTERM)), 0);
  }
  std::string output;
  EXPECT_EQ(Cli("--audit_db=" + db_ + " audit verify", &output), 0) << output;
  EXPECT_THAT(output, HasSubstr("OK: the chain is intact"));
  EXPECT_THAT(output, HasSubstr("3 record(s)"));

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "UPDATE audit_records SET kb_version = '9.9' WHERE "
                         "sequence = 2",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  EXPECT_EQ(Cli("--audit_db=" + db_ + " audit verify", &output), 3) << output;
  EXPECT_THAT(output, HasSubstr("TAMPERED"));
  EXPECT_THAT(output, HasSubstr("record 2 does not match its hash"));
}

TEST_F(AuditE2eTest, PermissionsAreGrantedPerClient) {
  const std::string emr = auth::NewToken(), auditor = auth::NewToken(),
                    registry = auth::NewToken();
  std::ofstream(dir_ + "/tokens")
      << auth::TokenFileLine("emr", emr) << "\n"
      << auth::TokenFileLine("auditor", auditor, "audit:read") << "\n"
      << auth::TokenFileLine("registry", registry, "outcome:write") << "\n";
  std::vector<std::string> args = Args(db_);
  args.push_back("--token_file=" + dir_ + "/tokens");
  ServerProcess server;
  ASSERT_TRUE(server.Start(args));
  Client as_emr(server, emr), as_auditor(server, auditor),
      as_registry(server, registry);
  AssessResponse answered;
  ASSERT_TRUE(as_emr.Assess(DemoRequest(), &answered).ok());
  const std::string id = answered.assessment_id();
  medius::v1::GetAssessmentResponse stored;
  medius::v1::RecordOutcomeResponse recorded;
  grpc::Status denied = as_emr.Get(id, &stored);
  EXPECT_EQ(denied.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(denied.error_message(), HasSubstr("'audit:read'"));
  EXPECT_EQ(as_emr.Outcome(id, Confirmed("gluteal_tendinopathy"), &recorded)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(as_auditor.Assess(DemoRequest(), &answered).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(as_auditor.Outcome(id, Confirmed("gluteal_tendinopathy"), &recorded)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(as_registry.Get(id, &stored).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(
      as_registry.Outcome(id, Confirmed("gluteal_tendinopathy"), &recorded)
          .ok());
  ASSERT_TRUE(as_auditor.Get(id, &stored).ok());
  EXPECT_EQ(stored.provenance().client(), "emr");
  ASSERT_EQ(stored.outcomes_size(), 1);
  EXPECT_EQ(stored.outcomes(0).provenance().client(), "registry");
}

// Clients hammer the server; kill -9 mid-load; every assessment a client
// received an answer for is in the store afterwards, and the chain holds.
TEST_F(AuditE2eTest, KillNineLosesNoAcknowledgedRecord) {
  ServerProcess server;
  ASSERT_TRUE(server.Start(Args(db_)));
  std::mutex mutex;
  std::vector<std::string> acknowledged;
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&] {
      Client client(server);
      const AssessRequest request = DemoRequest();
      while (!stop) {
        AssessResponse r;
        if (client.Assess(request, &r).ok()) {
          std::lock_guard<std::mutex> lock(mutex);
          acknowledged.push_back(r.assessment_id());
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  kill(server.pid(), SIGKILL);
  server.WaitForExit();
  stop = true;
  for (std::thread& t : clients) t.join();
  ASSERT_GT(acknowledged.size(), 10u);

  absl::StatusOr<std::unique_ptr<audit::AuditStore>> store =
      audit::OpenAuditStore(db_);
  ASSERT_TRUE(store.ok()) << store.status();
  std::set<std::string> stored;
  int64_t after = 0;
  while (true) {
    auto page = (*store)->Scan(after, 1000);
    ASSERT_TRUE(page.ok());
    for (const auto& r : *page) stored.insert(r.assessment_id);
    if (page->empty()) break;
    after = page->back().sequence;
  }
  size_t missing = 0;
  for (const std::string& id : acknowledged) missing += stored.count(id) == 0;
  EXPECT_EQ(missing, 0u) << "of " << acknowledged.size() << " acknowledged";
  EXPECT_GE(stored.size(), acknowledged.size());
  absl::StatusOr<audit::VerifyReport> report = audit::VerifyChain(**store, "");
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << report->problems[0];
  std::cout << "kill -9: " << acknowledged.size() << " acknowledged, "
            << stored.size() << " stored\n";
}

audit::testing::PostgresServer* Postgres() {
  static std::string why;
  static audit::testing::PostgresServer* pg = [] {
    auto s = audit::testing::PostgresServer::Start(&why);
    if (!s.ok()) why = std::string(s.status().message());
    return s.ok() ? s->release() : nullptr;
  }();
  if (pg == nullptr) {
    if (audit::testing::PostgresRequired()) {
      ADD_FAILURE() << "PostgreSQL required: " << why;
    } else {
      std::cout << "PostgreSQL not available, skipping: " << why << "\n";
    }
  }
  return pg;
}

TEST_F(AuditE2eTest, RequiredFailsClosedWhenPostgresGoesAwayBestEffortGoesOn) {
  audit::testing::PostgresServer* pg = Postgres();
  if (pg == nullptr) GTEST_SKIP() << "no PostgreSQL";
  ASSERT_TRUE(pg->Exec("DROP TABLE IF EXISTS audit_records, "
                       "audit_checkpoints, schema_migrations")
                  .ok());
  ServerProcess required, best_effort;
  ASSERT_TRUE(required.Start(Args(pg->uri())));
  std::vector<std::string> args = Args(pg->uri());
  args.push_back("--audit=best_effort");
  ASSERT_TRUE(best_effort.Start(args));
  Client a(required), b(best_effort);
  AssessResponse r;
  ASSERT_TRUE(a.Assess(DemoRequest(), &r).ok());
  ASSERT_TRUE(b.Assess(DemoRequest(), &r).ok());
  // Best effort stores after answering: wait until it has.
  medius::v1::GetAssessmentResponse stored;
  for (int i = 0; i < 100 && !b.Get(r.assessment_id(), &stored).ok(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(b.Get(r.assessment_id(), &stored).ok());

  ASSERT_TRUE(pg->StopServer().ok());
  grpc::Status status = a.Assess(DemoRequest(), &r);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(status.error_message(), HasSubstr("could not be recorded"));
  EXPECT_TRUE(b.Assess(DemoRequest(), &r).ok());  // counted and logged

  ASSERT_TRUE(pg->StartServer().ok());
  status = a.Assess(DemoRequest(), &r);
  EXPECT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(WEXITSTATUS(best_effort.Stop(SIGTERM)), 0);
  EXPECT_THAT(best_effort.Output(), HasSubstr("record dropped"));
  EXPECT_THAT(best_effort.Output(), HasSubstr("1 dropped"));
}

TEST_F(AuditE2eTest, TwoReplicasShareOnePostgresChain) {
  audit::testing::PostgresServer* pg = Postgres();
  if (pg == nullptr) GTEST_SKIP() << "no PostgreSQL";
  ASSERT_TRUE(pg->Exec("DROP TABLE IF EXISTS audit_records, "
                       "audit_checkpoints, schema_migrations")
                  .ok());
  ServerProcess one, two;
  ASSERT_TRUE(one.Start(Args(pg->uri())));
  ASSERT_TRUE(two.Start(Args(pg->uri())));
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (ServerProcess* s : {&one, &two, &one, &two}) {
    threads.emplace_back([s, &ok] {
      Client client(*s);
      for (int i = 0; i < 15; ++i) {
        AssessResponse r;
        ok += client.Assess(DemoRequest(), &r).ok();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok, 60);
  // Either replica reads what the other stored.
  std::string output;
  EXPECT_EQ(Cli("--audit_db='" + pg->uri() + "' audit verify", &output), 0)
      << output;
  EXPECT_THAT(output, HasSubstr("60 record(s)"));
  EXPECT_THAT(output, HasSubstr("OK: the chain is intact"));
}

}  // namespace
}  // namespace medius::testing
