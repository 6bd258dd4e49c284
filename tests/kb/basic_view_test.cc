// ASSESS_VIEW_BASIC on the shipped knowledge base: the answer keeps every
// clinical decision of the full one (red flags, disposition, notes,
// probabilities, the prescribed exercises and their dosage), leaves out the
// catalog text, and everything it refers to by code can be rendered from
// GetKnowledgeBase. (bench/response_digest, ctest response_digest_spliced,
// checks over twenty thousand requests that BASIC is exactly the full
// answer with the "not in BASIC" fields cleared.)
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "clinical/clinical_case.pb.h"
#include "engine/engine.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "kb/loader.h"

namespace {

using google::protobuf::util::MessageDifferencer;
using medius::v1::AssessRequest;
using medius::v1::AssessResponse;

class BasicViewTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto kb = medius::kb::LoadKnowledgeBase(MEDIUS_KB_DIR);
    ASSERT_TRUE(kb.ok()) << kb.status();
    auto engine = medius::engine::Engine::Create(*std::move(kb));
    ASSERT_TRUE(engine.ok()) << engine.status();
    engine_ = std::move(*engine).release();
  }
  static void TearDownTestSuite() { delete engine_; }

  // The demo request (examples/*.json) and every clinical case's
  // (tests/cases: red flags, withheld protocols, each pain source).
  static std::vector<AssessRequest> Examples() {
    std::vector<AssessRequest> out;
    for (const auto& entry :
         std::filesystem::directory_iterator(MEDIUS_CASES_DIR)) {
      if (entry.path().extension() != ".textproto") continue;
      std::ifstream in(entry.path());
      std::stringstream text;
      text << in.rdbuf();
      medius::testing::ClinicalCase c;
      EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text.str(), &c))
          << entry.path();
      out.push_back(c.request());
    }
    for (const auto& entry :
         std::filesystem::directory_iterator(MEDIUS_EXAMPLES_DIR)) {
      if (entry.path().extension() != ".json") continue;
      std::ifstream in(entry.path());
      std::stringstream text;
      text << in.rdbuf();
      AssessRequest r;
      EXPECT_TRUE(
          google::protobuf::util::JsonStringToMessage(text.str(), &r).ok())
          << entry.path();
      out.push_back(r);
    }
    EXPECT_FALSE(out.empty());
    return out;
  }

  static AssessResponse Answer(AssessRequest r, medius::v1::AssessView view) {
    r.set_view(view);
    auto response = engine_->Assess(r);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *response : AssessResponse();
  }

  static const medius::engine::Engine* engine_;
};
const medius::engine::Engine* BasicViewTest::engine_ = nullptr;

TEST_F(BasicViewTest, KeepsEveryClinicalDecision) {
  for (const AssessRequest& r : Examples()) {
    const AssessResponse full = Answer(r, medius::v1::ASSESS_VIEW_FULL);
    const AssessResponse basic = Answer(r, medius::v1::ASSESS_VIEW_BASIC);
    ASSERT_EQ(basic.red_flags_size(), full.red_flags_size());
    for (int i = 0; i < full.red_flags_size(); ++i) {
      // Red flags whole: code, urgency, destination, rationale, action.
      EXPECT_TRUE(
          MessageDifferencer::Equals(basic.red_flags(i), full.red_flags(i)));
    }
    EXPECT_TRUE(
        MessageDifferencer::Equals(basic.disposition(), full.disposition()));
    EXPECT_THAT(basic.notes(), ::testing::ElementsAreArray(full.notes()));
    ASSERT_EQ(basic.differential_size(), full.differential_size());
    for (int i = 0; i < full.differential_size(); ++i) {
      EXPECT_EQ(basic.differential(i).condition_code(),
                full.differential(i).condition_code());
      EXPECT_EQ(basic.differential(i).probability(),
                full.differential(i).probability());
      EXPECT_EQ(basic.differential(i).evidence_size(),
                full.differential(i).evidence_size());
    }
    const auto& bp = basic.protocol();
    const auto& fp = full.protocol();
    EXPECT_EQ(bp.status(), fp.status());
    EXPECT_EQ(bp.reason(), fp.reason());
    EXPECT_EQ(bp.protocol_code(), fp.protocol_code());
    EXPECT_EQ(bp.start_phase(), fp.start_phase());
    EXPECT_THAT(bp.advice(), ::testing::ElementsAreArray(fp.advice()));
    ASSERT_EQ(bp.phases_size(), fp.phases_size());
    for (int p = 0; p < fp.phases_size(); ++p) {
      ASSERT_EQ(bp.phases(p).exercises_size(), fp.phases(p).exercises_size());
      for (int x = 0; x < fp.phases(p).exercises_size(); ++x) {
        EXPECT_EQ(bp.phases(p).exercises(x).exercise_code(),
                  fp.phases(p).exercises(x).exercise_code());
        EXPECT_TRUE(
            MessageDifferencer::Equals(bp.phases(p).exercises(x).dosage(),
                                       fp.phases(p).exercises(x).dosage()));
      }
    }
    // The point of it: most of the bytes are catalog text.
    EXPECT_LT(basic.ByteSizeLong() * 3, full.ByteSizeLong());
  }
}

TEST_F(BasicViewTest, LeavesOutTheCatalogText) {
  for (const AssessRequest& r : Examples()) {
    const AssessResponse basic = Answer(r, medius::v1::ASSESS_VIEW_BASIC);
    for (const auto& d : basic.differential()) {
      EXPECT_TRUE(d.display_name().empty());
      for (const auto& e : d.evidence()) {
        EXPECT_FALSE(e.finding_code().empty());
        if (e.citations_size() > 0) {
          EXPECT_TRUE(e.source().empty()) << e.finding_code();
        }
        EXPECT_TRUE(e.display_name().empty());
        for (const auto& c : e.citations()) {
          EXPECT_FALSE(c.reference_id().empty());
          EXPECT_TRUE(c.design().empty() && c.evidence_level().empty());
        }
      }
    }
    for (const auto& s : basic.primary_source().sources()) {
      EXPECT_TRUE(s.display_name().empty());
      for (const auto& e : s.evidence()) EXPECT_TRUE(e.source().empty());
    }
    for (const auto& t : basic.next_tests()) {
      EXPECT_FALSE(t.finding_code().empty());
      EXPECT_TRUE(t.display_name().empty() && t.how_to().empty());
    }
    for (const auto& phase : basic.protocol().phases()) {
      EXPECT_TRUE(phase.name().empty() && phase.goal().empty());
      for (const auto& x : phase.exercises()) {
        EXPECT_TRUE(x.display_name().empty() && x.instructions().empty());
      }
    }
    for (const auto& c : basic.cited_references())
      EXPECT_TRUE(c.text().empty());
  }
}

// Rule 3 (every figure traceable to its source) holds in BASIC too: each
// likelihood ratio and prior keeps a reference id or its source text.
TEST_F(BasicViewTest, NeverLosesWhereAFigureComesFrom) {
  int evidence = 0;
  auto check = [&](const medius::v1::Evidence& e, const std::string& where) {
    ++evidence;
    EXPECT_TRUE(e.citations_size() > 0 || !e.source().empty())
        << where << " " << e.finding_code();
  };
  for (const AssessRequest& r : Examples()) {
    const AssessResponse full = Answer(r, medius::v1::ASSESS_VIEW_FULL);
    const AssessResponse basic = Answer(r, medius::v1::ASSESS_VIEW_BASIC);
    for (int i = 0; i < basic.differential_size(); ++i) {
      const auto& d = basic.differential(i);
      EXPECT_EQ(d.prior_source(), full.differential(i).prior_source());
      EXPECT_FALSE(d.prior_source().empty()) << d.condition_code();
      for (const auto& e : d.evidence()) check(e, d.condition_code());
    }
    const auto& p = basic.primary_source();
    EXPECT_EQ(p.prior_source(), full.primary_source().prior_source());
    for (const auto& s : p.sources()) {
      for (const auto& e : s.evidence()) check(e, s.condition_code());
    }
    for (const auto& q : p.qualifiers()) {
      for (const auto& e : q.evidence()) check(e, q.condition_code());
    }
  }
  EXPECT_GT(evidence, 0);
  // (Evidence citing no reference keeps its text: spliced_wire_test, on a
  // knowledge base whose sources are citation strings.)
}

TEST_F(BasicViewTest, EverythingItNamesIsInGetKnowledgeBase) {
  const medius::v1::KnowledgeBaseInfo& info = engine_->info();
  absl::flat_hash_set<std::string> findings, conditions, exercises, refs;
  absl::flat_hash_map<std::string, int> protocol_phases;
  for (const auto& f : info.findings()) findings.insert(f.code());
  for (const auto& c : info.conditions()) conditions.insert(c.code());
  for (const auto& e : info.exercises()) exercises.insert(e.code());
  for (const auto& r : info.references()) {
    EXPECT_FALSE(r.text().empty()) << r.reference_id();
    refs.insert(r.reference_id());
  }
  for (const auto& p : info.protocols()) {
    EXPECT_FALSE(p.display_name().empty());
    EXPECT_FALSE(p.source().empty()) << p.protocol_code();
    for (const auto& phase : p.phases()) {
      EXPECT_FALSE(phase.name().empty());
      for (const auto& x : phase.exercises()) {
        EXPECT_TRUE(x.has_dosage()) << x.exercise_code();
        EXPECT_FALSE(x.dosage_source().empty()) << x.exercise_code();
      }
    }
    protocol_phases[p.protocol_code()] = p.phases_size();
  }
  ASSERT_FALSE(info.protocols().empty());
  int protocols_seen = 0;
  for (const AssessRequest& r : Examples()) {
    const AssessResponse basic = Answer(r, medius::v1::ASSESS_VIEW_BASIC);
    for (const auto& d : basic.differential()) {
      EXPECT_TRUE(conditions.contains(d.condition_code()));
      for (const auto& e : d.evidence()) {
        EXPECT_TRUE(findings.contains(e.finding_code())) << e.finding_code();
        for (const auto& c : e.citations()) {
          EXPECT_TRUE(refs.contains(c.reference_id())) << c.reference_id();
        }
      }
    }
    for (const auto& c : basic.cited_references()) {
      EXPECT_TRUE(refs.contains(c.reference_id())) << c.reference_id();
    }
    for (const auto& t : basic.next_tests()) {
      EXPECT_TRUE(findings.contains(t.finding_code()));
    }
    const auto& protocol = basic.protocol();
    if (protocol.protocol_code().empty()) continue;
    ++protocols_seen;
    ASSERT_TRUE(protocol_phases.contains(protocol.protocol_code()));
    EXPECT_EQ(protocol.phases_size(),
              protocol_phases[protocol.protocol_code()]);
    for (const auto& phase : protocol.phases()) {
      for (const auto& x : phase.exercises()) {
        EXPECT_TRUE(exercises.contains(x.exercise_code()));
      }
    }
  }
  EXPECT_GT(protocols_seen, 0);
}

TEST_F(BasicViewTest, AnUnknownViewGetsTheFullAnswer) {
  const AssessRequest r = Examples().front();
  AssessResponse full = Answer(r, medius::v1::ASSESS_VIEW_FULL);
  AssessResponse unknown = Answer(r, static_cast<medius::v1::AssessView>(42));
  AssessResponse unset = Answer(r, medius::v1::ASSESS_VIEW_UNSPECIFIED);
  EXPECT_TRUE(MessageDifferencer::Equals(unknown, full));
  EXPECT_TRUE(MessageDifferencer::Equals(unset, full));
}

}  // namespace
