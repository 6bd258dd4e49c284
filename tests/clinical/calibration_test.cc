// Calibration: the shipped knowledge base reproduces published post-test
// probabilities and cluster likelihood ratios (shared/clinical/evidence.md).
// Expected values come from the papers, not from the engine; tolerances are
// stated per test.
#include <string>

#include "clinical/shipped_engine.h"
#include "gtest/gtest.h"

namespace medius::testing {
namespace {

using medius::v1::AssessRequest;

double Assess(const AssessRequest& request, const std::string& condition) {
  auto response = ShippedEngine().Assess(request);
  EXPECT_TRUE(response.ok()) << response.status();
  return response.ok() ? ProbabilityOf(*response, condition) : -1;
}

// Likelihood ratio the request applied to `condition`: post odds / prior odds.
double AppliedRatio(const AssessRequest& request,
                    const std::string& condition) {
  return Odds(Assess(request, condition)) / Odds(PriorOf(condition));
}

// Kinsella et al. 2024 JOSPT 54(1): pre-test 59%; greater-trochanter
// palpation then resisted abduction, both positive -> 96%, both negative ->
// 14%. Tolerance 3 percentage points.
TEST(CalibrationTest, Kinsella2024PalpationThenResistedAbduction) {
  EXPECT_NEAR(PriorOf("gluteal_tendinopathy"), 0.59, 1e-9);
  AssessRequest both_positive, both_negative;
  AddBool(both_positive, "greater_trochanter_tenderness", true);
  AddBool(both_positive, "resisted_abduction_pain", true);
  AddBool(both_negative, "greater_trochanter_tenderness", false);
  AddBool(both_negative, "resisted_abduction_pain", false);
  EXPECT_NEAR(Assess(both_positive, "gluteal_tendinopathy"), 0.96, 0.03);
  EXPECT_NEAR(Assess(both_negative, "gluteal_tendinopathy"), 0.14, 0.03);
}

// Grimaldi et al. 2017 BJSM 51:519-524: pain within 30 s of single-leg
// stance, LR+ 12.2 / LR- 0.62 against MRI. From a 50% pre-test that is 92.4%
// positive and 38.3% negative; from the shipped 59% prior, 94.6% / 47.2%.
// Tolerance 1 percentage point.
TEST(CalibrationTest, Grimaldi2017SingleLegStance) {
  AssessRequest positive, negative;
  AddBool(positive, "single_leg_stance_30s_pain", true);
  AddBool(negative, "single_leg_stance_30s_pain", false);
  const double prior_odds = Odds(0.59);
  EXPECT_NEAR(Assess(positive, "gluteal_tendinopathy"),
              FromOdds(prior_odds * 12.2), 0.01);
  EXPECT_NEAR(Assess(negative, "gluteal_tendinopathy"),
              FromOdds(prior_odds * 0.62), 0.01);
  EXPECT_NEAR(FromOdds(1.0 * 12.2), 0.924, 0.001);  // the nominal 50% case
}

// Laslett et al. 2005 Man Ther 10(3):207-218: >= 3 of 6 SIJ provocation
// tests LR+ 4.27; fewer LR- 0.08 (against intra-articular block). The
// engine must apply exactly these ratios to the SIJ prior (1%).
TEST(CalibrationTest, Laslett2005SijCluster) {
  for (double count : {3.0, 4.0, 6.0}) {
    AssessRequest r;
    AddNumber(r, "sij_provocation_positive_count", count);
    EXPECT_NEAR(AppliedRatio(r, "sij_referral"), 4.27, 0.04) << count;
  }
  for (double count : {0.0, 1.0, 2.0}) {
    AssessRequest r;
    AddNumber(r, "sij_provocation_positive_count", count);
    EXPECT_NEAR(AppliedRatio(r, "sij_referral"), 0.08, 0.001) << count;
  }
}

// Altman et al. 1991 ACR clinical criteria for hip osteoarthritis: cluster
// LR+ 3.4, LR- 0.19. The correlated ingredients (internal rotation, flexion,
// morning stiffness, age) must combine to about the cluster's ratios, not
// multiply as if independent. Tolerance +-20% of the ratio.
TEST(CalibrationTest, Altman1991AcrHipOsteoarthritisCluster) {
  AssessRequest positive;
  AddBool(positive, "hip_internal_rotation_restricted", true);
  AddBool(positive, "hip_flexion_restricted", true);
  AddNumber(positive, "morning_stiffness_minutes", 30);
  positive.mutable_patient()->set_age_years(62);
  EXPECT_NEAR(AppliedRatio(positive, "hip_joint_referral"), 3.4, 0.2 * 3.4);

  AssessRequest negative;
  AddBool(negative, "hip_internal_rotation_restricted", false);
  AddBool(negative, "hip_flexion_restricted", false);
  negative.mutable_patient()->set_age_years(38);
  EXPECT_NEAR(AppliedRatio(negative, "hip_joint_referral"), 0.19, 0.2 * 0.19);
}

}  // namespace
}  // namespace medius::testing
