// The knowledge base we ship: loads with zero issues, builds an engine,
// defines every published code with the published type, and cites a source
// (or an expert-opinion justification) for every number.
#include <cstdio>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "engine/engine.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kb/loader.h"
#include "kb/published_contract.h"

namespace {

using medius::v1::KnowledgeBase;

KnowledgeBase Shipped() {
  absl::StatusOr<KnowledgeBase> kb =
      medius::kb::LoadKnowledgeBase(MEDIUS_KB_DIR);
  EXPECT_TRUE(kb.ok()) << kb.status();
  return kb.ok() ? *kb : KnowledgeBase();
}

bool Cited(const medius::v1::Source& s) {
  return s.expert_opinion() ? !s.note().empty()
                            : !s.citation().empty() || s.refs_size() > 0;
}

// Calls `visit` with every Source anywhere in `m` and the field path to it.
void ForEachSource(const google::protobuf::Message& m, const std::string& path,
                   const std::function<void(const medius::v1::Source&,
                                            const std::string&)>& visit) {
  if (m.GetDescriptor() == medius::v1::Source::descriptor()) {
    visit(static_cast<const medius::v1::Source&>(m), path);
    return;
  }
  const auto* reflection = m.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(m, &fields);
  for (const auto* f : fields) {
    if (f->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
      continue;
    }
    if (f->is_repeated()) {
      for (int i = 0; i < reflection->FieldSize(m, f); ++i) {
        ForEachSource(reflection->GetRepeatedMessage(m, f, i),
                      absl::StrCat(path, ".", f->name(), "[", i, "]"), visit);
      }
    } else {
      ForEachSource(reflection->GetMessage(m, f),
                    absl::StrCat(path, ".", f->name()), visit);
    }
  }
}

// The digest an auditor recomputes with coreutils alone equals the one the
// loader reports (an independent implementation of the same definition).
TEST(ShippedKnowledgeBaseTest, ContentDigestIsReproducibleWithSha256sum) {
  KnowledgeBase kb = Shipped();
  const std::string command = absl::StrCat(
      "cd '", MEDIUS_KB_DIR,
      "' && LC_ALL=C sha256sum *.textproto | sha256sum | cut -d' ' -f1");
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  char buffer[128] = {0};
  const size_t n = fread(buffer, 1, sizeof(buffer) - 1, pipe);
  pclose(pipe);
  std::string expected(buffer, n);
  while (!expected.empty() && expected.back() == '\n') expected.pop_back();
  ASSERT_EQ(expected.size(), 64u) << expected;
  EXPECT_EQ(kb.version().content_digest(), "sha256:" + expected);
}

// Issue 10: evidence groups own their members (the validator checks that
// uses and members agree once a group lists them).
TEST(ShippedKnowledgeBaseTest, EveryEvidenceGroupListsItsMembers) {
  KnowledgeBase kb = Shipped();
  ASSERT_GT(kb.evidence_groups_size(), 0);
  for (const auto& g : kb.evidence_groups()) {
    EXPECT_GT(g.members_size(), 1) << g.id();
  }
}

// Issue 10: every source is cited from the references table by id (no
// free-text citation strings, one spelling per work), every published
// figure has at least one reference, and every reference is used.
TEST(ShippedKnowledgeBaseTest, EverySourceCitesTheReferencesTableById) {
  KnowledgeBase kb = Shipped();
  std::set<std::string> used;
  int sources = 0;
  ForEachSource(
      kb, "kb", [&](const medius::v1::Source& s, const std::string& path) {
        ++sources;
        EXPECT_TRUE(s.citation().empty())
            << path << ": free-text citation \"" << s.citation() << "\"";
        EXPECT_TRUE(s.expert_opinion() || s.refs_size() > 0)
            << path << ": a published figure without a reference";
        for (const auto& u : s.refs()) used.insert(u.ref_id());
      });
  EXPECT_GT(sources, 300);
  for (const auto& r : kb.references()) {
    EXPECT_TRUE(used.count(r.id())) << r.id() << " is never cited";
    EXPECT_FALSE(r.evidence_level().empty()) << r.id();
    EXPECT_FALSE(r.design().empty()) << r.id();
  }
}

TEST(ShippedKnowledgeBaseTest, LoadsWithZeroIssuesAndBuildsAnEngine) {
  absl::StatusOr<KnowledgeBase> kb =
      medius::kb::LoadKnowledgeBase(MEDIUS_KB_DIR);
  ASSERT_TRUE(kb.ok()) << kb.status();
  auto engine = medius::engine::Engine::Create(*kb);
  ASSERT_TRUE(engine.ok()) << engine.status();
  EXPECT_FALSE((*engine)->version().empty());
}

TEST(ShippedKnowledgeBaseTest, DeclaresEverySectionRequired) {
  // A section the shipped base has but does not declare could be lost with
  // its file and the server would still start (issue 11).
  KnowledgeBase kb = Shipped();
  const auto* descriptor = kb.GetDescriptor();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const std::string name = descriptor->field(i)->name();
    if (name == "version") continue;
    EXPECT_THAT(kb.version().required_sections(), ::testing::Contains(name))
        << name;
  }
}

TEST(ShippedKnowledgeBaseTest, DefinesEveryPublishedCodeWithItsType) {
  std::ifstream in(std::string(MEDIUS_CONTRACT_DIR) + "/published_codes.txt");
  ASSERT_TRUE(in) << "published_codes.txt missing";
  std::stringstream contract;
  contract << in.rdbuf();
  EXPECT_THAT(medius::kb::CheckPublishedCodes(Shipped(), contract.str()),
              ::testing::IsEmpty());
  // The file the server embeds is the one checked here.
  EXPECT_EQ(contract.str(), medius::kb::EmbeddedPublishedCodes());
  int codes = 0;
  for (std::string line; std::getline(contract, line);) {
    codes += !line.empty() && line[0] != '#';
  }
  EXPECT_EQ(codes, 85 + 7 + 12);
}

TEST(ShippedKnowledgeBaseTest, EveryNumberCitesASourceOrExpertOpinion) {
  KnowledgeBase kb = Shipped();
  int lrs = 0;
  for (const auto& c : kb.conditions()) {
    EXPECT_TRUE(Cited(c.prior_source())) << c.code() << " prior";
    for (const auto& lr : c.likelihood_ratios()) {
      ++lrs;
      EXPECT_TRUE(Cited(lr.source())) << c.code() << " / " << lr.finding_code();
    }
  }
  EXPECT_GT(lrs, 50);
  for (const auto& e : kb.exercises()) {
    EXPECT_TRUE(Cited(e.dosage_source())) << e.code();
  }
  for (const auto& p : kb.protocols()) {
    for (const auto& phase : p.phases()) {
      for (const auto& x : phase.exercises()) {
        if (x.has_dosage()) {
          EXPECT_TRUE(Cited(x.dosage_source()))
              << p.code() << " " << x.exercise_code();
        }
      }
    }
  }
}

TEST(ShippedKnowledgeBaseTest, EveryConditionHasAProtocol) {
  KnowledgeBase kb = Shipped();
  for (const auto& c : kb.conditions()) {
    bool found = false;
    for (const auto& p : kb.protocols()) {
      for (const auto& code : p.for_conditions()) found |= code == c.code();
    }
    EXPECT_TRUE(found) << "no protocol for " << c.code();
  }
}

}  // namespace
