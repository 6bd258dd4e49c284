// Properties of the engine on the shipped knowledge base that must hold for
// every condition and every finding, whatever the numbers:
//  - a present finding with LR+ > 1 never lowers its condition's
//    probability; an absent one with LR- < 1 never raises it;
//  - a finding the knowledge base has no evidence about for a condition
//    never changes that condition; with nothing assessed, every condition
//    sits at its prior ("not assessed" is not "negative");
//  - output is identical across runs, request orders and threads.
#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "clinical/shipped_engine.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace medius::testing {
namespace {

using medius::v1::AssessRequest;

// Baselines to add a finding to: nothing assessed, and typical partial
// examinations pointing different ways.
std::vector<AssessRequest> Baselines() {
  std::vector<AssessRequest> baselines(4);
  AddBool(baselines[1], "greater_trochanter_tenderness", false);
  AddBool(baselines[1], "slr_positive", true);
  AddBool(baselines[2], "greater_trochanter_tenderness", true);
  AddBool(baselines[2], "pain_lying_on_affected_side", true);
  AddBool(baselines[2], "single_leg_stance_30s_pain", true);
  baselines[2].mutable_patient()->set_age_years(55);
  baselines[2].mutable_patient()->set_sex(medius::v1::SEX_FEMALE);
  AddBool(baselines[3], "groin_pain", true);
  AddBool(baselines[3], "hip_internal_rotation_restricted", true);
  AddBool(baselines[3], "faber_lateral_pain", false);
  AddNumber(baselines[3], "sij_provocation_positive_count", 1);
  return baselines;
}

bool Mentions(const AssessRequest& r, const std::string& code) {
  return std::any_of(r.findings().begin(), r.findings().end(),
                     [&](const auto& f) { return f.code() == code; });
}

double Probability(const AssessRequest& r, const std::string& condition) {
  auto response = ShippedEngine().Assess(r);
  EXPECT_TRUE(response.ok()) << response.status();
  return response.ok() ? ProbabilityOf(*response, condition) : -1;
}

TEST(PropertyTest, FindingsMoveTheirConditionOnlyInTheirDirection) {
  int checked = 0;
  for (const auto& condition : ShippedKb().conditions()) {
    for (const auto& lr : condition.likelihood_ratios()) {
      if (lr.bands_size() > 0) continue;  // number findings: bands
      for (const AssessRequest& base : Baselines()) {
        if (Mentions(base, lr.finding_code()) ||
            lr.finding_code() == "sex_female") {
          continue;
        }
        const double before = Probability(base, condition.code());
        if (lr.has_positive() && lr.positive() > 1) {
          AssessRequest with = base;
          AddBool(with, lr.finding_code(), true);
          EXPECT_GE(Probability(with, condition.code()), before - 1e-12)
              << condition.code() << " + " << lr.finding_code();
          ++checked;
        }
        if (lr.has_negative() && lr.negative() < 1) {
          AssessRequest with = base;
          AddBool(with, lr.finding_code(), false);
          EXPECT_LE(Probability(with, condition.code()), before + 1e-12)
              << condition.code() << " - " << lr.finding_code();
          ++checked;
        }
      }
    }
  }
  EXPECT_GT(checked, 100);
}

TEST(PropertyTest, NothingAssessedLeavesEveryConditionAtItsPrior) {
  auto response = ShippedEngine().Assess(AssessRequest());
  ASSERT_TRUE(response.ok());
  for (const auto& condition : ShippedKb().conditions()) {
    EXPECT_NEAR(ProbabilityOf(*response, condition.code()), condition.prior(),
                1e-12)
        << condition.code();
  }
}

TEST(PropertyTest, FindingWithoutEvidenceForAConditionLeavesItUnchanged) {
  int checked = 0;
  for (const auto& condition : ShippedKb().conditions()) {
    std::vector<std::string> with_evidence;
    for (const auto& lr : condition.likelihood_ratios()) {
      with_evidence.push_back(lr.finding_code());
    }
    for (const auto& finding : ShippedKb().findings()) {
      if (finding.patient_context() !=
              medius::v1::PATIENT_CONTEXT_UNSPECIFIED ||
          finding.value_type() != medius::v1::VALUE_TYPE_BOOL ||
          std::count(with_evidence.begin(), with_evidence.end(),
                     finding.code())) {
        continue;
      }
      for (const AssessRequest& base : Baselines()) {
        if (Mentions(base, finding.code())) continue;
        const double before = Probability(base, condition.code());
        for (bool present : {true, false}) {
          AssessRequest with = base;
          AddBool(with, finding.code(), present);
          EXPECT_DOUBLE_EQ(Probability(with, condition.code()), before)
              << condition.code() << " / " << finding.code();
          ++checked;
        }
      }
    }
  }
  EXPECT_GT(checked, 100);
}

TEST(PropertyTest, IdenticalAcrossRunsOrdersAndThreads) {
  std::vector<AssessRequest> requests = Baselines();
  std::vector<std::string> expected;
  for (const auto& r : requests) {
    auto response = ShippedEngine().Assess(r);
    ASSERT_TRUE(response.ok());
    expected.push_back(response->SerializeAsString());
    AssessRequest reversed = r;
    std::reverse(reversed.mutable_findings()->begin(),
                 reversed.mutable_findings()->end());
    EXPECT_EQ(ShippedEngine().Assess(reversed)->SerializeAsString(),
              expected.back());
  }
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        size_t k = (i + t) % requests.size();
        if (ShippedEngine().Assess(requests[k])->SerializeAsString() !=
            expected[k]) {
          ++mismatches[t];
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_THAT(mismatches, ::testing::Each(0));
}

}  // namespace
}  // namespace medius::testing
