// The CDS Hooks façade on the shipped knowledge base, through the handler
// (no socket): for every clinical case (tests/cases), the findings sent as
// a QuestionnaireResponse in the prefetch give the same answer as gRPC's
// Assess for the same findings: the same red flags, in the same order, one
// card each and first; the differential's probabilities in the
// RiskAssessment; an exercise CarePlan exactly when the protocol prescribes
// one. Plus the protocol around it: discovery, the form, 412, 400, 401,
// CORS and feedback.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "app/application.h"
#include "audit/audit_store.h"
#include "audit/audit_writer.h"
#include "cds/cds_handler.h"
#include "cds/discovery.h"
#include "cds/hook_body.h"
#include "clinical/clinical_case.pb.h"
#include "engine/engine.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "kb/loader.h"
#include "nlohmann/json.hpp"
#include "render/fhir.h"

namespace medius::cds {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

const absl::CivilDay kToday(2026, 12, 1);

HttpRequest Req(std::string method, std::string path, std::string body = "") {
  HttpRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.body = std::move(body);
  return r;
}

class CdsHooksTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto kb = kb::LoadKnowledgeBase(MEDIUS_KB_DIR);
    ASSERT_TRUE(kb.ok()) << kb.status();
    auto engine = engine::Engine::Create(*std::move(kb));
    ASSERT_TRUE(engine.ok()) << engine.status();
    engine_ = std::move(*engine).release();
  }
  static void TearDownTestSuite() { delete engine_; }

  void SetUp() override {
    app_ = std::make_unique<app::Application>(*engine_);
    CdsHandlerOptions options;
    options.allowed_origins = {"https://ehr.example.org"};
    options.today = [] { return kToday; };
    options.on_feedback = [this](const CardFeedback& f) {
      feedback_.push_back(f);
    };
    handler_ = std::make_unique<CdsHandler>(*app_, std::move(options));
  }

  static std::vector<std::pair<std::string, medius::v1::AssessRequest>>
  Cases() {
    std::vector<std::pair<std::string, medius::v1::AssessRequest>> out;
    for (const auto& entry :
         std::filesystem::directory_iterator(MEDIUS_CASES_DIR)) {
      if (entry.path().extension() != ".textproto") continue;
      std::ifstream in(entry.path());
      std::stringstream text;
      text << in.rdbuf();
      medius::testing::ClinicalCase c;
      EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text.str(), &c))
          << entry.path();
      out.push_back({entry.path().filename().string(), c.request()});
    }
    // The demo requests: a complete screen, so a prescribed protocol.
    for (const auto& entry :
         std::filesystem::directory_iterator(MEDIUS_EXAMPLES_DIR)) {
      if (entry.path().extension() != ".json") continue;
      std::ifstream in(entry.path());
      std::stringstream text;
      text << in.rdbuf();
      medius::v1::AssessRequest r;
      EXPECT_TRUE(
          google::protobuf::util::JsonStringToMessage(text.str(), &r).ok())
          << entry.path();
      out.push_back({entry.path().filename().string(), r});
    }
    return out;
  }

  HttpResponse Post(const std::string& path, const json& body,
                    std::string origin = "") {
    HttpRequest request = Req("POST", path, body.dump());
    request.headers["content-type"] = "application/json";
    if (!origin.empty()) request.headers["origin"] = origin;
    return handler_->Handle(request);
  }

  static const engine::Engine* engine_;
  std::unique_ptr<app::Application> app_;
  std::unique_ptr<CdsHandler> handler_;
  std::vector<CardFeedback> feedback_;
};
const engine::Engine* CdsHooksTest::engine_ = nullptr;

const std::string kService = "/cds-services/medius-hip-assessment";

TEST_F(CdsHooksTest, EveryCaseGetsTheSameAnswerAsGrpc) {
  int with_flags = 0, with_plan = 0;
  for (auto& [name, request] : Cases()) {
    json body = HookBody(&request, 2026);
    HttpResponse http = Post(kService, body);
    ASSERT_EQ(http.status, 200) << name << ": " << http.body;
    json cards = json::parse(http.body)["cards"];
    auto grpc = engine_->Assess(request);
    ASSERT_TRUE(grpc.ok()) << name << ": " << grpc.status();
    // Red flags: one card each, first, in the engine's order.
    ASSERT_GE(cards.size(), static_cast<size_t>(grpc->red_flags_size()))
        << name;
    for (int i = 0; i < grpc->red_flags_size(); ++i) {
      const json& resource =
          cards[i]["suggestions"][0]["actions"][0]["resource"];
      EXPECT_EQ(resource["resourceType"], "ServiceRequest") << name;
      EXPECT_EQ(resource["reasonCode"][0]["coding"][0]["code"],
                grpc->red_flags(i).code())
          << name;
      EXPECT_EQ(resource["priority"],
                render::RequestPriority(grpc->red_flags(i).urgency()))
          << name;
      EXPECT_EQ(resource["subject"]["reference"], "Patient/p1") << name;
    }
    with_flags += grpc->red_flags_size() > 0;
    // The differential, condition by condition.
    const json* risk = nullptr;
    bool plan = false;
    for (const json& card : cards) {
      EXPECT_LT(card["summary"].get<std::string>().size(), 140u) << name;
      if (!card.contains("suggestions")) continue;
      const json& r = card["suggestions"][0]["actions"][0]["resource"];
      if (r["resourceType"] == "RiskAssessment") risk = &r;
      plan = plan || r["resourceType"] == "CarePlan";
    }
    ASSERT_NE(risk, nullptr) << name;
    ASSERT_EQ((*risk)["prediction"].size(),
              static_cast<size_t>(grpc->differential_size()))
        << name;
    for (int i = 0; i < grpc->differential_size(); ++i) {
      const json& p = (*risk)["prediction"][i];
      EXPECT_EQ(p["outcome"]["coding"][0]["code"],
                grpc->differential(i).condition_code())
          << name;
      EXPECT_NEAR(p["probabilityDecimal"].get<double>(),
                  grpc->differential(i).probability(), 5e-5)
          << name;
    }
    const auto status = grpc->protocol().status();
    const bool prescribes =
        (status == medius::v1::PROTOCOL_STATUS_RECOMMENDED ||
         status == medius::v1::PROTOCOL_STATUS_INTERIM) &&
        grpc->protocol().phases_size() > 0;
    EXPECT_EQ(plan, prescribes) << name;
    // Safety rule 2: never a loading plan beside a withheld protocol.
    if (grpc->disposition().exercise_withheld()) {
      EXPECT_FALSE(plan) << name;
    }
    with_plan += plan;
  }
  // The cases exercise both branches.
  EXPECT_GT(with_flags, 0);
  EXPECT_GT(with_plan, 0);
}

TEST_F(CdsHooksTest, DiscoveryAndTheFormDescribeTheService) {
  HttpResponse d = handler_->Handle(Req("GET", "/cds-services"));
  ASSERT_EQ(d.status, 200);
  json services = json::parse(d.body)["services"];
  ASSERT_EQ(services.size(), 1u);
  EXPECT_EQ(services[0]["id"], kServiceId);
  EXPECT_EQ(services[0]["hook"], "patient-view");
  EXPECT_THAT(
      services[0]["prefetch"]["assessment"].get<std::string>(),
      HasSubstr("QuestionnaireResponse?subject=Patient/{{context.patientId}}"));
  HttpResponse q =
      handler_->Handle(Req("GET", "/fhir/Questionnaire/medius-hip-assessment"));
  ASSERT_EQ(q.status, 200);
  EXPECT_EQ(q.content_type, "application/fhir+json");
  json form = json::parse(q.body);
  EXPECT_EQ(form["resourceType"], "Questionnaire");
  // Every askable finding of the catalog is an item, by its code.
  std::set<std::string> links;
  std::function<void(const json&)> walk = [&](const json& items) {
    for (const json& i : items) {
      links.insert(i["linkId"].get<std::string>());
      if (i.contains("item")) walk(i["item"]);
    }
  };
  walk(form["item"]);
  for (const auto& f : engine_->info().findings()) {
    if (f.patient_context() != medius::v1::PATIENT_CONTEXT_UNSPECIFIED ||
        !f.deprecation_note().empty()) {
      EXPECT_FALSE(links.count(f.code())) << f.code();
    } else {
      EXPECT_TRUE(links.count(f.code())) << f.code();
    }
  }
}

TEST_F(CdsHooksTest, MissingPrefetchIs412AndBadAnswersAre400NamingThePath) {
  json body = {{"hook", "patient-view"},
               {"hookInstance", "x"},
               {"context", {{"patientId", "p1"}}},
               {"prefetch", {{"patient", {{"resourceType", "Patient"}}}}}};
  HttpResponse missing = Post(kService, body);
  EXPECT_EQ(missing.status, 412);
  EXPECT_THAT(missing.body, HasSubstr("does not fetch from fhirServer"));
  body["prefetch"]["assessment"] = {
      {"resourceType", "QuestionnaireResponse"},
      {"item",
       json::array({{{"linkId", "no_such_finding"},
                     {"answer", json::array({{{"valueBoolean", true}}})}}})}};
  HttpResponse bad = Post(kService, body);
  EXPECT_EQ(bad.status, 400);
  json error = json::parse(bad.body)["error"];
  EXPECT_EQ(error["code"], "INVALID_ARGUMENT");
  EXPECT_EQ(error["violations"][0]["field"],
            "prefetch.assessment.item[0].answer[0]");
  HttpResponse not_json = handler_->Handle(Req("POST", kService, "{"));
  EXPECT_EQ(not_json.status, 400);
  HttpResponse wrong_method = handler_->Handle(Req("GET", kService));
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_EQ(handler_->Handle(Req("GET", "/nope")).status, 404);
}

TEST_F(CdsHooksTest, CorsOnlyForAllowedOrigins) {
  HttpRequest preflight = Req("OPTIONS", kService);
  preflight.headers["origin"] = "https://ehr.example.org";
  HttpResponse ok = handler_->Handle(preflight);
  EXPECT_EQ(ok.status, 204);
  EXPECT_THAT(ok.headers,
              ::testing::Contains(::testing::Pair("Access-Control-Allow-Origin",
                                                  "https://ehr.example.org")));
  preflight.headers["origin"] = "https://evil.example.net";
  for (const auto& [name, value] : handler_->Handle(preflight).headers) {
    EXPECT_NE(name, "Access-Control-Allow-Origin");
  }
}

TEST_F(CdsHooksTest, FeedbackIsRecordedWithoutFreeText) {
  json body = {{"feedback",
                json::array({{{"card", "9368d37b-283f-44a0-93ea-547cebab93ed"},
                              {"outcome", "overridden"},
                              {"overrideReason",
                               {{"reason", {{"code", "already-referred"}}},
                                {"userComment", "Mrs Smith saw her GP"}}},
                              {"outcomeTimestamp", "2026-12-01T10:00:00Z"}}})}};
  HttpResponse r = Post(kService + "/feedback", body);
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(feedback_.size(), 1u);
  EXPECT_EQ(feedback_[0].outcome, "overridden");
  EXPECT_EQ(feedback_[0].override_reason, "already-referred");
  EXPECT_TRUE(feedback_[0].has_user_comment);
  body["feedback"][0]["outcome"] = "ignored";
  EXPECT_EQ(Post(kService + "/feedback", body).status, 400);
  EXPECT_EQ(feedback_.size(), 1u);
}

// With an assessment record: the cards' answer is stored, and the EHR's
// feedback on a card lands on that assessment, as an outcome.
TEST_F(CdsHooksTest, FeedbackLandsOnTheAssessmentItsCardCameFrom) {
  const std::string db = (std::filesystem::temp_directory_path() /
                          absl::StrCat("cds_audit_", getpid(), ".db"))
                             .string();
  std::filesystem::remove(db);
  auto writer_store = audit::OpenAuditStore(db);
  auto reader = audit::OpenAuditStore(db);
  ASSERT_TRUE(writer_store.ok() && reader.ok());
  audit::AuditWriter writer(*std::move(writer_store), {});
  app::AppOptions app_options;
  app_options.audit_writer = &writer;
  app_options.audit_reader = reader->get();
  app::Application app(*engine_, app_options);
  CdsHandler handler(app, CdsHandlerOptions());

  auto cases = Cases();
  HttpRequest request =
      Req("POST", kService, HookBody(&cases.front().second, 2026).dump());
  HttpResponse r = handler.Handle(request);
  ASSERT_EQ(r.status, 200) << r.body;
  json cards = json::parse(r.body)["cards"];
  ASSERT_FALSE(cards.empty());
  const std::string card = cards[0]["uuid"].get<std::string>();
  json feedback = {
      {"feedback",
       json::array({{{"card", card},
                     {"outcome", "overridden"},
                     {"overrideReason", {{"reason", {{"code", "other"}}}}},
                     {"outcomeTimestamp", "2026-12-01T10:00:00Z"}}})}};
  r = handler.Handle(Req("POST", kService + "/feedback", feedback.dump()));
  ASSERT_EQ(r.status, 200) << r.body;

  auto call = app.NewCall("GetAssessment", {});
  ASSERT_TRUE(call->Admit(auth::kPermissionAuditRead).ok());
  medius::v1::GetAssessmentRequest get;
  get.set_assessment_id(card.substr(0, 32) + "0000");
  absl::StatusOr<medius::v1::GetAssessmentResponse> stored =
      call->GetAssessment(get);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->provenance().transport(), "cds-hooks");
  ASSERT_EQ(stored->outcomes_size(), 1);
  EXPECT_EQ(stored->outcomes(0).outcome().action(),
            medius::v1::CLINICIAN_ACTION_OVERRIDDEN);
  EXPECT_EQ(stored->outcomes(0).outcome().override_reason(), "other");

  // A card this service never gave is 404, and stores nothing.
  feedback["feedback"][0]["card"] = "9368d37b-283f-44a0-93ea-547cebab93ed";
  r = handler.Handle(Req("POST", kService + "/feedback", feedback.dump()));
  EXPECT_EQ(r.status, 404) << r.body;
  writer.Shutdown();
  std::filesystem::remove(db);
}

TEST_F(CdsHooksTest, WithTokensConfiguredAnUnauthenticatedCallIs401) {
  std::string token = auth::NewToken();
  auto tokens = auth::TokenStore::Parse(auth::TokenFileLine("ehr", token), "t");
  ASSERT_TRUE(tokens.ok());
  app::AppOptions app_options;
  app_options.tokens = &*tokens;
  app::Application app(*engine_, app_options);
  CdsHandler handler(app, CdsHandlerOptions());
  auto cases = Cases();
  json body = HookBody(&cases.front().second, 2026);
  HttpRequest request = Req("POST", kService, body.dump());
  HttpResponse refused = handler.Handle(request);
  EXPECT_EQ(refused.status, 401);
  EXPECT_THAT(refused.headers, ::testing::Contains(::testing::Pair(
                                   "WWW-Authenticate", "Bearer")));
  request.headers["authorization"] = "Bearer " + token;
  EXPECT_EQ(handler.Handle(request).status, 200);
}

// The documented examples (examples/cds_hooks, shown in the README and
// docs/INTEGRATION.md) work as written: the fall is an emergency referral
// card first, and no exercise plan.
TEST_F(CdsHooksTest, TheDocumentedExampleRequestsWork) {
  for (const char* name :
       {"fall_hip_fracture.json", "gluteal_tendinopathy.json"}) {
    std::ifstream in(std::string(MEDIUS_EXAMPLES_DIR) + "/cds_hooks/" + name);
    std::stringstream text;
    text << in.rdbuf();
    HttpResponse r = Post(kService, json::parse(text.str()));
    ASSERT_EQ(r.status, 200) << name << ": " << r.body;
    json cards = json::parse(r.body)["cards"];
    ASSERT_FALSE(cards.empty()) << name;
    if (std::string(name) == "fall_hip_fracture.json") {
      EXPECT_EQ(cards[0]["indicator"], "critical");
      EXPECT_THAT(cards[0]["summary"].get<std::string>(),
                  HasSubstr("fracture"));
      EXPECT_THAT(r.body, ::testing::Not(HasSubstr("\"CarePlan\"")));
    } else {
      EXPECT_THAT(r.body, HasSubstr("\"CarePlan\""));
    }
  }
}

}  // namespace
}  // namespace medius::cds
