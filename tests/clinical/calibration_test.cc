// Calibration: the shipped knowledge base reproduces published post-test
// probabilities and likelihood ratios (shared/clinical/evidence.md), in the
// normalised primary-source model that ranks the differential. Expected
// values come from the papers, not from the engine; tolerances are stated
// per test.
//
// How a published figure maps onto a normalised model: a likelihood ratio
// is the ratio of P(finding | source) between the groups its study
// compared. A study of people with lateral hip pain against imaging (Kinsella,
// Grimaldi) compared GTPS with everything else that causes lateral hip pain,
// i.e. with the other sources weighted by the lateral-pain prior; Laslett's
// SIJ blocks compared SIJ pain with the other low back and buttock pain of
// the same patients, i.e. with the lumbar source.
#include <string>

#include "clinical/shipped_engine.h"
#include "gtest/gtest.h"

namespace medius::testing {
namespace {

using medius::v1::AssessRequest;
using medius::v1::AssessResponse;

AssessResponse Assess(const AssessRequest& request) {
  auto response = ShippedEngine().Assess(request);
  EXPECT_TRUE(response.ok()) << response.status();
  return response.ok() ? *response : AssessResponse();
}

const medius::v1::PrimarySource* Source(const AssessResponse& r,
                                        const std::string& code) {
  for (const auto& s : r.primary_source().sources()) {
    if (s.condition_code() == code) return &s;
  }
  ADD_FAILURE() << "no source " << code;
  static const medius::v1::PrimarySource none;
  return &none;
}

// The ratio the findings applied to `a` against `b`: posterior odds of a vs
// b over prior odds of a vs b (independent of the other sources).
double PairRatio(const AssessResponse& r, const std::string& a,
                 const std::string& b) {
  const auto* sa = Source(r, a);
  const auto* sb = Source(r, b);
  return (sa->probability() / sb->probability()) /
         (sa->prior_probability() / sb->prior_probability());
}

// The ratio applied to `a` against all other sources together.
double OneVsRestRatio(const AssessResponse& r, const std::string& a) {
  const auto* s = Source(r, a);
  return Odds(s->probability()) / Odds(s->prior_probability());
}

AssessRequest LateralPain() {
  AssessRequest r;
  AddBool(r, "lateral_hip_pain", true);
  return r;
}

// Kinsella et al. 2024 JOSPT 54(1): in lateral hip pain the pre-test
// probability of GTPS is 59%; greater-trochanter palpation then resisted
// abduction, both positive -> 96%, both negative -> 14%. Tolerance 4
// percentage points (the model's palpation row is derived from this same
// pathway after dividing out Reiman's resisted-abduction ratios, so it
// should land close, not exactly).
TEST(CalibrationTest, Kinsella2024PalpationThenResistedAbduction) {
  AssessRequest both_positive = LateralPain(), both_negative = LateralPain();
  AddBool(both_positive, "greater_trochanter_tenderness", true);
  AddBool(both_positive, "resisted_abduction_pain", true);
  AddBool(both_negative, "greater_trochanter_tenderness", false);
  AddBool(both_negative, "resisted_abduction_pain", false);
  const AssessResponse none = Assess(LateralPain());
  EXPECT_NEAR(Source(none, "gluteal_tendinopathy")->probability(), 0.59, 1e-9);
  EXPECT_NEAR(
      Source(Assess(both_positive), "gluteal_tendinopathy")->probability(),
      0.96, 0.04);
  EXPECT_NEAR(
      Source(Assess(both_negative), "gluteal_tendinopathy")->probability(),
      0.14, 0.04);
}

// Grimaldi et al. 2017 BJSM 51:519-524: pain within 30 s of single-leg
// stance, LR+ 12.2 / LR- 0.62 against MRI in lateral hip pain. The negative
// result reproduces within 10%. The positive ratio is lower on purpose: the
// study saw almost no false positives, and the knowledge base floors the
// other sources' rates at 5% (expert opinion, stated in the row) rather
// than trust a near-zero rate from 65 people, so the one-vs-rest LR+ must
// lie between 5 and the published 12.2, never above it.
TEST(CalibrationTest, Grimaldi2017SingleLegStance) {
  AssessRequest positive = LateralPain(), negative = LateralPain();
  AddBool(positive, "single_leg_stance_30s_pain", true);
  AddBool(negative, "single_leg_stance_30s_pain", false);
  EXPECT_NEAR(OneVsRestRatio(Assess(negative), "gluteal_tendinopathy"), 0.62,
              0.1 * 0.62);
  const double lr_positive =
      OneVsRestRatio(Assess(positive), "gluteal_tendinopathy");
  EXPECT_GE(lr_positive, 5.0);
  EXPECT_LE(lr_positive, 12.2);
}

// Laslett et al. 2005 Man Ther 10(3):207-218: >= 3 of 6 SIJ provocation
// tests, LR+ 4.27 and fewer LR- 0.08 against intra-articular block, in
// patients with buttock and low back pain (SIJ against lumbar). Tolerance
// 1%, and 0.01 absolute for the negative.
TEST(CalibrationTest, Laslett2005SijCluster) {
  for (double count : {3.0, 4.0, 6.0}) {
    AssessRequest r;
    AddNumber(r, "sij_provocation_positive_count", count);
    EXPECT_NEAR(PairRatio(Assess(r), "sij_referral", "lumbar_referral"), 4.27,
                0.01 * 4.27)
        << count;
  }
  for (double count : {0.0, 1.0, 2.0}) {
    AssessRequest r;
    AddNumber(r, "sij_provocation_positive_count", count);
    EXPECT_NEAR(PairRatio(Assess(r), "sij_referral", "lumbar_referral"), 0.08,
                0.01)
        << count;
  }
}

// Altman et al. 1991 ACR clinical criteria for hip osteoarthritis: cluster
// LR+ 3.4, LR- 0.19 (hip OA against other hip pain). The correlated
// ingredients (internal rotation, flexion, morning stiffness) share an
// evidence group and must combine to about the cluster's ratio, not
// multiply as if independent. Tolerance: within a factor of two, because
// the rows come from several studies (Altman, Birrell, Sutlive) whose
// reference groups differ.
TEST(CalibrationTest, Altman1991AcrHipOsteoarthritisCluster) {
  AssessRequest positive;
  AddBool(positive, "hip_internal_rotation_restricted", true);
  AddBool(positive, "hip_flexion_restricted", true);
  AddNumber(positive, "morning_stiffness_minutes", 30);
  const double lr_positive =
      OneVsRestRatio(Assess(positive), "hip_joint_referral");
  EXPECT_GE(lr_positive, 3.4 / 2);
  EXPECT_LE(lr_positive, 3.4 * 2);

  AssessRequest negative;
  AddBool(negative, "hip_internal_rotation_restricted", false);
  AddBool(negative, "hip_flexion_restricted", false);
  const double lr_negative =
      OneVsRestRatio(Assess(negative), "hip_joint_referral");
  EXPECT_GE(lr_negative, 0.19 / 2);
  EXPECT_LE(lr_negative, 0.19 * 2);
}

}  // namespace
}  // namespace medius::testing
