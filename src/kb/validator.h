// Knowledge-base validator: a pure function that returns every semantic
// problem of a merged KnowledgeBase (dangling or duplicate codes, values out
// of range, numbers without a source, rules that can never fire, ...).
//
// Example:
//   for (const medius::kb::Issue& issue : medius::kb::Validate(kb))
//     std::cerr << issue.path << ": " << issue.message << "\n";
//
// Thread-safety: re-entrant; no shared state.
#ifndef MEDIUS_KB_VALIDATOR_H_
#define MEDIUS_KB_VALIDATOR_H_

#include <ostream>
#include <string>
#include <vector>

#include "medius/v1/knowledge_base.pb.h"

namespace medius::kb {

struct Issue {
  // Field path in the merged KnowledgeBase, e.g.
  // "conditions[2].likelihood_ratios[0].positive".
  std::string path;
  std::string message;
};

// For test failure messages.
inline void PrintTo(const Issue& issue, std::ostream* os) {
  *os << issue.path << ": " << issue.message;
}

// Every issue, in a deterministic order (the order of the data). Empty when
// the knowledge base is sound.
std::vector<Issue> Validate(const medius::v1::KnowledgeBase& kb);

}  // namespace medius::kb

#endif  // MEDIUS_KB_VALIDATOR_H_
