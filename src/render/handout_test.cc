#include "render/handout.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace medius::render {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

medius::v1::PrescribedExercise Exercise(const char* name, const char* how) {
  medius::v1::PrescribedExercise x;
  x.set_display_name(name);
  x.set_instructions(how);
  x.mutable_dosage()->mutable_sets()->set_min(2);
  x.mutable_dosage()->mutable_sets()->set_max(3);
  x.mutable_dosage()->mutable_reps()->set_min(10);
  x.mutable_dosage()->mutable_reps()->set_max(10);
  x.mutable_dosage()->set_frequency("daily");
  x.mutable_dosage()->set_notes("LEAP week 1");  // for the clinician only
  return x;
}

medius::v1::AssessResponse Recommended() {
  medius::v1::AssessResponse r;
  r.set_assessment_id("a-1");
  r.set_knowledge_base_version("0.6.2");
  auto* p = r.mutable_protocol();
  p->set_status(medius::v1::PROTOCOL_STATUS_RECOMMENDED);
  p->set_start_phase(1);
  auto* first = p->add_phases();
  *first->add_exercises() = Exercise("Isometric abduction", "Push out.");
  auto* second = p->add_phases();
  *second->add_exercises() = Exercise("Bridge", "Lift <your> hips & hold.");
  *p->add_targeted_exercises() = Exercise("Hip hike", "Stand on a step.");
  p->add_advice("Avoid crossing your legs.");
  p->add_advice(
      "Sleep on your back (if one hip is painful) with a pillow "
      "(Mellor et al. 2018 BMJ 361:k1662; level 2)");
  p->set_review("Review in 2 weeks.");
  return r;
}

TEST(Handout, GivesTheStartPhaseExercisesInPlainWords) {
  std::string md = HandoutMarkdown(Recommended());
  EXPECT_THAT(md, HasSubstr("1. **Bridge**. Lift &lt;your> hips & hold."));
  EXPECT_THAT(md, HasSubstr("2. **Hip hike**"));
  EXPECT_THAT(md, Not(HasSubstr("Isometric abduction")));  // an earlier phase
  EXPECT_THAT(md, HasSubstr("*How much:* 10 times; do 2 to 3 rounds; daily."));
  EXPECT_THAT(md, HasSubstr("- Avoid crossing your legs."));
  // The advice without its sources; a parenthesis that is not one stays.
  EXPECT_THAT(md, HasSubstr("- Sleep on your back (if one hip is painful) "
                            "with a pillow.\n"));
  EXPECT_THAT(md, Not(HasSubstr("Mellor")));
  // The review plan is written for the clinician (outcome measures).
  EXPECT_THAT(md, Not(HasSubstr("Review in 2 weeks.")));
  EXPECT_THAT(md, Not(HasSubstr("LEAP")));
}

TEST(Handout, HtmlIsACompleteEscapedDocument) {
  std::string html = HandoutHtml(Recommended());
  EXPECT_THAT(html, HasSubstr("<!DOCTYPE html>"));
  EXPECT_THAT(html, HasSubstr("@page { size: A4"));
  EXPECT_THAT(html, HasSubstr("Lift &lt;your&gt; hips &amp; hold."));
  EXPECT_THAT(html, Not(HasSubstr("<your>")));
  EXPECT_THAT(html, Not(HasSubstr("http")));  // nothing is fetched
  EXPECT_THAT(html, HasSubstr("</html>"));
}

// A red flag above routine: the handout sends the patient to a doctor, in
// words, and gives no exercise even if a protocol were present.
TEST(Handout, ARedFlagSendsToADoctorAndGivesNoExercise) {
  medius::v1::AssessResponse r = Recommended();
  auto* flag = r.add_red_flags();
  flag->set_urgency(medius::v1::URGENCY_EMERGENCY);
  flag->set_refer_to(medius::v1::REFERRAL_DESTINATION_EMERGENCY_DEPARTMENT);
  std::string md = HandoutMarkdown(r);
  EXPECT_THAT(md, HasSubstr("## Please see a doctor"));
  EXPECT_THAT(md, HasSubstr("Go to the emergency department now."));
  EXPECT_THAT(md, HasSubstr("Do not start an exercise programme"));
  EXPECT_THAT(md, Not(HasSubstr("Bridge")));
  flag->set_urgency(static_cast<medius::v1::Urgency>(23));  // newer
  EXPECT_THAT(HandoutMarkdown(r), HasSubstr("within the next few days"));
  EXPECT_THAT(HandoutMarkdown(r), Not(HasSubstr("Bridge")));
}

TEST(Handout, NoProtocolSaysSoAndKeepsTheAdvice) {
  medius::v1::AssessResponse r = Recommended();
  r.mutable_protocol()->set_status(medius::v1::PROTOCOL_STATUS_INTERIM);
  std::string md = HandoutMarkdown(r);
  EXPECT_THAT(md, HasSubstr("No exercise programme yet"));
  EXPECT_THAT(md, Not(HasSubstr("Bridge")));
  EXPECT_THAT(md, HasSubstr("- Avoid crossing your legs."));
}

TEST(Handout, PlainDosage) {
  medius::v1::Dosage d;
  d.mutable_hold_seconds()->set_min(30);
  d.mutable_hold_seconds()->set_max(45);
  d.mutable_sets()->set_min(5);
  d.mutable_sets()->set_max(5);
  d.set_effort("light");
  EXPECT_EQ(PlainDosage(d),
            "Hold for 30 to 45 seconds; do 5 rounds; effort: light.");
  d.mutable_reps()->set_min(8);
  d.mutable_reps()->set_max(12);
  d.set_each_side(true);
  EXPECT_EQ(PlainDosage(d),
            "8 to 12 times on each side, holding 30 to 45 seconds each time; "
            "do 5 rounds; effort: light.");
}

}  // namespace
}  // namespace medius::render
