// Knowledge-base loader: reads the text-format files of a knowledge-base
// directory, merges them into one KnowledgeBase, validates it, and reports
// every problem with file:line:col.
//
// Example:
//   absl::StatusOr<medius::v1::KnowledgeBase> kb =
//       medius::kb::LoadKnowledgeBase("knowledge");
//   if (!kb.ok()) { std::cerr << kb.status().message(); return 1; }
//
// Thread-safety: all functions are re-entrant.
#ifndef MEDIUS_KB_LOADER_H_
#define MEDIUS_KB_LOADER_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "kb/source_map.h"
#include "medius/v1/knowledge_base.pb.h"

namespace medius::kb {

// One knowledge-base file: its path (as reported in messages) and contents.
struct SourceFile {
  std::string path;
  std::string text;
};

struct ParsedKnowledgeBase {
  medius::v1::KnowledgeBase kb;
  SourceMap sources;
};

// Parses and merges `files` in order. Each must start with the
// "# proto-file:" / "# proto-message:" header naming the schema. Returns
// INVALID_ARGUMENT listing every syntax problem of every file, one per line,
// as "path:line:col: message". Does not validate content.
absl::StatusOr<ParsedKnowledgeBase> ParseFiles(
    const std::vector<SourceFile>& files);

// Reads every *.textproto file directly in `dir`, sorted by name.
// NOT_FOUND when the directory does not exist or holds no such file.
absl::StatusOr<std::vector<SourceFile>> ReadDirectory(const std::string& dir);

// "sha256:<hex>" of the manifest `LC_ALL=C sha256sum` prints for `files`
// (one "<sha256 of the file>  <file name>" line each, sorted by name).
std::string ContentDigest(const std::vector<SourceFile>& files);

struct LoadOptions {
  // Published-code contract text (see kb/published_contract.h) the
  // knowledge base must honour; empty checks none (small test bases).
  std::string_view published_codes;
};

// Parses `files` and validates the result; sets version.content_digest
// (ContentDigest of `files`), which no file may set itself. INVALID_ARGUMENT
// lists every issue, syntax or semantic, as "path:line:col: message" lines.
absl::StatusOr<medius::v1::KnowledgeBase> LoadFiles(
    const std::vector<SourceFile>& files, const LoadOptions& options = {});

// ReadDirectory + LoadFiles. The server passes the embedded published-code
// contract (EmbeddedPublishedCodes()).
absl::StatusOr<medius::v1::KnowledgeBase> LoadKnowledgeBase(
    const std::string& dir, const LoadOptions& options = {});

}  // namespace medius::kb

#endif  // MEDIUS_KB_LOADER_H_
