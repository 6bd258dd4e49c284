// Checks of the primary-source model (KnowledgeBase.primary_source_model),
// called by Validate: sources, presentation priors that sum to 1, a complete
// likelihood table (every finding a row or neutral), band partitions whose
// columns sum to 1, qualifiers and confidence settings.
//
// Example (inside the validator):
//   CheckPrimarySourceModel({kb, report, check_source});
//
// Thread-safety: pure function.
#ifndef MEDIUS_KB_PRIMARY_MODEL_CHECK_H_
#define MEDIUS_KB_PRIMARY_MODEL_CHECK_H_

#include <functional>
#include <string>

#include "medius/v1/knowledge_base.pb.h"

namespace medius::kb {

struct ModelCheckContext {
  const medius::v1::KnowledgeBase& kb;
  // Records an issue at a field path.
  std::function<void(const std::string& path, const std::string& message)>
      report;
  // The validator's check that a number is cited (or expert opinion).
  std::function<void(const medius::v1::Source& source, const std::string& path)>
      check_source;
  // The validator's criterion check (codes resolve, bounds sound).
  std::function<void(const medius::v1::Criterion& criterion,
                     const std::string& path)>
      check_criterion;
};

// Does nothing when the knowledge base has no primary-source model.
void CheckPrimarySourceModel(const ModelCheckContext& context);

}  // namespace medius::kb

#endif  // MEDIUS_KB_PRIMARY_MODEL_CHECK_H_
