#include "kb/structure_check.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace medius::kb {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Sections no knowledge base can serve without, whatever its version says:
// without them there is no screen, no catalog or no differential.
constexpr const char* kAlwaysRequired[] = {"version", "settings", "findings",
                                           "conditions", "red_flags"};

bool Present(const Message& message, const FieldDescriptor* field) {
  const Reflection* reflection = message.GetReflection();
  return field->is_repeated() ? reflection->FieldSize(message, field) > 0
                              : reflection->HasField(message, field);
}

void CheckSections(const medius::v1::KnowledgeBase& kb,
                   const ReportFn& report) {
  const Descriptor* descriptor = kb.GetDescriptor();
  std::vector<std::string> required(std::begin(kAlwaysRequired),
                                    std::end(kAlwaysRequired));
  for (const std::string& name : kb.version().required_sections()) {
    required.push_back(name);
  }
  for (int i = 0; i < kb.version().required_sections_size(); ++i) {
    const std::string& name = kb.version().required_sections(i);
    if (descriptor->FindFieldByName(name) == nullptr) {
      report(absl::StrCat("version.required_sections[", i, "]"),
             absl::StrCat("'", name, "' is not a knowledge-base section"));
    }
  }
  for (const std::string& name : required) {
    const FieldDescriptor* field = descriptor->FindFieldByName(name);
    if (field == nullptr || Present(kb, field)) continue;
    // version, settings and red_flags have their own, clearer messages.
    if (name == "version" || name == "settings" || name == "red_flags") {
      continue;
    }
    report(name, absl::StrCat("required section '", name,
                              "' is missing or empty (is a file missing?)"));
  }
}

void CheckEnumValue(const FieldDescriptor* field, int value,
                    const std::string& path, const ReportFn& report) {
  if (field->enum_type()->FindValueByNumber(value) != nullptr) return;
  report(path, absl::StrCat(value, " is not a defined value of ",
                            field->enum_type()->full_name()));
}

void CheckEnums(const Message& message, const std::string& prefix,
                const ReportFn& report) {
  const Reflection* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    const std::string path = prefix.empty()
                                 ? field->name()
                                 : absl::StrCat(prefix, ".", field->name());
    if (field->type() == FieldDescriptor::TYPE_ENUM) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
          CheckEnumValue(field,
                         reflection->GetRepeatedEnumValue(message, field, i),
                         absl::StrCat(path, "[", i, "]"), report);
        }
      } else {
        CheckEnumValue(field, reflection->GetEnumValue(message, field), path,
                       report);
      }
    } else if (field->type() == FieldDescriptor::TYPE_MESSAGE) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
          CheckEnums(reflection->GetRepeatedMessage(message, field, i),
                     absl::StrCat(path, "[", i, "]"), report);
        }
      } else {
        CheckEnums(reflection->GetMessage(message, field), path, report);
      }
    }
  }
}

}  // namespace

void CheckStructure(const medius::v1::KnowledgeBase& kb,
                    const ReportFn& report) {
  CheckSections(kb, report);
  CheckEnums(kb, "", report);
}

}  // namespace medius::kb
