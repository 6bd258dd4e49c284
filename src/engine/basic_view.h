// The ASSESS_VIEW_BASIC form of an answer: the catalog text a client can
// take from GetKnowledgeBase is left out (each such field is marked "not in
// BASIC" in assessment.proto). Evidence is handled when it is built
// (evidence_wire.h); this clears the rest. Red flags, the disposition,
// notes, advice, every reason and every prior's source are never touched;
// evidence keeps its provenance (reference ids and locators, or its source
// text when it cites no reference or is expert opinion).
//
// Example:
//   if (request.view() == medius::v1::ASSESS_VIEW_BASIC) StripToBasic(&r);
//
// Thread-safety: a pure function of its argument.
#ifndef MEDIUS_ENGINE_BASIC_VIEW_H_
#define MEDIUS_ENGINE_BASIC_VIEW_H_

#include "medius/v1/assessment.pb.h"

namespace medius::engine {

void StripToBasic(medius::v1::AssessResponse* response);

}  // namespace medius::engine

#endif  // MEDIUS_ENGINE_BASIC_VIEW_H_
