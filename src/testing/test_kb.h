// A small, valid knowledge base for unit tests, written inline so that
// clinical edits to the shipped knowledge/ never break engine or validator
// tests. Numbers here are test fixtures, not clinical claims.
//
// Example:
//   medius::v1::KnowledgeBase kb = medius::testing::SmallKb();
//   kb.mutable_conditions(0)->set_prior(0.5);
#ifndef MEDIUS_TESTING_TEST_KB_H_
#define MEDIUS_TESTING_TEST_KB_H_

#include <string>

#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "medius/v1/knowledge_base.pb.h"

namespace medius::testing {

inline constexpr char kSmallKbText[] = R"pb(
  version { version: "1.2.3" date: "2026-11-21" description: "test" }
  settings {
    protocol_min_probability: 0.5
    contraindication_min_probability: 0.3
    min_findings_for_confidence: 3
    next_tests_count: 2
    separation_margin: 0.1
    refinement_min_probability: 0.5
    core_screening_findings: "fever"
    core_screening_findings: "hot"
    high_irritability { number { finding_code: "nrs" at_least: 7 } }
    low_irritability { number { finding_code: "nrs" below: 4 } }
    source { expert_opinion: true note: "test fixture" }
    interim_advice: "Relative rest."
    interim_source { expert_opinion: true note: "test fixture" }
  }
  findings {
    code: "tender"
    display_name: "Tender"
    description: "Press."
    value_type: VALUE_TYPE_BOOL
    section: FINDING_SECTION_EXAMINATION
  }
  findings {
    code: "lying"
    display_name: "Lying"
    description: "Ask."
    value_type: VALUE_TYPE_BOOL
    section: FINDING_SECTION_HISTORY
  }
  findings {
    code: "sls"
    display_name: "SLS"
    description: "Stand."
    value_type: VALUE_TYPE_BOOL
    section: FINDING_SECTION_EXAMINATION
  }
  findings {
    code: "count"
    display_name: "Count"
    description: "Count."
    value_type: VALUE_TYPE_NUMBER
    section: FINDING_SECTION_EXAMINATION
    unit: "tests"
    min_value: 0
    max_value: 6
  }
  findings {
    code: "fever"
    display_name: "Fever"
    description: "Ask."
    value_type: VALUE_TYPE_BOOL
    section: FINDING_SECTION_RED_FLAG_SCREEN
  }
  findings {
    code: "hot"
    display_name: "Hot hip"
    description: "Look."
    value_type: VALUE_TYPE_BOOL
    section: FINDING_SECTION_RED_FLAG_SCREEN
  }
  findings {
    code: "age_years"
    display_name: "Age"
    description: "Record."
    value_type: VALUE_TYPE_NUMBER
    section: FINDING_SECTION_HISTORY
    unit: "years"
    min_value: 0
    max_value: 120
    patient_context: PATIENT_CONTEXT_AGE_YEARS
  }
  findings {
    code: "sex_female"
    display_name: "Female"
    description: "Record."
    value_type: VALUE_TYPE_BOOL
    section: FINDING_SECTION_HISTORY
    patient_context: PATIENT_CONTEXT_FEMALE
  }
  findings {
    code: "nrs"
    display_name: "Pain NRS"
    description: "Ask."
    value_type: VALUE_TYPE_NUMBER
    section: FINDING_SECTION_HISTORY
    unit: "0-10"
    min_value: 0
    max_value: 10
  }
  evidence_groups {
    id: "local"
    display_name: "Local signs"
    combination: GROUP_COMBINATION_STRONGEST
    source { expert_opinion: true note: "correlated" }
  }
  conditions {
    code: "tendon"
    display_name: "Tendon"
    category: CONDITION_CATEGORY_TENDINOPATHY
    prior: 0.5
    prior_source { citation: "Prior 2020" }
    likelihood_ratios {
      finding_code: "tender"
      positive: 3
      negative: 0.25
      group: "local"
      source { citation: "A 2001" }
    }
    likelihood_ratios {
      finding_code: "lying"
      positive: 2
      negative: 0.5
      group: "local"
      source { expert_opinion: true note: "x" }
    }
    likelihood_ratios {
      finding_code: "sls"
      positive: 12
      negative: 0.6
      source { citation: "B 2017" }
    }
    likelihood_ratios {
      finding_code: "sex_female"
      positive: 1.5
      negative: 0.5
      source { citation: "C 2007" }
    }
  }
  conditions {
    code: "joint"
    display_name: "Joint"
    category: CONDITION_CATEGORY_REFERRED_PAIN
    prior: 0.2
    prior_source { expert_opinion: true note: "guess" }
    likelihood_ratios {
      finding_code: "count"
      bands { max: 3 ratio: 0.1 label: "0-2" }
      bands { min: 3 ratio: 4 label: ">= 3" }
      source { citation: "D 2005" }
    }
    likelihood_ratios {
      finding_code: "tender"
      positive: 0.5
      source { citation: "E 2010" }
    }
    likelihood_ratios {
      finding_code: "age_years"
      bands { min: 50 ratio: 2 label: "over 50" }
      source { citation: "F 1991" }
    }
  }
  red_flags {
    code: "infection"
    display_name: "Infection"
    triggers {
      id: "infection.fever_and_hot"
      tier: RED_FLAG_TIER_ESCALATION
      when {
        all_of {
          criteria { present: "fever" }
          criteria { present: "hot" }
        }
      }
      urgency: URGENCY_EMERGENCY
      refer_to: REFERRAL_DESTINATION_EMERGENCY_DEPARTMENT
      action: "Go to ED."
      rationale: "Septic joint."
      source { citation: "G 2020" }
    }
    triggers {
      id: "infection.hot"
      tier: RED_FLAG_TIER_SCREEN
      when { present: "hot" }
      urgency: URGENCY_SAME_DAY
      refer_to: REFERRAL_DESTINATION_GP_SAME_DAY
      action: "See GP today."
      rationale: "Hot joint."
      source { citation: "G 2020" }
    }
  }
  primary_source_model {
    sources: "tendon"
    sources: "joint"
    priors {
      presentation: "painful_lying"
      when { present: "lying" }
      prior: 0.8
      prior: 0.2
      source { citation: "P 2024" }
    }
    priors {
      presentation: "unspecified"
      prior: 0.6
      prior: 0.4
      source { citation: "P 2024" }
    }
    rows {
      finding_code: "tender"
      p_present: 0.8
      p_present: 0.2
      group: "local"
      source { citation: "A 2001" }
    }
    rows {
      finding_code: "sls"
      p_present: 0.4
      p_present: 0.05
      source { citation: "B 2017" }
    }
    rows {
      finding_code: "count"
      bands { max: 3 p: 0.9 p: 0.3 label: "0-2" }
      bands { min: 3 p: 0.1 p: 0.7 label: ">= 3" }
      source { citation: "D 2005" }
    }
    rows {
      finding_code: "sex_female"
      p_present: 0.8
      p_present: 0.5
      source { citation: "C 2007" }
    }
    neutral_findings: "lying"
    neutral_findings: "fever"
    neutral_findings: "hot"
    neutral_findings: "age_years"
    neutral_findings: "nrs"
    neutral_source { expert_opinion: true note: "test fixture" }
    discriminating_ratio: 2
    min_discriminating_findings: 2
    min_leading_probability: 0.5
    confidence_source { expert_opinion: true note: "test fixture" }
  }
  exercises {
    code: "bridge"
    display_name: "Bridge"
    instructions: "Lift."
    dosage {
      reps { min: 10 max: 10 }
      sets { min: 1 max: 2 }
      frequency: "daily"
    }
    dosage_source { citation: "LEAP 2016" }
    suits: "tendon"
  }
  exercises {
    code: "stretch"
    display_name: "Stretch"
    instructions: "Pull."
    dosage {
      hold_seconds { min: 30 max: 30 }
      frequency: "daily"
    }
    dosage_source { citation: "H 2019" }
    contraindications {
      condition_code: "tendon"
      reason: "compresses"
      source { citation: "I 2020" }
    }
  }
  protocols {
    code: "tendon_rehab"
    display_name: "Tendon rehab"
    for_conditions: "tendon"
    summary: "Load."
    source { citation: "LEAP 2016" }
    phases {
      name: "Isometric"
      goal: "Settle"
      exercises { exercise_code: "bridge" }
    }
    phases { name: "Loading" goal: "Strengthen" }
    advice: "Avoid crossing legs."
    low_irritability_start_phase: 1
    review: "Review at 2 weeks."
    escalation: "Imaging if no better at 12 weeks."
  }
  advice_rules {
    id: "lying_advice"
    when { present: "lying" }
    for_conditions: "tendon"
    advice: "Pillow between the knees."
    source { citation: "J 2015" }
  }
  targeted_exercises {
    id: "control"
    when { present: "sls" }
    exercise_codes: "bridge"
    exercise_codes: "stretch"
    reason: "Pelvic control."
    source { citation: "K 2009" }
  }
  protocols {
    code: "joint_rehab"
    display_name: "Joint rehab"
    for_conditions: "joint"
    summary: "Treat the joint."
    source { citation: "ACR 2019" }
    phases {
      name: "Mobility"
      exercises { exercise_code: "bridge" }
      exercises {
        exercise_code: "stretch"
        dosage {
          hold_seconds { min: 20 max: 20 }
          frequency: "twice daily"
        }
        dosage_source { expert_opinion: true note: "shorter hold" }
      }
    }
  }
)pb";

inline medius::v1::KnowledgeBase SmallKb() {
  medius::v1::KnowledgeBase kb;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(kSmallKbText, &kb));
  return kb;
}

// Adds a "tear" condition (refines "tendon"; sls LR+ 3) and makes it a
// qualifier of the "tendon" primary source with P(tear | tendon) =
// `prior_given_source`.
inline void AddTearQualifier(medius::v1::KnowledgeBase& kb,
                             double prior_given_source) {
  auto* tear = kb.add_conditions();
  tear->set_code("tear");
  tear->set_display_name("Tear");
  tear->set_category(medius::v1::CONDITION_CATEGORY_TEAR);
  tear->set_refines("tendon");
  tear->set_prior(0.1);
  tear->mutable_prior_source()->set_citation("Q 2019");
  auto* lr = tear->add_likelihood_ratios();
  lr->set_finding_code("sls");
  lr->set_positive(3);
  lr->mutable_source()->set_citation("Q 2019");
  auto* q = kb.mutable_primary_source_model()->add_qualifiers();
  q->set_condition_code("tear");
  q->set_of_source("tendon");
  q->set_prior(prior_given_source);
  q->mutable_prior_source()->set_citation("Q 2019");
}

}  // namespace medius::testing

#endif  // MEDIUS_TESTING_TEST_KB_H_
