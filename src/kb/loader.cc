#include "kb/loader.h"

#include <openssl/sha.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "kb/published_contract.h"
#include "kb/validator.h"

namespace medius::kb {
namespace {

std::string Sha256Hex(const std::string& data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * SHA256_DIGEST_LENGTH);
  for (unsigned char b : digest) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using google::protobuf::TextFormat;

constexpr char kProtoFileHeader[] =
    "# proto-file: medius/v1/knowledge_base.proto";
constexpr char kProtoMessageHeader[] =
    "# proto-message: medius.v1.KnowledgeBase";

// Collects parser errors as "path:line:col: message" (the parser reports
// 0-based positions).
class CollectingErrors : public google::protobuf::io::ErrorCollector {
 public:
  CollectingErrors(const std::string& path, std::vector<std::string>* out)
      : path_(path), out_(out) {}
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    out_->push_back(
        absl::StrCat(path_, ":", line + 1, ":", column + 1, ": ", message));
  }

 private:
  const std::string& path_;
  std::vector<std::string>* out_;
};

// The first two lines must name the schema, so a file opened on its own
// says what it is (and a misplaced file is caught).
void CheckHeader(const SourceFile& file, std::vector<std::string>* errors) {
  std::istringstream in(file.text);
  std::string first, second;
  std::getline(in, first);
  std::getline(in, second);
  if (absl::StripAsciiWhitespace(first) != kProtoFileHeader) {
    errors->push_back(absl::StrCat(file.path, ":1:1: first line must be \"",
                                   kProtoFileHeader, "\""));
  }
  if (absl::StripAsciiWhitespace(second) != kProtoMessageHeader) {
    errors->push_back(absl::StrCat(file.path, ":2:1: second line must be \"",
                                   kProtoMessageHeader, "\""));
  }
}

SourceLocation ToLocation(const std::string& file,
                          const TextFormat::ParseLocation& loc) {
  if (loc.line < 0) return {file, 0, 0};
  return {file, loc.line + 1, loc.column + 1};
}

// Records the location of every field set in `message` under `prefix`.
// `index_offset` shifts the indexes of this (top-level) message's repeated
// fields by what earlier files already contributed.
void RecordLocations(const Message& message,
                     const TextFormat::ParseInfoTree& tree,
                     const std::string& file, const std::string& prefix,
                     const std::function<int(const FieldDescriptor*)>& offset,
                     SourceMap* sources) {
  const Descriptor* descriptor = message.GetDescriptor();
  const Reflection* reflection = message.GetReflection();
  for (int f = 0; f < descriptor->field_count(); ++f) {
    const FieldDescriptor* field = descriptor->field(f);
    std::string name = prefix.empty()
                           ? field->name()
                           : absl::StrCat(prefix, ".", field->name());
    if (field->is_repeated()) {
      int size = reflection->FieldSize(message, field);
      for (int i = 0; i < size; ++i) {
        std::string path =
            absl::StrCat(name, "[", i + (offset ? offset(field) : 0), "]");
        sources->Add(path, ToLocation(file, tree.GetLocation(field, i)));
        if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
          const TextFormat::ParseInfoTree* nested =
              tree.GetTreeForNested(field, i);
          if (nested != nullptr) {
            RecordLocations(reflection->GetRepeatedMessage(message, field, i),
                            *nested, file, path, nullptr, sources);
          }
        }
      }
    } else {
      TextFormat::ParseLocation loc = tree.GetLocation(field, -1);
      if (loc.line < 0) continue;
      sources->Add(name, ToLocation(file, loc));
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        const TextFormat::ParseInfoTree* nested =
            tree.GetTreeForNested(field, -1);
        if (nested != nullptr) {
          RecordLocations(reflection->GetMessage(message, field), *nested, file,
                          name, nullptr, sources);
        }
      }
    }
  }
}

absl::StatusOr<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read ", path.string()));
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) {
    return absl::DataLossError(absl::StrCat("error reading ", path.string()));
  }
  return contents.str();
}

}  // namespace

absl::StatusOr<ParsedKnowledgeBase> ParseFiles(
    const std::vector<SourceFile>& files) {
  ParsedKnowledgeBase result;
  std::vector<std::string> errors;
  // Which file set each singular top-level message, to catch a second one.
  absl::flat_hash_map<std::string, std::string> singular_owner;

  for (const SourceFile& file : files) {
    CheckHeader(file, &errors);
    medius::v1::KnowledgeBase part;
    TextFormat::ParseInfoTree tree;
    CollectingErrors collector(file.path, &errors);
    TextFormat::Parser parser;
    parser.RecordErrorsTo(&collector);
    parser.WriteLocationsTo(&tree);
    parser.AllowUnknownField(false);
    if (!parser.ParseFromString(file.text, &part)) continue;

    const Descriptor* descriptor = part.GetDescriptor();
    const Reflection* reflection = part.GetReflection();
    for (int f = 0; f < descriptor->field_count(); ++f) {
      const FieldDescriptor* field = descriptor->field(f);
      if (field->is_repeated() || !reflection->HasField(part, field)) continue;
      auto [it, inserted] = singular_owner.emplace(field->name(), file.path);
      if (!inserted) {
        errors.push_back(absl::StrCat(
            ToLocation(file.path, tree.GetLocation(field, -1)).ToString(), ": ",
            field->name(), " is already set in ", it->second,
            "; set it in one file only"));
      }
    }
    const medius::v1::KnowledgeBase& merged = result.kb;
    RecordLocations(
        part, tree, file.path, "",
        [&merged](const FieldDescriptor* field) {
          return merged.GetReflection()->FieldSize(merged, field);
        },
        &result.sources);
    result.kb.MergeFrom(part);
  }
  if (!errors.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("knowledge base has ", errors.size(),
                     " syntax problem(s):\n", absl::StrJoin(errors, "\n")));
  }
  return result;
}

absl::StatusOr<std::vector<SourceFile>> ReadDirectory(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return absl::NotFoundError(
        absl::StrCat("knowledge-base directory not found: ", dir));
  }
  std::vector<std::filesystem::path> paths;
  std::vector<std::string> refused;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".textproto") continue;
    // A dangling symlink, directory or device named *.textproto is an
    // error, never skipped: a silently missing section must not start
    // (a symlink to a regular file is followed, as Kubernetes ConfigMap
    // volumes present their files).
    std::error_code type_ec;
    if (!std::filesystem::is_regular_file(entry.path(), type_ec)) {
      refused.push_back(
          absl::StrCat(entry.path().string(),
                       entry.is_symlink()
                           ? ": a symlink that does not lead to a regular file"
                           : ": not a regular file"));
      continue;
    }
    paths.push_back(entry.path());
  }
  if (!refused.empty()) {
    std::sort(refused.begin(), refused.end());
    return absl::InvalidArgumentError(absl::StrCat(
        "knowledge-base directory ", dir, " holds ", refused.size(),
        " unreadable entr", refused.size() == 1 ? "y" : "ies", ":\n",
        absl::StrJoin(refused, "\n")));
  }
  if (ec) {
    return absl::NotFoundError(
        absl::StrCat("cannot list ", dir, ": ", ec.message()));
  }
  if (paths.empty()) {
    return absl::NotFoundError(
        absl::StrCat("no *.textproto files in knowledge-base directory ", dir));
  }
  std::sort(paths.begin(), paths.end());
  std::vector<SourceFile> files;
  for (const auto& path : paths) {
    MEDIUS_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
    files.push_back({path.string(), std::move(text)});
  }
  return files;
}

std::string ContentDigest(const std::vector<SourceFile>& files) {
  std::vector<std::pair<std::string, std::string>> lines;  // name, line
  for (const SourceFile& file : files) {
    const std::string name =
        std::filesystem::path(file.path).filename().string();
    lines.push_back(
        {name, absl::StrCat(Sha256Hex(file.text), "  ", name, "\n")});
  }
  std::sort(lines.begin(), lines.end());
  std::string manifest;
  for (const auto& [name, line] : lines) absl::StrAppend(&manifest, line);
  return absl::StrCat("sha256:", Sha256Hex(manifest));
}

absl::StatusOr<medius::v1::KnowledgeBase> LoadFiles(
    const std::vector<SourceFile>& files, const LoadOptions& options) {
  MEDIUS_ASSIGN_OR_RETURN(ParsedKnowledgeBase parsed, ParseFiles(files));
  if (!parsed.kb.version().content_digest().empty()) {
    return absl::InvalidArgumentError(
        "version.content_digest is computed by the loader; remove it from "
        "the knowledge-base files");
  }
  std::vector<Issue> issues = Validate(parsed.kb);
  if (!options.published_codes.empty()) {
    for (Issue& issue :
         CheckPublishedCodes(parsed.kb, options.published_codes)) {
      issues.push_back(std::move(issue));
    }
  }
  if (issues.empty()) {
    parsed.kb.mutable_version()->set_content_digest(ContentDigest(files));
    return std::move(parsed.kb);
  }
  std::vector<std::string> lines;
  lines.reserve(issues.size());
  for (const Issue& issue : issues) {
    lines.push_back(absl::StrCat(parsed.sources.Locate(issue.path).ToString(),
                                 ": ", issue.path, ": ", issue.message));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("knowledge base has ", issues.size(), " problem(s):\n",
                   absl::StrJoin(lines, "\n")));
}

absl::StatusOr<medius::v1::KnowledgeBase> LoadKnowledgeBase(
    const std::string& dir, const LoadOptions& options) {
  MEDIUS_ASSIGN_OR_RETURN(std::vector<SourceFile> files, ReadDirectory(dir));
  return LoadFiles(files, options);
}

}  // namespace medius::kb
