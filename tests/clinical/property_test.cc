// Properties of the engine on the shipped knowledge base that must hold for
// every condition and every finding, whatever the numbers:
//  - a result never lowers the primary source in which it is most likely,
//    nor raises the one in which it is least likely;
//  - a neutral finding never changes a source; with nothing assessed,
//    every source sits at its prior ("not assessed" is not "negative");
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

// In a normalised model a finding can lower a source it is common in when
// it is commoner still in another; what must hold is that the source in
// which the result is most likely never falls and the one in which it is
// least likely never rises (its posterior over prior is its likelihood
// over the mixture, and the mixture lies between the two). Rows that share
// an evidence group with a baseline finding are skipped: adding a member can
// re-weight the others.
TEST(PropertyTest, FindingsMoveTheirSourcesOnlyInTheirDirection) {
  const auto& model = ShippedKb().primary_source_model();
  auto group_of = [&](const std::string& code) {
    for (const auto& row : model.rows()) {
      if (row.finding_code() == code) return row.group();
    }
    return std::string();
  };
  int checked = 0;
  for (const auto& row : model.rows()) {
    if (row.p_present_size() == 0 || row.finding_code() == "sex_female") {
      continue;
    }
    for (const AssessRequest& base : Baselines()) {
      bool shares_group = Mentions(base, row.finding_code());
      for (const auto& f : base.findings()) {
        shares_group = shares_group || (!row.group().empty() &&
                                        group_of(f.code()) == row.group());
      }
      if (shares_group) continue;
      for (bool present : {true, false}) {
        auto p = [&](int s) {
          return present ? row.p_present(s) : 1 - row.p_present(s);
        };
        int hi = 0, lo = 0;
        for (int s = 1; s < model.sources_size(); ++s) {
          if (p(s) > p(hi)) hi = s;
          if (p(s) < p(lo)) lo = s;
        }
        AssessRequest with = base;
        AddBool(with, row.finding_code(), present);
        EXPECT_GE(Probability(with, model.sources(hi)),
                  Probability(base, model.sources(hi)) - 1e-12)
            << model.sources(hi) << (present ? " + " : " - ")
            << row.finding_code();
        EXPECT_LE(Probability(with, model.sources(lo)),
                  Probability(base, model.sources(lo)) + 1e-12)
            << model.sources(lo) << (present ? " + " : " - ")
            << row.finding_code();
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 100);
}

// Not assessed is not negative: with nothing recorded every source sits at
// the default presentation's prior, and each qualifier at its source's
// prior times its own.
TEST(PropertyTest, NothingAssessedLeavesEverySourceAtItsPrior) {
  const auto& model = ShippedKb().primary_source_model();
  const auto& prior = model.priors(model.priors_size() - 1);
  auto response = ShippedEngine().Assess(AssessRequest());
  ASSERT_TRUE(response.ok());
  for (int s = 0; s < model.sources_size(); ++s) {
    EXPECT_NEAR(ProbabilityOf(*response, model.sources(s)), prior.prior(s),
                1e-12)
        << model.sources(s);
  }
  for (const auto& q : model.qualifiers()) {
    int s = 0;
    while (model.sources(s) != q.of_source()) ++s;
    EXPECT_NEAR(ProbabilityOf(*response, q.condition_code()),
                prior.prior(s) * q.prior(), 1e-12)
        << q.condition_code();
  }
  for (const auto& d : response->differential()) {
    EXPECT_NEAR(d.probability(), d.prior_probability(), 1e-12)
        << d.condition_code();
  }
}

// A finding the model lists as neutral never moves a source (except one
// that chooses the presentation's prior, e.g. lateral pain).
TEST(PropertyTest, NeutralFindingsLeaveEverySourceUnchanged) {
  const auto& model = ShippedKb().primary_source_model();
  int checked = 0;
  for (const std::string& code : model.neutral_findings()) {
    bool chooses_prior = false;
    for (const auto& prior : model.priors()) {
      chooses_prior = chooses_prior ||
                      prior.when().DebugString().find("\"" + code + "\"") !=
                          std::string::npos;
    }
    if (chooses_prior) continue;
    const medius::v1::FindingDefinition* finding = nullptr;
    for (const auto& f : ShippedKb().findings()) {
      if (f.code() == code) finding = &f;
    }
    ASSERT_NE(finding, nullptr) << code;
    if (finding->patient_context() != medius::v1::PATIENT_CONTEXT_UNSPECIFIED ||
        finding->value_type() != medius::v1::VALUE_TYPE_BOOL) {
      continue;
    }
    for (const AssessRequest& base : Baselines()) {
      if (Mentions(base, code)) continue;
      for (bool present : {true, false}) {
        AssessRequest with = base;
        AddBool(with, code, present);
        for (const std::string& source : model.sources()) {
          EXPECT_DOUBLE_EQ(Probability(with, source), Probability(base, source))
              << source << " / " << code;
        }
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 50);
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
