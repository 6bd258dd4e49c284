// The spliced wire form (evidence_wire.h, spliced_wire.h) against the
// complete message, on the small test knowledge base with and without its
// primary-source model. The shipped knowledge base is checked the same way
// over twenty thousand requests by bench/response_digest (ctest
// response_digest_spliced).
#include "engine/spliced_wire.h"

#include <memory>
#include <string>

#include "engine/engine.h"
#include "engine/evidence_wire.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "testing/test_kb.h"

namespace medius::engine {
namespace {

using medius::v1::AssessRequest;
using medius::v1::AssessResponse;
using ::testing::HasSubstr;

AssessRequest Request() {
  AssessRequest r;
  r.set_encounter_id("enc-1");
  r.mutable_patient()->set_age_years(58);
  for (const char* code : {"tender", "sls", "fever", "hot"}) {
    auto* f = r.add_findings();
    f->set_code(code);
    f->set_present(std::string(code) == "tender" || std::string(code) == "sls");
  }
  auto* f = r.add_findings();
  f->set_code("count");
  f->set_number(1);
  return r;
}

int CountEvidence(const AssessResponse& r) {
  int n = 0;
  for (const auto& d : r.differential()) n += d.evidence_size();
  for (const auto& s : r.primary_source().sources()) n += s.evidence_size();
  for (const auto& q : r.primary_source().qualifiers()) n += q.evidence_size();
  for (const auto& c : r.primary_source().contributors()) {
    n += c.evidence_size();
  }
  return n;
}

class SplicedWireTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    medius::v1::KnowledgeBase kb = medius::testing::SmallKb();
    if (!GetParam()) kb.clear_primary_source_model();
    auto engine = Engine::Create(kb);
    ASSERT_TRUE(engine.ok()) << engine.status();
    engine_ = std::move(*engine);
  }
  std::unique_ptr<const Engine> engine_;
};

TEST_P(SplicedWireTest, ParsesToTheCompleteMessage) {
  auto complete = engine_->Assess(Request());
  ASSERT_TRUE(complete.ok()) << complete.status();
  ASSERT_GT(CountEvidence(*complete), 0);
  auto spliced = engine_->Assess(Request(), nullptr, {.spliced = true});
  ASSERT_TRUE(spliced.ok());
  // The message itself lacks the static text: that is the point.
  EXPECT_FALSE(
      google::protobuf::util::MessageDifferencer::Equals(*complete, *spliced));
  auto bytes = engine_->SerializeSpliced(*spliced);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  AssessResponse parsed;
  ASSERT_TRUE(parsed.ParseFromString(*bytes));
  EXPECT_TRUE(
      google::protobuf::util::MessageDifferencer::Equals(parsed, *complete))
      << parsed.DebugString();
  EXPECT_EQ(bytes->size(), complete->ByteSizeLong());
  // Every cited reference is listed although the spliced message's
  // evidence had no citations in it.
  EXPECT_EQ(spliced->cited_references_size(),
            complete->cited_references_size());
}

TEST_P(SplicedWireTest, EveryEvidenceIsMarkedAndItsTextLeftOut) {
  auto spliced = engine_->Assess(Request(), nullptr, {.spliced = true});
  ASSERT_TRUE(spliced.ok());
  for (const auto& d : spliced->differential()) {
    for (const auto& e : d.evidence()) {
      EXPECT_GE(SplicedWireMarker(e).wire, 0) << e.DebugString();
      EXPECT_TRUE(e.source().empty());
      EXPECT_TRUE(e.display_name().empty());
    }
  }
}

TEST_P(SplicedWireTest, AnUnknownMarkerFailsTheCallInsteadOfDroppingText) {
  auto spliced = engine_->Assess(Request(), nullptr, {.spliced = true});
  ASSERT_TRUE(spliced.ok());
  ASSERT_GT(spliced->differential_size(), 0);
  medius::v1::Evidence* e = nullptr;
  for (auto& d : *spliced->mutable_differential()) {
    if (d.evidence_size() > 0) e = d.mutable_evidence(0);
  }
  ASSERT_NE(e, nullptr);
  MutableUnknownFields(*e)->Clear();
  MutableUnknownFields(*e)->AddVarint(kEvidenceWireField, 1u << 30);
  auto bytes = engine_->SerializeSpliced(*spliced);
  EXPECT_EQ(bytes.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(bytes.status().message(), HasSubstr("marker"));
}

TEST_P(SplicedWireTest, TheCompleteMessageSerializesUnchanged) {
  // Unmarked evidence (the complete form) passes through as it is.
  auto complete = engine_->Assess(Request());
  ASSERT_TRUE(complete.ok());
  AssessResponse copy = *complete;
  auto bytes = engine_->SerializeSpliced(copy);
  ASSERT_TRUE(bytes.ok());
  AssessResponse parsed;
  ASSERT_TRUE(parsed.ParseFromString(*bytes));
  EXPECT_TRUE(
      google::protobuf::util::MessageDifferencer::Equals(parsed, *complete));
}

TEST_P(SplicedWireTest, BasicKeepsTheSourceOfEvidenceCitingNoReference) {
  // The test knowledge base cites by citation strings, not references: in
  // BASIC that text is the evidence's only provenance, so it stays.
  AssessRequest r = Request();
  r.set_view(medius::v1::ASSESS_VIEW_BASIC);
  auto basic = engine_->Assess(r);
  ASSERT_TRUE(basic.ok());
  int checked = 0;
  for (const auto& d : basic->differential()) {
    EXPECT_TRUE(d.display_name().empty());
    for (const auto& e : d.evidence()) {
      ASSERT_EQ(e.citations_size(), 0);
      EXPECT_FALSE(e.source().empty()) << e.finding_code();
      EXPECT_TRUE(e.display_name().empty());
      ++checked;
    }
  }
  EXPECT_GT(checked, 0);
}

INSTANTIATE_TEST_SUITE_P(WithAndWithoutPrimaryModel, SplicedWireTest,
                         ::testing::Bool());

}  // namespace
}  // namespace medius::engine
