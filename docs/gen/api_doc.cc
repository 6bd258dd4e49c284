// medius_api_doc: writes the Markdown API reference (docs/API.md) from the
// .proto files, taking the text from their comments, so that the reference
// is the contract itself and cannot drift from it (ctest's api_doc_test
// fails while the committed copy differs from what this writes).
//
//   medius_api_doc --proto_path=proto --out=docs/API.md medius/v1
//
// Positional arguments are .proto files, or directories meaning every
// *.proto directly in them, relative to the first --proto_path; further
// --proto_path directories (e.g. --proto_path=/usr/include for the
// well-known types) only resolve imports.
// Without --out the Markdown goes to stdout. The build runs it as
// `cmake --build build --target api_doc` (docs/gen/CMakeLists.txt).
//
// The output depends on nothing but the .proto files (no paths, dates or
// versions) and follows declaration order, so a change to a comment is a
// one-line change to docs/API.md.
//
// Exit codes: 0 written; 1 an input is missing, a .proto file failed to
// parse (each error is printed as file:line:column, and nothing is
// written) or the output could not be written; 2 bad usage.
#include <google/protobuf/compiler/importer.h>
#include <google/protobuf/descriptor.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

namespace {

namespace fs = std::filesystem;
using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;
using google::protobuf::MethodDescriptor;
using google::protobuf::OneofDescriptor;
using google::protobuf::ServiceDescriptor;
using google::protobuf::SourceLocation;
using google::protobuf::compiler::DiskSourceTree;
using google::protobuf::compiler::Importer;
using google::protobuf::compiler::MultiFileErrorCollector;

constexpr char kProgram[] = "medius_api_doc";

// FileDescriptorProto field numbers: the file header comment is attached to
// the `syntax` statement, or to `package` when a file has no syntax line.
constexpr int kSyntaxField = 12;
constexpr int kPackageField = 2;

// Prints parse errors with the file's path on disk, so that the message
// points at a file the reader can open rather than at a virtual name.
class ErrorPrinter : public MultiFileErrorCollector {
 public:
  explicit ErrorPrinter(DiskSourceTree* tree) : tree_(tree) {}

  void AddError(const std::string& filename, int line, int column,
                const std::string& message) override {
    Print("error", filename, line, column, message);
    failed_ = true;
  }
  void AddWarning(const std::string& filename, int line, int column,
                  const std::string& message) override {
    Print("warning", filename, line, column, message);
  }
  bool failed() const { return failed_; }

 private:
  void Print(const char* kind, const std::string& filename, int line,
             int column, const std::string& message) {
    std::string disk;
    if (!tree_->VirtualFileToDiskFile(filename, &disk)) disk = filename;
    std::cerr << kProgram << ": " << kind << ": " << disk;
    // Zero-based; -1 means the whole file (e.g. not found).
    if (line >= 0) std::cerr << ":" << line + 1 << ":" << column + 1;
    std::cerr << ": " << message << "\n";
  }

  DiskSourceTree* tree_;
  bool failed_ = false;
};

// ------------------------------------------------------------ Comments

bool IsBlank(const std::string& line) {
  return line.find_first_not_of(' ') == std::string::npos;
}

size_t Indent(const std::string& line) { return line.find_first_not_of(' '); }

// A comment as lines without the space that follows `//` (or whatever
// indentation every line shares) and without blank lines at either end.
std::vector<std::string> CommentLines(const std::string& comment) {
  std::vector<std::string> lines;
  std::istringstream in(comment);
  for (std::string raw; std::getline(in, raw);) {
    // Tabs as spaces (stops of 8), so that indentation compares as written.
    std::string line;
    for (char c : raw) {
      if (c == '\t') {
        line.append(8 - line.size() % 8, ' ');
      } else {
        line += c;
      }
    }
    line.erase(line.find_last_not_of(" \r") + 1);
    lines.push_back(line);
  }
  while (!lines.empty() && IsBlank(lines.back())) lines.pop_back();
  size_t first = 0;
  while (first < lines.size() && IsBlank(lines[first])) ++first;
  lines.erase(lines.begin(), lines.begin() + first);
  size_t common = std::string::npos;
  for (const std::string& line : lines) {
    if (!IsBlank(line)) common = std::min(common, Indent(line));
  }
  for (std::string& line : lines) {
    line = IsBlank(line) ? "" : line.substr(common);
  }
  return lines;
}

// Leading, then trailing: a field documented with `// ...` on its own line
// and a remark after it shows both.
std::string CommentOf(const SourceLocation& location) {
  std::string text = location.leading_comments;
  if (!location.trailing_comments.empty()) {
    if (!text.empty()) text += "\n\n";
    text += location.trailing_comments;
  }
  return text;
}

template <typename D>
std::string CommentOf(const D* descriptor) {
  SourceLocation location;
  if (!descriptor->GetSourceLocation(&location)) return "";
  return CommentOf(location);
}

bool IsListItem(const std::string& line) {
  if (line.size() >= 2 &&
      (line[0] == '-' || line[0] == '*' || line[0] == '+') && line[1] == ' ')
    return true;
  size_t digits = line.find_first_not_of("0123456789");
  return digits != std::string::npos && digits > 0 &&
         digits + 1 < line.size() &&
         (line[digits] == '.' || line[digits] == ')') &&
         line[digits + 1] == ' ';
}

// The comments are written as plain text, so characters that Markdown (or
// GitHub's extensions: ~strike~, $math$) would act on are escaped, except
// inside `code spans`, which the comments use on purpose. In a table cell
// `|` must be escaped even inside code spans (GFM reads the table first).
// In a block, what would make a line a heading, quote, table row or setext
// underline is escaped too; list items stay lists, since that is what a
// comment line starting with "- " means.
enum class Context { kBlock, kCell };

std::string Escape(const std::string& text, Context context) {
  const bool in_table = context == Context::kCell;
  std::string out;
  auto alnum = [&](size_t i) {
    return i < text.size() && std::isalnum(static_cast<unsigned char>(text[i]));
  };
  for (size_t i = 0; i < text.size();) {
    if (!in_table && (i == 0 || text[i - 1] == '\n')) {
      const size_t start =
          std::min(text.find_first_not_of(' ', i), text.size());
      out.append(text, i, start - i);
      i = start;
      const std::string line = text.substr(i, text.find('\n', i) - i);
      if (IsListItem(line)) {
        const size_t marker = line.find(' ');
        out += line.substr(0, marker);
        i += marker;
        continue;
      }
      if (!line.empty() &&
          (std::string("#>=|+").find(line[0]) != std::string::npos ||
           (line[0] == '-' &&
            line.find_first_not_of("- ") == std::string::npos))) {
        out += '\\';
      }
      if (i == text.size()) break;
    }
    const char c = text[i];
    if (c == '`') {
      size_t end = text.find_first_not_of('`', i);
      if (end == std::string::npos) end = text.size();
      const std::string fence(end - i, '`');
      // The closing run must be exactly as long as the opening one.
      size_t close = text.find(fence, end);
      while (close != std::string::npos && close + fence.size() < text.size() &&
             text[close + fence.size()] == '`') {
        const size_t after = text.find_first_not_of('`', close);
        close = after == std::string::npos ? after : text.find(fence, after);
      }
      if (close == std::string::npos) {
        out += fence;  // Unmatched: literal backticks.
        i = end;
        continue;
      }
      for (size_t j = i; j < close + fence.size(); ++j) {
        if (in_table && text[j] == '|') out += '\\';
        out += text[j];
      }
      i = close + fence.size();
      continue;
    }
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '&': {
        // Only an entity-like `&name;` would be read as an entity.
        const size_t end = text.find_first_not_of(
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789#",
            i + 1);
        const bool entity =
            end != std::string::npos && end > i + 1 && text[end] == ';';
        out += entity ? "&amp;" : "&";
        break;
      }
      case '_':
        // Intraword underscores (snake_case names) never emphasise.
        if (!(i > 0 && alnum(i - 1) && alnum(i + 1))) out += '\\';
        out += c;
        break;
      case ']':
        if (i + 1 < text.size() && (text[i + 1] == '(' || text[i + 1] == '['))
          out += '\\';
        out += c;
        break;
      case '|':
        if (in_table) out += '\\';
        out += c;
        break;
      case '\\':
      case '*':
      case '~':
      case '$':
        out += '\\';
        out += c;
        break;
      default:
        out += c;
    }
    ++i;
  }
  return out;
}

std::string Fence(const std::vector<std::string>& lines) {
  size_t longest = 0;
  for (const std::string& line : lines) {
    for (size_t i = line.find('`'); i != std::string::npos;
         i = line.find('`', i)) {
      const size_t end = std::min(line.find_first_not_of('`', i), line.size());
      longest = std::max(longest, end - i);
      i = end;
    }
  }
  return std::string(std::max<size_t>(3, longest + 1), '`');
}

// A comment as Markdown blocks. Lines indented further than the comment's
// text (error code lists, examples of file contents) are preformatted in
// the source, so they become code blocks; re-flowing them would lose their
// alignment, and a "# ..." line in them would turn into a heading.
std::string Block(const std::string& comment) {
  const std::vector<std::string> lines = CommentLines(comment);
  std::string out;
  bool in_list = false;
  for (size_t i = 0; i < lines.size();) {
    if (lines[i].empty()) {
      in_list = false;
      ++i;
      continue;
    }
    if (Indent(lines[i]) >= 2 && !in_list) {
      std::vector<std::string> block;
      size_t common = std::string::npos;
      for (; i < lines.size() && !lines[i].empty() && Indent(lines[i]) >= 2;
           ++i) {
        block.push_back(lines[i]);
        common = std::min(common, Indent(lines[i]));
      }
      const std::string fence = Fence(block);
      if (!out.empty()) out += "\n";
      out += fence + "text\n";
      for (const std::string& line : block) out += line.substr(common) + "\n";
      out += fence + "\n";
      continue;
    }
    // A paragraph (or list): consecutive lines, escaped as one text so that
    // a code span may continue on the next line.
    std::string paragraph;
    for (; i < lines.size() && !lines[i].empty() &&
           (Indent(lines[i]) < 2 || in_list);
         ++i) {
      const std::string line = lines[i].substr(Indent(lines[i]));
      // An indented line under a list item continues it.
      if (in_list && Indent(lines[i]) >= 2) paragraph += "  ";
      if (IsListItem(line)) in_list = true;
      paragraph += line + "\n";
    }
    if (!out.empty()) out += "\n";
    out += Escape(paragraph, Context::kBlock);
  }
  return out;
}

// A comment inside a table cell, which must stay on one line: lines of a
// paragraph are joined, and <br> keeps apart what the comment keeps apart
// (paragraphs, preformatted lines, list items).
std::string Cell(const std::string& comment) {
  std::string out;
  std::string paragraph;
  std::string separator = "<br>";
  auto flush = [&] {
    if (paragraph.empty()) return;
    if (!out.empty()) out += separator;
    out += Escape(paragraph, Context::kCell);
    paragraph.clear();
    separator = "<br>";
  };
  for (const std::string& line : CommentLines(comment)) {
    if (line.empty()) {
      flush();
      separator = "<br><br>";
      continue;
    }
    const std::string text = line.substr(Indent(line));
    if (Indent(line) >= 2 || IsListItem(text)) {
      flush();
      paragraph = text;
      flush();
    } else {
      paragraph += (paragraph.empty() ? "" : " ") + text;
    }
  }
  flush();
  return out;
}

// ------------------------------------------------------------ Names

// Anchors are full names (medius.v1.AssessRequest): unique across the
// files, and stable when a type moves between files.
std::string Anchor(const std::string& full_name) { return full_name; }

std::string FileAnchor(const FileDescriptor* file) {
  std::string anchor = "file-" + file->name();
  std::replace(anchor.begin(), anchor.end(), '/', '-');
  return anchor;
}

std::string RelativeName(const std::string& full_name,
                         const std::string& package) {
  if (!package.empty() && full_name.rfind(package + ".", 0) == 0) {
    return full_name.substr(package.size() + 1);
  }
  return full_name;
}

void WriteAnchor(std::ostream& out, const std::string& anchor) {
  out << "<a name=\"" << anchor << "\"></a>\n\n";
}

// A comment block followed by a blank line, or nothing.
void WriteBlock(std::ostream& out, const std::string& comment) {
  const std::string block = Block(comment);
  if (!block.empty()) out << block << "\n";
}

// ------------------------------------------------------------ Documents

class ApiDoc {
 public:
  explicit ApiDoc(std::vector<const FileDescriptor*> files)
      : files_(std::move(files)) {
    for (const FileDescriptor* file : files_) {
      for (const Item& item : ItemsOf(file)) AddDocumented(item);
    }
  }

  std::string Markdown() const {
    std::ostringstream out;
    WriteHeader(out);
    WriteContents(out);
    WriteServices(out);
    for (const FileDescriptor* file : files_) WriteFile(out, file);
    std::string text = out.str();
    while (text.size() >= 2 && text[text.size() - 2] == '\n') text.pop_back();
    return text;
  }

 private:
  // A message or an enum, in a list sorted by where it is declared:
  // Descriptor keeps messages and enums apart, but the files interleave
  // them (an enum next to the message that uses it).
  struct Item {
    int line;
    const Descriptor* message;
    const EnumDescriptor* enumeration;
  };

  template <typename Parent>
  static std::vector<Item> Sorted(const Parent* parent, int message_count,
                                  int enum_count) {
    std::vector<Item> items;
    auto line = [](const auto* d) {
      SourceLocation location;
      return d->GetSourceLocation(&location) ? location.start_line : -1;
    };
    for (int i = 0; i < message_count; ++i) {
      const Descriptor* message = NestedMessage(parent, i);
      // Map entries are synthesised by protoc; their map field says it all.
      if (message->options().map_entry()) continue;
      items.push_back({line(message), message, nullptr});
    }
    for (int i = 0; i < enum_count; ++i) {
      const EnumDescriptor* enumeration = NestedEnum(parent, i);
      items.push_back({line(enumeration), nullptr, enumeration});
    }
    std::stable_sort(
        items.begin(), items.end(),
        [](const Item& a, const Item& b) { return a.line < b.line; });
    return items;
  }
  static const Descriptor* NestedMessage(const FileDescriptor* f, int i) {
    return f->message_type(i);
  }
  static const Descriptor* NestedMessage(const Descriptor* d, int i) {
    return d->nested_type(i);
  }
  static const EnumDescriptor* NestedEnum(const FileDescriptor* f, int i) {
    return f->enum_type(i);
  }
  static const EnumDescriptor* NestedEnum(const Descriptor* d, int i) {
    return d->enum_type(i);
  }

  static std::vector<Item> ItemsOf(const FileDescriptor* file) {
    return Sorted(file, file->message_type_count(), file->enum_type_count());
  }
  static std::vector<Item> ItemsOf(const Descriptor* message) {
    return Sorted(message, message->nested_type_count(),
                  message->enum_type_count());
  }

  void AddDocumented(const Item& item) {
    if (item.enumeration != nullptr) {
      documented_.insert(item.enumeration->full_name());
      return;
    }
    documented_.insert(item.message->full_name());
    for (const Item& nested : ItemsOf(item.message)) AddDocumented(nested);
  }

  static std::string Name(const Item& item) {
    return item.message != nullptr ? item.message->full_name()
                                   : item.enumeration->full_name();
  }
  static const FileDescriptor* FileOf(const Item& item) {
    return item.message != nullptr ? item.message->file()
                                   : item.enumeration->file();
  }

  // Monospace text in which the types this document describes are links.
  // Two code spans side by side would read as one ``-delimited span, so the
  // text between links is gathered into a single span.
  class Code {
   public:
    Code(const std::set<std::string>& documented, const std::string& package)
        : documented_(documented), package_(package) {}
    Code& Text(const std::string& text) {
      plain_ += text;
      return *this;
    }
    Code& Type(const std::string& full_name) {
      const std::string name = RelativeName(full_name, package_);
      if (documented_.count(full_name) == 0) return Text(name);
      Flush();
      out_ += "[`" + name + "`](#" + Anchor(full_name) + ")";
      return *this;
    }
    std::string str() {
      Flush();
      return out_;
    }

   private:
    void Flush() {
      if (!plain_.empty()) out_ += "`" + plain_ + "`";
      plain_.clear();
    }
    const std::set<std::string>& documented_;
    const std::string& package_;
    std::string plain_;
    std::string out_;
  };

  // A field's type; a map's value type is linked inside "map<K, V>".
  void AddType(Code& code, const FieldDescriptor* field) const {
    if (field->is_map()) {
      code.Text(std::string("map<") +
                field->message_type()->map_key()->type_name() + ", ");
      AddType(code, field->message_type()->map_value());
      code.Text(">");
    } else if (field->message_type() != nullptr) {
      code.Type(field->message_type()->full_name());
    } else if (field->enum_type() != nullptr) {
      code.Type(field->enum_type()->full_name());
    } else {
      code.Text(field->type_name());
    }
  }

  std::string FieldType(const FieldDescriptor* field) const {
    Code code(documented_, field->file()->package());
    AddType(code, field);
    return code.str();
  }

  static std::string Label(const FieldDescriptor* field) {
    std::string label;
    if (field->is_map()) {
      label = "map";
    } else if (field->is_repeated()) {
      label = "repeated";
    } else if (field->is_required()) {
      label = "required";
    } else if (field->has_optional_keyword() ||
               (field->file()->syntax() == FileDescriptor::SYNTAX_PROTO2 &&
                field->real_containing_oneof() == nullptr)) {
      label = "optional";
    }
    if (const OneofDescriptor* oneof = field->real_containing_oneof()) {
      label = "oneof [`" + oneof->name() + "`](#" + Anchor(oneof->full_name()) +
              ")";
    }
    return label;
  }

  static void WriteHeader(std::ostream& out) {
    out << "# Medius API reference\n\n"
        << "This file is generated from the `.proto` files in `proto/` "
           "(package `medius.v1`) and their comments, which are the "
           "reference documentation. Do not edit it: change the comments "
           "and regenerate it with `cmake --build build --target api_doc`. "
           "The test `api_doc_test` fails while it is out of date.\n\n"
        << "In the field tables, \"optional\" marks a field with explicit "
           "presence and \"oneof\" a member of a group of which at most one "
           "field is set.\n\n";
  }

  void WriteContents(std::ostream& out) const {
    out << "## Contents\n\n";
    bool any_service = false;
    for (const FileDescriptor* file : files_) {
      for (int i = 0; i < file->service_count(); ++i) {
        if (!any_service) out << "- [Services](#services)\n";
        any_service = true;
        const ServiceDescriptor* service = file->service(i);
        out << "  - [" << service->name() << "](#"
            << Anchor(service->full_name()) << ")\n";
        for (int m = 0; m < service->method_count(); ++m) {
          const MethodDescriptor* method = service->method(m);
          out << "    - [" << method->name() << "](#"
              << Anchor(method->full_name()) << ")\n";
        }
      }
    }
    for (const FileDescriptor* file : files_) {
      out << "- [" << file->name() << "](#" << FileAnchor(file) << ")\n";
      WriteContents(out, ItemsOf(file), "  ");
    }
    out << "\n";
  }

  static void WriteContents(std::ostream& out, const std::vector<Item>& items,
                            const std::string& indent) {
    for (const Item& item : items) {
      const std::string name = Name(item);
      out << indent << "- [" << RelativeName(name, FileOf(item)->package())
          << "](#" << Anchor(name) << ")"
          << (item.message != nullptr ? "" : " (enum)") << "\n";
      if (item.message != nullptr) {
        WriteContents(out, ItemsOf(item.message), indent + "  ");
      }
    }
  }

  void WriteServices(std::ostream& out) const {
    bool any_service = false;
    for (const FileDescriptor* file : files_) {
      for (int i = 0; i < file->service_count(); ++i) {
        if (!any_service) {
          WriteAnchor(out, "services");
          out << "## Services\n\n";
        }
        any_service = true;
        WriteService(out, file->service(i));
      }
    }
  }

  void WriteService(std::ostream& out, const ServiceDescriptor* service) const {
    WriteAnchor(out, Anchor(service->full_name()));
    out << "### service " << service->name() << "\n\n";
    out << "Defined in [`" << service->file()->name() << "`](#"
        << FileAnchor(service->file()) << ").\n\n";
    WriteDeprecated(out, service->options().deprecated());
    WriteBlock(out, CommentOf(service));
    for (int i = 0; i < service->method_count(); ++i) {
      const MethodDescriptor* method = service->method(i);
      const std::string& package = method->file()->package();
      WriteAnchor(out, Anchor(method->full_name()));
      out << "#### rpc " << method->name() << "\n\n";
      out << Code(documented_, package)
                 .Text("rpc " + method->name() + "(" +
                       (method->client_streaming() ? "stream " : ""))
                 .Type(method->input_type()->full_name())
                 .Text(std::string(") returns (") +
                       (method->server_streaming() ? "stream " : ""))
                 .Type(method->output_type()->full_name())
                 .Text(")")
                 .str()
          << "\n\n";
      WriteDeprecated(out, method->options().deprecated());
      WriteBlock(out, CommentOf(method));
    }
  }

  static void WriteDeprecated(std::ostream& out, bool deprecated) {
    if (deprecated) out << "**Deprecated.**\n\n";
  }

  // The file's header comment: what precedes `syntax` (or `package`),
  // detached paragraphs (a licence, say) first.
  static std::string FileComment(const FileDescriptor* file) {
    SourceLocation location;
    if (!file->GetSourceLocation({kSyntaxField}, &location) &&
        !file->GetSourceLocation({kPackageField}, &location)) {
      return "";
    }
    std::string text;
    for (const std::string& detached : location.leading_detached_comments) {
      text += detached + "\n\n";
    }
    return text + location.leading_comments;
  }

  void WriteFile(std::ostream& out, const FileDescriptor* file) const {
    WriteAnchor(out, FileAnchor(file));
    out << "## " << file->name() << "\n\n";
    out << "Package `" << file->package() << "`.";
    if (file->dependency_count() > 0) {
      out << " Imports ";
      for (int i = 0; i < file->dependency_count(); ++i) {
        const FileDescriptor* dependency = file->dependency(i);
        if (i > 0) out << ", ";
        const bool here =
            std::find(files_.begin(), files_.end(), dependency) != files_.end();
        if (here) out << "[";
        out << "`" << dependency->name() << "`";
        if (here) out << "](#" << FileAnchor(dependency) << ")";
      }
      out << ".";
    }
    out << "\n\n";
    WriteBlock(out, FileComment(file));
    if (file->service_count() > 0) {
      out << "Services:";
      for (int i = 0; i < file->service_count(); ++i) {
        out << (i > 0 ? ", " : " ") << "[`" << file->service(i)->name()
            << "`](#" << Anchor(file->service(i)->full_name()) << ")";
      }
      out << ".\n\n";
    }
    for (const Item& item : ItemsOf(file)) WriteItem(out, item);
  }

  void WriteItem(std::ostream& out, const Item& item) const {
    if (item.enumeration != nullptr) {
      WriteEnum(out, item.enumeration);
      return;
    }
    WriteMessage(out, item.message);
    for (const Item& nested : ItemsOf(item.message)) WriteItem(out, nested);
  }

  // Reserved numbers and names: what a new field or value must not reuse.
  template <typename D>
  static void WriteReserved(std::ostream& out, const D* descriptor,
                            int exclusive_end) {
    if (descriptor->reserved_range_count() == 0 &&
        descriptor->reserved_name_count() == 0) {
      return;
    }
    out << "Reserved:";
    const char* separator = " ";
    for (int i = 0; i < descriptor->reserved_range_count(); ++i) {
      const auto* range = descriptor->reserved_range(i);
      const int last = range->end - exclusive_end;
      out << separator << range->start;
      if (last != range->start) out << " to " << last;
      separator = ", ";
    }
    for (int i = 0; i < descriptor->reserved_name_count(); ++i) {
      out << separator << "`" << descriptor->reserved_name(i) << "`";
      separator = ", ";
    }
    out << ".\n\n";
  }

  // A message's or enum's heading, then its comment.
  template <typename D>
  static void WriteTypeHeading(std::ostream& out, const char* kind,
                               const D* descriptor) {
    WriteAnchor(out, Anchor(descriptor->full_name()));
    out << "### " << kind << " "
        << RelativeName(descriptor->full_name(), descriptor->file()->package())
        << "\n\n";
    WriteDeprecated(out, descriptor->options().deprecated());
    WriteBlock(out, CommentOf(descriptor));
  }

  // A field's or enum value's table cell.
  template <typename D>
  static std::string Description(const D* descriptor) {
    const std::string comment = Cell(CommentOf(descriptor));
    if (!descriptor->options().deprecated()) return comment;
    return "**Deprecated.**" + (comment.empty() ? "" : " " + comment);
  }

  void WriteMessage(std::ostream& out, const Descriptor* message) const {
    WriteTypeHeading(out, "message", message);
    if (message->field_count() == 0) {
      out << "No fields.\n\n";
    } else {
      out << "| Number | Field | Type | Label | Description |\n"
          << "| ---: | --- | --- | --- | --- |\n";
      for (int i = 0; i < message->field_count(); ++i) {
        const FieldDescriptor* field = message->field(i);
        out << "| " << field->number() << " | `" << field->name() << "` | "
            << FieldType(field) << " | " << Label(field) << " | "
            << Description(field) << " |\n";
      }
      out << "\n";
    }
    for (int i = 0; i < message->real_oneof_decl_count(); ++i) {
      const OneofDescriptor* oneof = message->oneof_decl(i);
      WriteAnchor(out, Anchor(oneof->full_name()));
      out << "Oneof `" << oneof->name() << "`: at most one of";
      for (int f = 0; f < oneof->field_count(); ++f) {
        out << (f == 0 ? " " : ", ") << "`" << oneof->field(f)->name() << "`";
      }
      out << " is set.\n\n";
      WriteBlock(out, CommentOf(oneof));
    }
    // Field ranges are stored end-exclusive.
    WriteReserved(out, message, 1);
  }

  static void WriteEnum(std::ostream& out, const EnumDescriptor* enumeration) {
    WriteTypeHeading(out, "enum", enumeration);
    out << "| Number | Name | Description |\n"
        << "| ---: | --- | --- |\n";
    for (int i = 0; i < enumeration->value_count(); ++i) {
      const EnumValueDescriptor* value = enumeration->value(i);
      out << "| " << value->number() << " | `" << value->name() << "` | "
          << Description(value) << " |\n";
    }
    out << "\n";
    // Enum ranges are stored end-inclusive.
    WriteReserved(out, enumeration, 0);
  }

  std::vector<const FileDescriptor*> files_;
  std::set<std::string> documented_;
};

// ------------------------------------------------------------ main

int Usage() {
  std::cerr << "usage: " << kProgram
            << " --proto_path=DIR [--proto_path=DIR...] [--out=FILE]"
               " FILE.proto|DIR...\n";
  return 2;
}

bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

// The virtual names (relative to root) of the files to document, in
// argument order with directories expanded by name: readdir order differs
// between machines, and the output must not.
bool ExpandInputs(const fs::path& root, const std::vector<std::string>& args,
                  std::vector<std::string>* files) {
  for (const std::string& arg : args) {
    std::error_code error;
    const fs::path disk = root / arg;
    if (fs::is_directory(disk, error)) {
      std::vector<std::string> found;
      for (const fs::directory_entry& entry :
           fs::directory_iterator(disk, error)) {
        if (entry.is_regular_file() && entry.path().extension() == ".proto") {
          found.push_back((fs::path(arg) / entry.path().filename())
                              .lexically_normal()
                              .generic_string());
        }
      }
      if (error || found.empty()) {
        std::cerr << kProgram << ": error: " << disk.string() << ": "
                  << (error ? error.message() : "no .proto files") << "\n";
        return false;
      }
      std::sort(found.begin(), found.end());
      files->insert(files->end(), found.begin(), found.end());
    } else if (fs::is_regular_file(disk, error)) {
      files->push_back(fs::path(arg).lexically_normal().generic_string());
    } else {
      std::cerr << kProgram << ": error: " << disk.string()
                << ": no such .proto file or directory\n";
      return false;
    }
  }
  return true;
}

bool WriteAtomically(const std::string& path, const std::string& text) {
  // Through a temporary file, so that a failed write never leaves a
  // truncated docs/API.md behind.
  const std::string temporary = path + ".tmp";
  {
    std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
    file << text;
    if (!file.flush()) {
      std::cerr << kProgram << ": error: cannot write " << temporary << "\n";
      return false;
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::cerr << kProgram << ": error: cannot replace " << path << ": "
              << std::strerror(errno) << "\n";
    std::remove(temporary.c_str());
    return false;
  }
  return true;
}

int Run(int argc, char** argv) {
  std::vector<std::string> proto_paths;
  std::vector<std::string> inputs;
  std::string out_path;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (StartsWith(arg, "--proto_path=")) {
      proto_paths.push_back(arg.substr(arg.find('=') + 1));
    } else if (StartsWith(arg, "--out=")) {
      out_path = arg.substr(arg.find('=') + 1);
    } else if (StartsWith(arg, "-")) {
      std::cerr << kProgram << ": unknown flag " << arg << "\n";
      return Usage();
    } else {
      inputs.push_back(arg);
    }
  }
  if (proto_paths.empty() || inputs.empty()) return Usage();

  std::vector<std::string> names;
  if (!ExpandInputs(proto_paths.front(), inputs, &names)) return 1;

  DiskSourceTree tree;
  for (const std::string& path : proto_paths) tree.MapPath("", path);
  ErrorPrinter errors(&tree);
  Importer importer(&tree, &errors);
  // Every file is tried, so that one run reports every broken file.
  std::vector<const FileDescriptor*> files;
  bool parsed = true;
  for (const std::string& name : names) {
    const FileDescriptor* file = importer.Import(name);
    if (file == nullptr) {
      std::string disk;
      if (!tree.VirtualFileToDiskFile(name, &disk)) disk = name;
      std::cerr << kProgram << ": error: " << disk << " does not parse\n";
      parsed = false;
    } else if (std::find(files.begin(), files.end(), file) == files.end()) {
      files.push_back(file);
    }
  }
  if (!parsed || errors.failed()) {
    std::cerr << kProgram << ": nothing written\n";
    return 1;
  }
  // The services come first in the document, so the files that define
  // them do too: the service file's header describes the transport.
  std::stable_partition(
      files.begin(), files.end(),
      [](const FileDescriptor* f) { return f->service_count() > 0; });

  const std::string markdown = ApiDoc(files).Markdown();
  if (out_path.empty()) {
    std::cout << markdown;
    return std::cout.flush() ? 0 : 1;
  }
  return WriteAtomically(out_path, markdown) ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) { return Run(argc, argv); }
