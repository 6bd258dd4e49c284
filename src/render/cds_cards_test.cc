// The CDS Hooks cards: indicator per urgency, summaries under 140
// characters, red flags first and never merged, the incomplete-screen
// warning, and no exercise plan beside a withheld protocol.
#include "render/cds_cards.h"

#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace medius::render {
namespace {

using ::testing::HasSubstr;

CardContext Context(const medius::v1::KnowledgeBaseInfo* catalog = nullptr) {
  static int next = 0;
  CardContext context;
  context.fhir.patient = "Patient/p1";
  context.fhir.new_id = [] { return "u-" + std::to_string(++next); };
  context.catalog = catalog;
  return context;
}

medius::v1::RedFlag Flag(const std::string& code, medius::v1::Urgency u) {
  medius::v1::RedFlag f;
  f.set_code(code);
  f.set_display_name(code + " name");
  f.set_urgency(u);
  f.set_refer_to(medius::v1::REFERRAL_DESTINATION_EMERGENCY_DEPARTMENT);
  f.add_triggered_by("fever");
  return f;
}

medius::v1::AssessResponse Response() {
  medius::v1::AssessResponse r;
  r.set_knowledge_base_version("0.6.0");
  auto* d = r.add_differential();
  d->set_condition_code("gluteal_tendinopathy");
  d->set_display_name("Gluteal tendinopathy");
  d->set_probability(0.995);
  auto* protocol = r.mutable_protocol();
  protocol->set_status(medius::v1::PROTOCOL_STATUS_RECOMMENDED);
  protocol->set_display_name("Gluteal tendon loading");
  auto* x = protocol->add_phases()->add_exercises();
  x->set_exercise_code("bridge");
  x->set_display_name("Bridge");
  return r;
}

TEST(CdsCardsTest, IndicatorFollowsUrgencyAndUnknownIsNotRoutine) {
  EXPECT_EQ(CardIndicator(medius::v1::URGENCY_EMERGENCY), "critical");
  EXPECT_EQ(CardIndicator(medius::v1::URGENCY_SAME_DAY), "critical");
  EXPECT_EQ(CardIndicator(medius::v1::URGENCY_URGENT), "warning");
  EXPECT_EQ(CardIndicator(medius::v1::URGENCY_SOON), "warning");
  EXPECT_EQ(CardIndicator(medius::v1::URGENCY_ROUTINE), "info");
  EXPECT_EQ(CardIndicator(medius::v1::URGENCY_UNSPECIFIED), "warning");
}

TEST(CdsCardsTest, SummariesAreCutUnder140CharactersNotMidCharacter) {
  EXPECT_EQ(CardSummary("short"), "short");
  const std::string exact(139, 'a');
  EXPECT_EQ(CardSummary(exact), exact);
  // 150 two-byte characters: cut by characters, not bytes.
  std::string accented;
  for (int i = 0; i < 150; ++i) accented += "\xC3\xA9";  // é
  std::string cut = CardSummary(accented);
  size_t chars = 0;
  for (unsigned char c : cut) chars += (c & 0xC0) != 0x80;
  EXPECT_EQ(chars, 139u);
  EXPECT_EQ(cut.substr(cut.size() - 3), "...");
  EXPECT_EQ(cut.substr(0, 2), "\xC3\xA9");
}

TEST(CdsCardsTest, RedFlagsComeFirstOneCardEachAndSuggestAReferral) {
  auto r = Response();
  *r.add_red_flags() = Flag("cauda_equina", medius::v1::URGENCY_EMERGENCY);
  *r.add_red_flags() = Flag("malignancy", medius::v1::URGENCY_URGENT);
  *r.add_red_flags() = Flag("inflammatory", medius::v1::URGENCY_ROUTINE);
  nlohmann::json cards = AssessmentCards(r, Context())["cards"];
  ASSERT_GE(cards.size(), 3u);
  const char* indicators[] = {"critical", "warning", "info"};
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(cards[i]["indicator"], indicators[i]);
    EXPECT_THAT(cards[i]["summary"].get<std::string>(),
                HasSubstr(r.red_flags(i).display_name()));
    const auto& action = cards[i]["suggestions"][0]["actions"][0];
    EXPECT_EQ(action["type"], "create");
    EXPECT_EQ(action["resource"]["resourceType"], "ServiceRequest");
    EXPECT_EQ(action["resource"]["reasonCode"][0]["coding"][0]["code"],
              r.red_flags(i).code());
    EXPECT_EQ(cards[i]["selectionBehavior"], "at-most-one");
    EXPECT_FALSE(cards[i]["overrideReasons"].empty());
  }
  std::set<std::string> uuids;
  for (const auto& card : cards) {
    EXPECT_LT(card["summary"].get<std::string>().size(), 140u);
    EXPECT_EQ(card["source"]["label"], "Medius (knowledge base 0.6.0)");
    uuids.insert(card["uuid"].get<std::string>());
  }
  EXPECT_EQ(uuids.size(), cards.size());
}

TEST(CdsCardsTest, AnIncompleteScreenIsAWarningListingQuestionsByName) {
  medius::v1::KnowledgeBaseInfo catalog;
  auto* f = catalog.add_findings();
  f->set_code("night_pain");
  f->set_display_name("Pain at night, unrelieved by rest");
  auto r = Response();
  r.mutable_disposition()->add_missing_screening_findings("night_pain");
  r.mutable_disposition()->add_missing_screening_findings("weight_loss");
  nlohmann::json cards = AssessmentCards(r, Context(&catalog))["cards"];
  ASSERT_FALSE(cards.empty());
  EXPECT_EQ(cards[0]["indicator"], "warning");
  EXPECT_EQ(cards[0]["summary"],
            "Red-flag screen incomplete: 2 questions still to ask");
  EXPECT_THAT(cards[0]["detail"].get<std::string>(),
              HasSubstr("- Pain at night, unrelieved by rest\n"));
  // A code the catalog does not know is shown as it is, not dropped.
  EXPECT_THAT(cards[0]["detail"].get<std::string>(),
              HasSubstr("- weight_loss\n"));
}

TEST(CdsCardsTest, TheDifferentialCardShowsOneDecimalWhereItMatters) {
  nlohmann::json cards = AssessmentCards(Response(), Context())["cards"];
  ASSERT_EQ(cards.size(), 2u);
  EXPECT_EQ(cards[0]["summary"], "Most likely: Gluteal tendinopathy 99.5%");
  EXPECT_EQ(
      cards[0]["suggestions"][0]["actions"][0]["resource"]["resourceType"],
      "RiskAssessment");
  EXPECT_EQ(
      cards[1]["suggestions"][0]["actions"][0]["resource"]["resourceType"],
      "CarePlan");
}

TEST(CdsCardsTest, AWithheldProtocolIsAWarningAndNeverACarePlan) {
  auto r = Response();
  *r.add_red_flags() = Flag("infection", medius::v1::URGENCY_EMERGENCY);
  r.mutable_disposition()->set_exercise_withheld(true);
  r.mutable_protocol()->set_status(medius::v1::PROTOCOL_STATUS_WITHHELD);
  r.mutable_protocol()->set_reason(
      "Possible infection: no loading until it is ruled out.");
  nlohmann::json cards = AssessmentCards(r, Context())["cards"];
  EXPECT_THAT(cards.dump(), ::testing::Not(HasSubstr("CarePlan")));
  EXPECT_EQ(cards.back()["indicator"], "warning");
  EXPECT_THAT(cards.back()["summary"].get<std::string>(),
              HasSubstr("Exercise withheld: Possible infection"));
  EXPECT_EQ(cards[0]["indicator"], "critical");
}

}  // namespace
}  // namespace medius::render
