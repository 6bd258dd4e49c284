// The shipped primary-source model (knowledge/primary_sources.textproto)
// against published anchors: the Kinsella 2024 prior for lateral hip pain,
// Laslett 2005's SIJ cluster, the lumbar and hip-joint pictures that the
// per-condition model ranked under tendinopathy (issue 10), and the
// completeness and normalisation the model promises.
#include <cmath>
#include <string>

#include "clinical/shipped_engine.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace medius::testing {
namespace {

using medius::v1::AssessRequest;
using medius::v1::PrimarySourceAssessment;

PrimarySourceAssessment Primary(const AssessRequest& request) {
  auto response = ShippedEngine().Assess(request);
  EXPECT_TRUE(response.ok()) << response.status();
  EXPECT_TRUE(response->has_primary_source());
  return response->primary_source();
}

double P(const PrimarySourceAssessment& a, const std::string& code) {
  for (const auto& s : a.sources()) {
    if (s.condition_code() == code) return s.probability();
  }
  return -1;
}

TEST(PrimarySourceModelTest, EveryFindingIsARowOrNeutral) {
  const auto& m = ShippedKb().primary_source_model();
  ASSERT_EQ(m.sources_size(), 5);
  std::set<std::string> covered(m.neutral_findings().begin(),
                                m.neutral_findings().end());
  for (const auto& row : m.rows()) covered.insert(row.finding_code());
  for (const auto& f : ShippedKb().findings()) {
    EXPECT_TRUE(covered.count(f.code())) << f.code();
  }
  EXPECT_GE(m.rows_size(), 40);
}

// Kinsella 2024: GTPS is 59% of lateral hip pain before any test.
TEST(PrimarySourceModelTest, LateralPainStartsFromTheKinsellaPrior) {
  AssessRequest r;
  AddBool(r, "lateral_hip_pain", true);
  auto a = Primary(r);
  EXPECT_EQ(a.presentation(), "lateral");
  EXPECT_NEAR(P(a, "gluteal_tendinopathy"), 0.59, 1e-9);
  double sum = 0;
  for (const auto& s : a.sources()) sum += s.probability();
  EXPECT_NEAR(sum, 1, 1e-12);
  EXPECT_TRUE(a.low_confidence()) << "no discriminating finding yet";
}

// The textbook GTPS picture: tenderness, single-leg stance, resisted
// abduction, lying on the side, negative neural and hip-joint tests.
TEST(PrimarySourceModelTest, TextbookGtpsLeadsWithConfidence) {
  AssessRequest r;
  r.mutable_patient()->set_age_years(55);
  r.mutable_patient()->set_sex(medius::v1::SEX_FEMALE);
  for (const char* yes :
       {"lateral_hip_pain", "greater_trochanter_tenderness",
        "single_leg_stance_30s_pain", "resisted_abduction_pain",
        "pain_lying_on_affected_side"}) {
    AddBool(r, yes, true);
  }
  for (const char* no : {"slump_positive", "hip_internal_rotation_restricted",
                         "groin_pain", "low_back_pain"}) {
    AddBool(r, no, false);
  }
  auto a = Primary(r);
  EXPECT_EQ(a.sources(0).condition_code(), "gluteal_tendinopathy");
  EXPECT_GT(a.sources(0).probability(), 0.9);
  EXPECT_FALSE(a.low_confidence()) << a.confidence_note();
}

// Findings pointing away from the tendon lower it (the failure of the
// per-condition model): lateral pain with a positive slump, SLR and a
// neurological deficit is lumbar.
TEST(PrimarySourceModelTest, NeuralSignsMoveLateralPainToTheSpine) {
  AssessRequest r;
  for (const char* yes :
       {"lateral_hip_pain", "slump_positive", "slr_positive", "neuro_deficit",
        "low_back_pain", "pain_below_knee"}) {
    AddBool(r, yes, true);
  }
  AddBool(r, "greater_trochanter_tenderness", false);
  auto a = Primary(r);
  EXPECT_EQ(a.sources(0).condition_code(), "lumbar_referral");
  EXPECT_LT(P(a, "gluteal_tendinopathy"), 0.2);
}

// Laslett 2005: three or more of six provocation tests positive (LR+ 4.3)
// in buttock pain without lateral pain points to the SIJ.
TEST(PrimarySourceModelTest, SijClusterInButtockPainLeadsToTheSij) {
  AssessRequest r;
  AddBool(r, "lateral_hip_pain", false);
  AddBool(r, "buttock_pain", true);
  AddNumber(r, "sij_provocation_positive_count", 4);
  AddBool(r, "slump_positive", false);
  auto a = Primary(r);
  EXPECT_EQ(a.sources(0).condition_code(), "sij_referral");
}

// Restricted internal rotation, groin pain and a painful FADIR at 65 (the
// hip OA picture, Altman 1991 / Sutlive 2008) is the hip joint even when
// the pain is lateral.
TEST(PrimarySourceModelTest, HipJointSignsLeadEvenWithLateralPain) {
  AssessRequest r;
  r.mutable_patient()->set_age_years(65);
  for (const char* yes :
       {"lateral_hip_pain", "groin_pain", "hip_internal_rotation_restricted",
        "fadir_groin_pain", "difficulty_shoes_socks"}) {
    AddBool(r, yes, true);
  }
  auto a = Primary(r);
  EXPECT_EQ(a.sources(0).condition_code(), "hip_joint_referral");
}

// Co-existing contributors (Segal 2007: low back pain goes with GTPS): the
// GTPS picture with back pain, a positive slump and pain below the knee
// stays GTPS as the primary source and reports a likely lumbar
// contribution; the same GTPS picture without the spinal findings does not.
TEST(PrimarySourceModelTest, GtpsWithSpinalSignsReportsALumbarContribution) {
  AssessRequest r;
  r.mutable_patient()->set_age_years(55);
  r.mutable_patient()->set_sex(medius::v1::SEX_FEMALE);
  for (const char* code :
       {"lateral_hip_pain", "greater_trochanter_tenderness",
        "resisted_abduction_pain", "single_leg_stance_30s_pain",
        "pain_lying_on_affected_side"}) {
    AddBool(r, code, true);
  }
  auto lumbar = [](const PrimarySourceAssessment& a) {
    for (const auto& c : a.contributors()) {
      if (c.condition_code() == "lumbar_referral") return c;
    }
    ADD_FAILURE() << "no lumbar contributor";
    return medius::v1::CoexistingContributor();
  };
  const auto plain = Primary(r);
  ASSERT_EQ(plain.sources(0).condition_code(), "gluteal_tendinopathy");
  const auto plain_lumbar = lumbar(plain);
  // A noisy-OR lets a present finding only raise co-existence (either
  // source may produce it), so the GTPS signs alone nudge it up a little.
  EXPECT_LT(plain_lumbar.probability(), 0.5);

  for (const char* code :
       {"low_back_pain", "slump_positive", "pain_below_knee"}) {
    AddBool(r, code, true);
  }
  const auto spinal = Primary(r);
  ASSERT_EQ(spinal.sources(0).condition_code(), "gluteal_tendinopathy");
  const auto spinal_lumbar = lumbar(spinal);
  EXPECT_EQ(spinal_lumbar.with_source(), "gluteal_tendinopathy");
  EXPECT_GT(spinal_lumbar.probability(), plain_lumbar.probability() + 0.15);
  EXPECT_GE(spinal_lumbar.probability(), 0.5);
  EXPECT_EQ(spinal.contributors(0).condition_code(), "lumbar_referral");
  EXPECT_FALSE(spinal_lumbar.prior_source().empty());
}

// A tear is a qualifier of GTPS with its own probability given GTPS.
TEST(PrimarySourceModelTest, TearIsAQualifierOfGtps) {
  AssessRequest r;
  for (const char* yes : {"lateral_hip_pain", "greater_trochanter_tenderness",
                          "resisted_abduction_weakness", "trendelenburg_gait",
                          "resisted_internal_rotation_pain"}) {
    AddBool(r, yes, true);
  }
  auto a = Primary(r);
  const medius::v1::SourceQualifier* tear = nullptr;
  for (const auto& q : a.qualifiers()) {
    if (q.condition_code() == "gluteus_medius_tear") tear = &q;
  }
  ASSERT_NE(tear, nullptr);
  EXPECT_EQ(tear->of_source(), "gluteal_tendinopathy");
  EXPECT_GT(tear->probability_given_source(), 0.17) << "above its prior";
  EXPECT_NEAR(tear->probability(),
              tear->probability_given_source() * P(a, "gluteal_tendinopathy"),
              1e-12);
}

// Thin evidence: the low-confidence note comes first and the next tests are
// the ones that best tell the sources apart.
TEST(PrimarySourceModelTest, LowConfidenceLeadsWithTheNextTests) {
  AssessRequest r;
  AddBool(r, "lateral_hip_pain", true);
  auto response = ShippedEngine().Assess(r);
  ASSERT_TRUE(response.ok());
  ASSERT_TRUE(response->primary_source().low_confidence());
  ASSERT_GT(response->notes_size(), 0);
  EXPECT_THAT(response->notes(0), ::testing::StartsWith("low_confidence: "));
  int from_model = 0;
  for (const auto& t : response->next_tests()) {
    EXPECT_NE(t.finding_code(), "lateral_hip_pain");
    if (t.red_flag_code().empty()) {
      ++from_model;
      EXPECT_GT(t.expected_information_gain_bits(), 0);
      EXPECT_THAT(t.reason(),
                  ::testing::HasSubstr("Where the pain comes from"));
    }
  }
  EXPECT_GE(from_model, 3);
}

// Evidence cites the references table by id, with the formatted citation
// and its evidence level, so a clinician can tell a meta-analysis from a
// web page.
TEST(PrimarySourceModelTest, EvidenceCarriesReferencesWithEvidenceLevel) {
  AssessRequest r;
  AddBool(r, "lateral_hip_pain", true);
  AddBool(r, "single_leg_stance_30s_pain", true);
  auto response = ShippedEngine().Assess(r);
  ASSERT_TRUE(response.ok());
  const auto& a = response->primary_source();
  const medius::v1::Evidence* sls = nullptr;
  for (const auto& e : a.sources(0).evidence()) {
    if (e.finding_code() == "single_leg_stance_30s_pain") sls = &e;
  }
  ASSERT_NE(sls, nullptr);
  ASSERT_GT(sls->citations_size(), 0);
  const auto& c = sls->citations(0);
  EXPECT_FALSE(c.reference_id().empty());
  EXPECT_FALSE(c.evidence_level().empty());
  // The text is sent once, in cited_references.
  EXPECT_TRUE(c.text().empty());
  int listed = 0;
  for (const auto& ref : response->cited_references()) {
    if (ref.reference_id() == c.reference_id()) {
      ++listed;
      EXPECT_FALSE(ref.text().empty());
      EXPECT_EQ(ref.evidence_level(), c.evidence_level());
    }
  }
  EXPECT_EQ(listed, 1);
  EXPECT_THAT(sls->source(), ::testing::HasSubstr("[" + c.reference_id()));
  // The prior is cited too (Kinsella 2024).
  EXPECT_THAT(a.prior_source(), ::testing::HasSubstr("kinsella2024"));
}

}  // namespace
}  // namespace medius::testing
