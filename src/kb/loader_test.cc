#include "kb/loader.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "testing/test_kb.h"

namespace medius::kb {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kHeader[] =
    "# proto-file: medius/v1/knowledge_base.proto\n"
    "# proto-message: medius.v1.KnowledgeBase\n";

// The small test knowledge base, split the way the shipped one is: one file
// per section.
std::vector<SourceFile> SplitSmallKb() {
  medius::v1::KnowledgeBase kb = medius::testing::SmallKb();
  medius::v1::KnowledgeBase findings, rest;
  *findings.mutable_findings() = kb.findings();
  rest = kb;
  rest.clear_findings();
  std::string findings_text, rest_text;
  google::protobuf::TextFormat::PrintToString(findings, &findings_text);
  google::protobuf::TextFormat::PrintToString(rest, &rest_text);
  return {{"kb/findings.textproto", kHeader + findings_text},
          {"kb/rest.textproto", kHeader + rest_text}};
}

TEST(LoaderTest, MergesFilesIntoOneValidKnowledgeBase) {
  absl::StatusOr<medius::v1::KnowledgeBase> kb = LoadFiles(SplitSmallKb());
  ASSERT_TRUE(kb.ok()) << kb.status();
  EXPECT_EQ(kb->findings_size(), medius::testing::SmallKb().findings_size());
  EXPECT_EQ(kb->version().version(), "1.2.3");
}

TEST(LoaderTest, SyntaxErrorNamesFileLineAndColumn) {
  std::vector<SourceFile> files = {
      {"kb/a.textproto",
       absl::StrCat(kHeader, "findings {\n  code: \"x\"\n  colour: 3\n}\n")}};
  absl::Status status = ParseFiles(files).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("kb/a.textproto:5:"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("colour"));
}

TEST(LoaderTest, ReportsSyntaxErrorsOfEveryFile) {
  std::vector<SourceFile> files = {
      {"kb/a.textproto", absl::StrCat(kHeader, "findings { code: }\n")},
      {"kb/b.textproto", absl::StrCat(kHeader, "conditions { prior: x }\n")}};
  std::string message(ParseFiles(files).status().message());
  EXPECT_THAT(message, HasSubstr("kb/a.textproto:3:"));
  EXPECT_THAT(message, HasSubstr("kb/b.textproto:3:"));
}

TEST(LoaderTest, MissingHeaderIsReported) {
  std::vector<SourceFile> files = {{"kb/a.textproto", "findings { }\n"}};
  std::string message(ParseFiles(files).status().message());
  EXPECT_THAT(message, HasSubstr("kb/a.textproto:1:1: first line must be"));
  EXPECT_THAT(message, HasSubstr("kb/a.textproto:2:1: second line must be"));
}

TEST(LoaderTest, VersionSetInTwoFilesIsReported) {
  std::vector<SourceFile> files = SplitSmallKb();
  files.push_back({"kb/z.textproto",
                   absl::StrCat(kHeader, "version { version: \"9.9.9\" }\n")});
  std::string message(LoadFiles(files).status().message());
  EXPECT_THAT(message,
              HasSubstr("kb/z.textproto:3:1: version is already set in "
                        "kb/rest.textproto"));
}

TEST(LoaderTest, SemanticIssueNamesTheLineOfTheOffendingField) {
  std::vector<SourceFile> files = SplitSmallKb();
  // Append a condition whose likelihood ratio names an unknown finding, on a
  // line we know.
  files[1].text +=
      "conditions {\n  code: \"extra\"\n  display_name: \"E\"\n"
      "  category: CONDITION_CATEGORY_BURSITIS\n  prior: 0.1\n"
      "  prior_source { citation: \"X\" }\n"
      "  likelihood_ratios {\n    finding_code: \"ghost\"\n"
      "    positive: 2\n    source { citation: \"Y\" }\n  }\n}\n";
  int base_lines = 0;
  for (char c : files[1].text) base_lines += c == '\n';
  int ghost_line = base_lines - 12 + 8;  // "finding_code" is the 8th new line
  absl::Status status = LoadFiles(files).status();
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(
      std::string(status.message()),
      HasSubstr(absl::StrCat("kb/rest.textproto:", ghost_line,
                             ":5: conditions[2].likelihood_ratios[0]"
                             ".finding_code: unknown finding code 'ghost'")));
}

TEST(LoaderTest, MissingDirectoryIsNotFound) {
  EXPECT_EQ(LoadKnowledgeBase("/nonexistent/medius-kb").status().code(),
            absl::StatusCode::kNotFound);
}

TEST(LoaderTest, ReadsOnlyTextprotoFilesSortedByName) {
  std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) / "medius_loader_test_dir";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::vector<SourceFile> files = SplitSmallKb();
  std::ofstream(dir / "b_rest.textproto") << files[1].text;
  std::ofstream(dir / "a_findings.textproto") << files[0].text;
  std::ofstream(dir / "README.md") << "not a knowledge-base file";
  absl::StatusOr<std::vector<SourceFile>> read = ReadDirectory(dir.string());
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->size(), 2u);
  EXPECT_THAT((*read)[0].path, HasSubstr("a_findings.textproto"));
  EXPECT_TRUE(LoadKnowledgeBase(dir.string()).ok());
  std::filesystem::remove_all(dir);
}

TEST(LoaderTest, EmptyDirectoryIsNotFound) {
  std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) / "medius_loader_empty_dir";
  std::filesystem::create_directories(dir);
  absl::Status status = LoadKnowledgeBase(dir.string()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(status.message()), Not(HasSubstr("problem")));
  std::filesystem::remove_all(dir);
}

// The digest is what coreutils prints for the directory: for files
// "a.textproto" = "a: 1\n" and "b.textproto" = "", `LC_ALL=C sha256sum
// *.textproto | sha256sum` gives 617d104a... (computed independently).
TEST(LoaderTest, ContentDigestMatchesSha256sumOfTheManifest) {
  // Order-independent: sorted by file name, directory ignored.
  EXPECT_EQ(ContentDigest({{"x/b.textproto", ""}, {"y/a.textproto", "a: 1\n"}}),
            "sha256:"
            "617d104a53adc43d59b9e9ac7a70f1250719de9a5425b7dd88167f8bbccf167d");
  absl::StatusOr<medius::v1::KnowledgeBase> kb = LoadFiles(SplitSmallKb());
  ASSERT_TRUE(kb.ok()) << kb.status();
  EXPECT_EQ(kb->version().content_digest(), ContentDigest(SplitSmallKb()));
  // One byte changed changes it.
  std::vector<SourceFile> edited = SplitSmallKb();
  edited[1].text += "\n";
  EXPECT_NE(ContentDigest(edited), kb->version().content_digest());
}

TEST(LoaderTest, AFileMayNotSetTheDigest) {
  std::vector<SourceFile> forged = SplitSmallKb();
  forged[1].text.replace(forged[1].text.find("version {"), 9,
                         "version {\n  content_digest: \"sha256:forged\"");
  absl::Status status = LoadFiles(forged).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("content_digest is computed by the loader"));
}

// A dangling symlink (or a directory) named *.textproto is refused with a
// clear message, never skipped: a missing red-flag file must not start.
TEST(LoaderTest, DanglingSymlinkOrDirectoryIsRefused) {
  std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) / "medius_loader_symlink_dir";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::vector<SourceFile> files = SplitSmallKb();
  std::ofstream(dir / "a_findings.textproto") << files[0].text;
  std::ofstream(dir / "b_rest.textproto") << files[1].text;
  std::filesystem::create_symlink(dir / "missing.textproto",
                                  dir / "red_flags.textproto");
  absl::Status status = LoadKnowledgeBase(dir.string()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("red_flags.textproto: a symlink that does not lead to "
                        "a regular file"));
  std::filesystem::remove(dir / "red_flags.textproto");
  std::filesystem::create_directories(dir / "odd.textproto");
  status = LoadKnowledgeBase(dir.string()).status();
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("odd.textproto: not a regular file"));
  std::filesystem::remove(dir / "odd.textproto");
  // A symlink to a regular file is followed (Kubernetes ConfigMap volumes).
  std::filesystem::rename(dir / "b_rest.textproto", dir / "rest.real");
  std::filesystem::create_symlink(dir / "rest.real", dir / "b_rest.textproto");
  EXPECT_TRUE(LoadKnowledgeBase(dir.string()).ok());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace medius::kb
