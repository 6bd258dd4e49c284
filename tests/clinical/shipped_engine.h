// The engine built from the shipped knowledge base, once per test binary
// (tests only), and small request-building helpers.
#ifndef MEDIUS_TESTS_CLINICAL_SHIPPED_ENGINE_H_
#define MEDIUS_TESTS_CLINICAL_SHIPPED_ENGINE_H_

#include <string>

#include "engine/engine.h"
#include "gtest/gtest.h"
#include "kb/loader.h"

namespace medius::testing {

inline const medius::v1::KnowledgeBase& ShippedKb() {
  static const medius::v1::KnowledgeBase* kb = [] {
    auto loaded = kb::LoadKnowledgeBase(MEDIUS_KB_DIR);
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    return new medius::v1::KnowledgeBase(
        loaded.ok() ? *loaded : medius::v1::KnowledgeBase());
  }();
  return *kb;
}

inline const engine::Engine& ShippedEngine() {
  static const engine::Engine* engine = [] {
    auto created = engine::Engine::Create(ShippedKb());
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? created->release() : nullptr;
  }();
  return *engine;
}

inline void AddBool(medius::v1::AssessRequest& r, const std::string& code,
                    bool present) {
  auto* f = r.add_findings();
  f->set_code(code);
  f->set_present(present);
}

inline void AddNumber(medius::v1::AssessRequest& r, const std::string& code,
                      double number) {
  auto* f = r.add_findings();
  f->set_code(code);
  f->set_number(number);
}

// The probability of `condition` in the response (-1 if absent).
inline double ProbabilityOf(const medius::v1::AssessResponse& response,
                            const std::string& condition) {
  for (const auto& d : response.differential()) {
    if (d.condition_code() == condition) return d.probability();
  }
  return -1;
}

inline double PriorOf(const std::string& condition) {
  for (const auto& c : ShippedKb().conditions()) {
    if (c.code() == condition) return c.prior();
  }
  return -1;
}

inline double Odds(double p) { return p / (1 - p); }
inline double FromOdds(double odds) { return odds / (1 + odds); }

}  // namespace medius::testing

#endif  // MEDIUS_TESTS_CLINICAL_SHIPPED_ENGINE_H_
