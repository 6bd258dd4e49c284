// Structural checks of a merged KnowledgeBase that need no clinical
// knowledge, called by Validate:
//  - required sections: version, settings, findings, conditions and
//    red_flags always, plus every KnowledgeBase field the version lists in
//    `required_sections`, must be present and non-empty, so a deleted or
//    renamed file cannot silently drop protocols or the primary-source model;
//  - every enum value anywhere in the tree is a value the schema defines
//    (proto3 enums are open: text format accepts `urgency: 99`).
//
// Example (inside the validator):
//   CheckStructure(kb, [&](const std::string& path, const std::string& msg) {
//     issues.push_back({path, msg});
//   });
//
// Thread-safety: pure function.
#ifndef MEDIUS_KB_STRUCTURE_CHECK_H_
#define MEDIUS_KB_STRUCTURE_CHECK_H_

#include <functional>
#include <string>

#include "medius/v1/knowledge_base.pb.h"

namespace medius::kb {

using ReportFn =
    std::function<void(const std::string& path, const std::string& message)>;

void CheckStructure(const medius::v1::KnowledgeBase& kb,
                    const ReportFn& report);

}  // namespace medius::kb

#endif  // MEDIUS_KB_STRUCTURE_CHECK_H_
