#include "engine/engine.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/test_kb.h"

namespace medius::engine {
namespace {

using medius::v1::AssessRequest;
using medius::v1::AssessResponse;
using ::testing::HasSubstr;

std::unique_ptr<const Engine> TestEngine() {
  auto engine = Engine::Create(medius::testing::SmallKb());
  EXPECT_TRUE(engine.ok()) << engine.status();
  return std::move(*engine);
}

// The per-condition model alone (no primary-source model): its ranking,
// evidence and notes are what a knowledge base without one gets.
std::unique_ptr<const Engine> PerConditionEngine() {
  medius::v1::KnowledgeBase kb = medius::testing::SmallKb();
  kb.clear_primary_source_model();
  auto engine = Engine::Create(kb);
  EXPECT_TRUE(engine.ok()) << engine.status();
  return std::move(*engine);
}

AssessRequest Request() {
  AssessRequest r;
  r.set_encounter_id("enc-1");
  r.mutable_patient()->set_age_years(58);
  r.mutable_patient()->set_sex(medius::v1::SEX_FEMALE);
  auto add = [&](const char* code, bool present) {
    auto* f = r.add_findings();
    f->set_code(code);
    f->set_present(present);
  };
  add("tender", true);
  add("sls", true);
  add("lying", false);
  auto* f = r.add_findings();
  f->set_code("count");
  f->set_number(1);
  return r;
}

// `r` with the core red-flag screen answered "no": without it no protocol
// is given.
AssessRequest Screened(AssessRequest r) {
  for (const char* code : {"fever", "hot"}) {
    auto* f = r.add_findings();
    f->set_code(code);
    f->set_present(false);
  }
  return r;
}

TEST(EngineTest, CreateRefusesAnInvalidKnowledgeBase) {
  medius::v1::KnowledgeBase kb = medius::testing::SmallKb();
  kb.mutable_conditions(0)->set_prior(0);
  auto engine = Engine::Create(kb);
  EXPECT_EQ(engine.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(engine.status().message()),
              HasSubstr("conditions[0].prior"));
}

TEST(EngineTest, ResponseCarriesVersionEncounterAndRankedDifferential) {
  auto engine = PerConditionEngine();
  auto response = engine->Assess(Screened(Request()));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->knowledge_base_version(), "1.2.3");
  EXPECT_EQ(response->knowledge_base_date(), "2026-11-21");
  // The digest is the loader's; the engine reports what it was given.
  EXPECT_EQ(response->knowledge_base_digest(), "");
  EXPECT_EQ(response->encounter_id(), "enc-1");
  ASSERT_EQ(response->differential_size(), 2);
  const auto& top = response->differential(0);
  EXPECT_EQ(top.condition_code(), "tendon");
  // tender 3 (lying 0.5 outweighed in the group) x sls 12 x female 1.5 = 54
  EXPECT_NEAR(top.probability(), 54.0 / 55.0, 1e-12);
  ASSERT_EQ(top.evidence_size(), 4);
  EXPECT_EQ(top.evidence(0).finding_code(), "sls");
  EXPECT_DOUBLE_EQ(top.evidence(0).likelihood_ratio(), 12);
  EXPECT_EQ(top.evidence(0).source(), "B 2017");
  const auto& lying = top.evidence(3);
  EXPECT_EQ(lying.finding_code(), "lying");
  EXPECT_FALSE(lying.present());
  EXPECT_DOUBLE_EQ(lying.likelihood_ratio(), 1);
  EXPECT_DOUBLE_EQ(lying.stated_likelihood_ratio(), 0.5);
  EXPECT_TRUE(lying.expert_opinion());
  EXPECT_EQ(lying.group(), "local");
  // joint: 0.25 x tender 0.5 x count 0.1 x age 2 = 0.025
  EXPECT_NEAR(response->differential(1).probability(), 0.025 / 1.025, 1e-12);
  EXPECT_EQ(response->differential(1).evidence(0).note(), "0-2");
  EXPECT_EQ(response->protocol().status(),
            medius::v1::PROTOCOL_STATUS_RECOMMENDED);
}

TEST(EngineTest, MalformedRequestIsInvalidArgumentNamingEveryField) {
  auto engine = TestEngine();
  AssessRequest request = Request();
  request.mutable_findings(1)->set_code("unknown_test");
  request.mutable_patient()->set_age_years(130);
  auto response = engine->Assess(request);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(
      std::string(response.status().message()),
      HasSubstr("findings[1].code: unknown finding code 'unknown_test'"));
  EXPECT_THAT(std::string(response.status().message()),
              HasSubstr("patient.age_years"));
}

// A newer client may send a sex or side this server does not know: the
// answer is the one for "not recorded" (so a sex-specific rule stays
// unknown, not false), with a note naming each field.
TEST(EngineTest, UnknownSexOrSideIsNotRecordedAndSaysSo) {
  auto engine = TestEngine();
  AssessRequest unknown = Screened(Request());
  unknown.mutable_patient()->set_sex(static_cast<medius::v1::Sex>(42));
  unknown.mutable_patient()->set_affected_side(
      static_cast<medius::v1::Side>(9));
  AssessRequest unrecorded = Screened(Request());
  unrecorded.mutable_patient()->clear_sex();
  auto got = engine->Assess(unknown);
  auto want = engine->Assess(unrecorded);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE(want.ok()) << want.status();
  ASSERT_EQ(got->notes_size(), want->notes_size() + 2);
  EXPECT_THAT(got->notes(got->notes_size() - 2),
              HasSubstr("patient.sex: value 42 is newer than this server"));
  EXPECT_THAT(got->notes(got->notes_size() - 1),
              HasSubstr("patient.affected_side: value 9"));
  got->mutable_notes()->DeleteSubrange(got->notes_size() - 2, 2);
  EXPECT_EQ(got->SerializeAsString(), want->SerializeAsString());
}

TEST(EngineTest, RedFlagIsReportedAndWithholdsProtocol) {
  auto engine = TestEngine();
  AssessRequest request = Request();
  for (const char* code : {"fever", "hot"}) {
    auto* f = request.add_findings();
    f->set_code(code);
    f->set_present(true);
  }
  auto response = engine->Assess(request);
  ASSERT_TRUE(response.ok());
  ASSERT_EQ(response->red_flags_size(), 1);
  EXPECT_EQ(response->red_flags(0).urgency(), medius::v1::URGENCY_EMERGENCY);
  // The differential is still there; the red flag is not hidden by it.
  EXPECT_EQ(response->differential_size(), 2);
  EXPECT_EQ(response->protocol().status(),
            medius::v1::PROTOCOL_STATUS_WITHHELD);
}

// A possible serious pathology puts its discriminator first in next tests:
// fever recorded, the hot-joint question not asked -> ask it (it would make
// the emergency trigger true); once the flag fires at same day, the test
// that would escalate it (fever) is suggested.
TEST(EngineTest, RedFlagDiscriminatorsLeadTheNextTests) {
  // fever and hot out of the core screen, which next tests never repeat.
  medius::v1::KnowledgeBase kb = medius::testing::SmallKb();
  kb.mutable_settings()->clear_core_screening_findings();
  kb.mutable_settings()->add_core_screening_findings("lying");
  auto created = Engine::Create(kb);
  ASSERT_TRUE(created.ok()) << created.status();
  const auto& engine = *created;
  AssessRequest request = Request();
  auto* fever = request.add_findings();
  fever->set_code("fever");
  fever->set_present(true);
  auto response = engine->Assess(request);
  ASSERT_TRUE(response.ok());
  ASSERT_GE(response->next_tests_size(), 1);
  EXPECT_EQ(response->next_tests(0).finding_code(), "hot");
  EXPECT_EQ(response->next_tests(0).red_flag_code(), "infection");
  EXPECT_THAT(response->next_tests(0).reason(),
              HasSubstr("infection.fever_and_hot"));
  for (int i = 1; i < response->next_tests_size(); ++i) {
    EXPECT_NE(response->next_tests(i).finding_code(), "hot") << "duplicate";
  }

  AssessRequest hot = Request();
  auto* h = hot.add_findings();
  h->set_code("hot");
  h->set_present(true);
  auto escalate = engine->Assess(hot);
  ASSERT_TRUE(escalate.ok());
  ASSERT_EQ(escalate->red_flags_size(), 1);
  EXPECT_EQ(escalate->red_flags(0).trigger_id(), "infection.hot");
  EXPECT_EQ(escalate->red_flags(0).tier(), medius::v1::RED_FLAG_TIER_SCREEN);
  ASSERT_GE(escalate->next_tests_size(), 1);
  EXPECT_EQ(escalate->next_tests(0).finding_code(), "fever");

  // Nothing partly true (fever and hot both answered "no"): no red-flag
  // test is suggested, only the differential's.
  auto plain = engine->Assess(Screened(Request()));
  ASSERT_TRUE(plain.ok());
  for (const auto& t : plain->next_tests()) {
    EXPECT_TRUE(t.red_flag_code().empty());
  }

  // With hot in the core screen (the shipped design), it is asked through
  // the disposition, not repeated as a next test.
  auto screened_kb = TestEngine()->Assess(request);
  ASSERT_TRUE(screened_kb.ok());
  EXPECT_THAT(screened_kb->disposition().missing_screening_findings(),
              ::testing::ElementsAre("hot"));
  for (const auto& t : screened_kb->next_tests()) {
    EXPECT_NE(t.finding_code(), "hot");
  }
}

TEST(EngineTest, FewFindingsAddALowConfidenceNote) {
  auto engine = TestEngine();
  AssessRequest request;
  auto* f = request.add_findings();
  f->set_code("tender");
  f->set_present(true);
  auto response = engine->Assess(request);
  ASSERT_TRUE(response.ok());
  EXPECT_THAT(response->notes(),
              ::testing::Contains(HasSubstr("low confidence")));
  // Four findings plus patient context: patient context does not count, but
  // four of three needed do; no low-confidence note.
  EXPECT_THAT(engine->Assess(Request())->notes(),
              ::testing::Not(::testing::Contains(HasSubstr("low confidence"))));
}

TEST(EngineTest, UnaskedScreeningQuestionsAreListedNotAssumedNegative) {
  auto engine = TestEngine();
  auto response = engine->Assess(Request());  // neither fever nor hot asked
  ASSERT_TRUE(response.ok());
  EXPECT_THAT(response->disposition().missing_screening_findings(),
              ::testing::ElementsAre("fever", "hot"));
  EXPECT_THAT(response->notes(),
              ::testing::Contains(HasSubstr(
                  "red_flag_screen_incomplete: not asked: Fever; Hot hip")));
  EXPECT_THAT(response->disposition().statement(),
              HasSubstr("red-flag screen is incomplete"));
  EXPECT_EQ(response->disposition().urgency(), medius::v1::URGENCY_UNSPECIFIED);

  AssessRequest asked = Request();
  for (const char* code : {"fever", "hot"}) {
    auto* f = asked.add_findings();
    f->set_code(code);
    f->set_present(false);
  }
  response = engine->Assess(asked);
  EXPECT_TRUE(response->disposition().missing_screening_findings().empty());
  EXPECT_THAT(response->disposition().statement(),
              HasSubstr("physiotherapy management is appropriate"));
}

TEST(EngineTest, DispositionTakesTheMostUrgentRedFlag) {
  auto engine = TestEngine();
  AssessRequest request = Request();
  for (const char* code : {"fever", "hot"}) {
    auto* f = request.add_findings();
    f->set_code(code);
    f->set_present(true);
  }
  auto response = engine->Assess(request);
  ASSERT_TRUE(response.ok());
  const auto& d = response->disposition();
  EXPECT_EQ(d.urgency(), medius::v1::URGENCY_EMERGENCY);
  EXPECT_EQ(d.refer_to(),
            medius::v1::REFERRAL_DESTINATION_EMERGENCY_DEPARTMENT);
  EXPECT_TRUE(d.exercise_withheld());
  EXPECT_THAT(d.statement(), HasSubstr("EMERGENCY (Infection): Go to ED."));
  EXPECT_THAT(d.statement(), HasSubstr("Do not start exercise"));
}

AssessRequest With(std::vector<std::pair<const char*, double>> numbers,
                   std::vector<std::pair<const char*, bool>> bools) {
  AssessRequest r;
  for (auto& [code, n] : numbers) {
    auto* f = r.add_findings();
    f->set_code(code);
    f->set_number(n);
  }
  for (auto& [code, present] : bools) {
    auto* f = r.add_findings();
    f->set_code(code);
    f->set_present(present);
  }
  return r;
}

TEST(EngineTest, CloseLeadingConditionsAddANotSeparatedNote) {
  auto engine = PerConditionEngine();
  // tendon: lying 2 -> 2/3; joint: 0.25 x count 4 x age 2 -> 2/3.
  AssessRequest request = With({{"count", 4}}, {{"lying", true}});
  request.mutable_patient()->set_age_years(60);
  auto response = engine->Assess(request);
  ASSERT_TRUE(response.ok());
  EXPECT_THAT(response->notes(),
              ::testing::Contains(HasSubstr(
                  "Joint (67%) and Tendon (67%) are not yet separated")));
  EXPECT_THAT(response->notes(),
              ::testing::Contains(HasSubstr("Most useful next: ")));
}

TEST(EngineTest, NoLikelyConditionIsANoteNotAnError) {
  auto engine = PerConditionEngine();
  auto response = engine->Assess(
      With({}, {{"tender", false}, {"fever", false}, {"hot", false}}));
  ASSERT_TRUE(response.ok());
  EXPECT_THAT(response->notes(),
              ::testing::Contains(HasSubstr("No condition is likely yet")));
  EXPECT_EQ(response->protocol().status(), medius::v1::PROTOCOL_STATUS_NONE);
}

// Every response and GetKnowledgeBase name the content digest the engine
// was built from (clinical safety rule 4).
TEST(EngineTest, ResponseCarriesTheContentDigest) {
  medius::v1::KnowledgeBase kb = medius::testing::SmallKb();
  kb.mutable_version()->set_content_digest("sha256:abc");
  auto engine = Engine::Create(kb);
  ASSERT_TRUE(engine.ok()) << engine.status();
  auto response = (*engine)->Assess(Screened(Request()));
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->knowledge_base_digest(), "sha256:abc");
  EXPECT_EQ((*engine)->info().content_digest(), "sha256:abc");
}

// With a primary-source model the differential is the model's ranking:
// the same order, probabilities (summing to 1) and evidence.
TEST(EngineTest, DifferentialFollowsThePrimarySourceModel) {
  auto response = TestEngine()->Assess(Screened(Request()));
  ASSERT_TRUE(response.ok()) << response.status();
  // odds tendon:joint = 0.6/0.4 x tender 4 x sls 8 x count(0-2) 3 x
  // female 1.6 = 230.4 ("lying" absent: the unspecified prior).
  ASSERT_EQ(response->differential_size(), 2);
  const auto& top = response->differential(0);
  EXPECT_EQ(top.condition_code(), "tendon");
  EXPECT_NEAR(top.probability(), 230.4 / 231.4, 1e-12);
  EXPECT_NEAR(response->differential(1).probability(), 1 / 231.4, 1e-12);
  EXPECT_DOUBLE_EQ(top.prior_probability(), 0.6);
  EXPECT_EQ(top.prior_source(), response->primary_source().prior_source());
  const auto& source = response->primary_source().sources(0);
  EXPECT_EQ(source.condition_code(), "tendon");
  EXPECT_EQ(top.probability(), source.probability());
  ASSERT_EQ(top.evidence_size(), source.evidence_size());
  EXPECT_EQ(top.evidence(0).finding_code(), "sls");
  EXPECT_NEAR(top.evidence(0).likelihood_ratio(), 8, 1e-9);
}

// A qualifier (a tear within the tendon source) carries P(qualifier and
// source); when likely given its source it takes the source's place.
TEST(EngineTest, LikelyQualifierLeadsTheDifferentialBeforeItsSource) {
  auto with_qualifier = [](double prior_given_source) {
    medius::v1::KnowledgeBase kb = medius::testing::SmallKb();
    medius::testing::AddTearQualifier(kb, prior_given_source);
    auto engine = Engine::Create(kb);
    EXPECT_TRUE(engine.ok()) << engine.status();
    return std::move(*engine);
  };
  const double tendon = 230.4 / 231.4;
  // Given the tendon: odds 1 x 3 -> 0.75, above the 0.5 refinement line.
  auto likely = with_qualifier(0.5)->Assess(Screened(Request()));
  ASSERT_TRUE(likely.ok()) << likely.status();
  EXPECT_EQ(likely->differential(0).condition_code(), "tear");
  EXPECT_NEAR(likely->differential(0).probability(), 0.75 * tendon, 1e-12);
  EXPECT_DOUBLE_EQ(likely->differential(0).prior_probability(), 0.6 * 0.5);
  EXPECT_EQ(likely->differential(0).refines(), "tendon");
  EXPECT_EQ(likely->differential(1).condition_code(), "tendon");
  // The protocol follows the leader: this knowledge base has none for it.
  EXPECT_THAT(likely->protocol().reason(), HasSubstr("no protocol for Tear"));
  // Given the tendon: odds 1/9 x 3 -> 0.25: ranked by its own 0.25 x
  // P(tendon), after the tendon and before the joint.
  auto unlikely = with_qualifier(0.1)->Assess(Screened(Request()));
  ASSERT_TRUE(unlikely.ok());
  EXPECT_EQ(unlikely->differential(0).condition_code(), "tendon");
  EXPECT_EQ(unlikely->differential(1).condition_code(), "tear");
  EXPECT_NEAR(unlikely->differential(1).probability(), 0.25 * tendon, 1e-12);
}

// Too little discriminating evidence: no protocol is chosen, whatever the
// per-condition scores say, and the reason sends the clinician to the
// next tests.
TEST(EngineTest, LowConfidenceSourceChoosesNoProtocol) {
  // Only "tender" discriminates (of 2 needed); enough findings assessed.
  auto response = TestEngine()->Assess(With(
      {},
      {{"tender", true}, {"lying", false}, {"fever", false}, {"hot", false}}));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_TRUE(response->primary_source().low_confidence());
  EXPECT_EQ(response->protocol().status(), medius::v1::PROTOCOL_STATUS_NONE);
  EXPECT_THAT(response->protocol().reason(), HasSubstr("low confidence"));
  EXPECT_THAT(response->protocol().reason(), HasSubstr("next tests"));
  // The same request with the per-condition model alone gets a protocol
  // for the tendon (tender LR 3 from 0.5: 75%).
  auto per_condition = PerConditionEngine()->Assess(With(
      {},
      {{"tender", true}, {"lying", false}, {"fever", false}, {"hot", false}}));
  ASSERT_TRUE(per_condition.ok());
  EXPECT_EQ(per_condition->protocol().status(),
            medius::v1::PROTOCOL_STATUS_RECOMMENDED);
}

TEST(EngineTest, LikelyRefinementIsRankedAboveItsBroaderCondition) {
  // joint: 0.25 x count 4 x age 2 x tender 0.5 = 1 -> 0.5; tendon: tender 3 x
  // sls 12 -> 36/37.
  AssessRequest request =
      With({{"count", 4}}, {{"tender", true}, {"sls", true}});
  request.mutable_patient()->set_age_years(60);
  auto plain = PerConditionEngine()->Assess(request);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->differential(0).condition_code(), "tendon");

  medius::v1::KnowledgeBase kb = medius::testing::SmallKb();
  kb.clear_primary_source_model();
  kb.mutable_conditions(1)->set_refines("tendon");
  auto engine = Engine::Create(kb);
  ASSERT_TRUE(engine.ok()) << engine.status();
  auto refined = (*engine)->Assess(request);
  ASSERT_TRUE(refined.ok());
  EXPECT_EQ(refined->differential(0).condition_code(), "joint");
  EXPECT_EQ(refined->differential(0).refines(), "tendon");
  EXPECT_NEAR(refined->differential(0).probability(), 0.5, 1e-12);
  EXPECT_NEAR(refined->differential(1).probability(), 36.0 / 37.0, 1e-12);

  // Below the threshold the refinement keeps its own place.
  request.mutable_patient()->set_age_years(40);  // joint -> 1/3
  EXPECT_EQ((*engine)->Assess(request)->differential(0).condition_code(),
            "tendon");
}

TEST(EngineTest, OutputIsIdenticalAcrossRunsOrderAndThreads) {
  auto engine = TestEngine();
  AssessRequest request = Request();
  std::string expected = engine->Assess(request)->SerializeAsString();
  // The order of findings in the request does not matter.
  AssessRequest reversed = request;
  std::reverse(reversed.mutable_findings()->begin(),
               reversed.mutable_findings()->end());
  EXPECT_EQ(engine->Assess(reversed)->SerializeAsString(), expected);

  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        if (engine->Assess(request)->SerializeAsString() != expected) {
          ++mismatches[t];
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_THAT(mismatches, ::testing::Each(0));
}

TEST(EngineTest, InfoListsTheCatalog) {
  auto engine = TestEngine();
  const auto& info = engine->info();
  EXPECT_EQ(info.version(), "1.2.3");
  EXPECT_EQ(info.findings_size(), 9);
  EXPECT_EQ(info.findings(3).value_type(), medius::v1::VALUE_TYPE_NUMBER);
  EXPECT_EQ(info.findings(3).max_value(), 6);
  EXPECT_EQ(info.red_flags(0).highest_urgency(), medius::v1::URGENCY_EMERGENCY);
  // Only the screen trigger's finding ("hot"), not the escalation's fever.
  EXPECT_THAT(info.red_flags(0).screen_findings(),
              ::testing::ElementsAre("hot"));
  EXPECT_EQ(info.exercises_size(), 2);
}

}  // namespace
}  // namespace medius::engine
