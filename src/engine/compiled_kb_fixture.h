// Test fixture (tests only): the inline test knowledge base compiled, and a
// blank set of observations to fill in with Set().
#ifndef MEDIUS_ENGINE_COMPILED_KB_FIXTURE_H_
#define MEDIUS_ENGINE_COMPILED_KB_FIXTURE_H_

#include <memory>
#include <string>
#include <utility>

#include "engine/compiled_kb.h"
#include "gtest/gtest.h"
#include "testing/test_kb.h"

namespace medius::engine {

class CompiledKbTest : public ::testing::Test {
 protected:
  void SetUp() override { Recompile(medius::testing::SmallKb()); }

  void Recompile(medius::v1::KnowledgeBase kb) {
    auto compiled = Compile(std::move(kb));
    ASSERT_TRUE(compiled.ok()) << compiled.status();
    kb_ = std::move(*compiled);
    obs_.assign(kb_->kb.findings_size(), Observation{});
  }

  void Set(const std::string& code, Observed state, double number = 0) {
    obs_[kb_->finding_index.at(code)] = {state, number};
  }

  std::unique_ptr<const CompiledKb> kb_;
  Observations obs_;
};

}  // namespace medius::engine

#endif  // MEDIUS_ENGINE_COMPILED_KB_FIXTURE_H_
