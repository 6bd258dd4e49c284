// Realistic AssessRequests of a chosen size, shared by the engine benchmark,
// the load generator and the fuzz seed corpus, so every figure in
// docs/PERFORMANCE.md is measured on the same requests.
//
// A request of N findings is the demo request (examples/*.json, a typical
// first consultation for lateral hip pain) cut to its first N findings, or,
// past its length, extended with further catalog findings recorded as
// tested: a yes/no finding "absent" (a negative screening answer, the common
// case), a number finding at the middle of its valid range.
//
// Thread-safety: pure functions.
#ifndef MEDIUS_BENCH_BENCH_REQUESTS_H_
#define MEDIUS_BENCH_BENCH_REQUESTS_H_

#include <string>

#include "absl/status/statusor.h"
#include "medius/v1/assessment.pb.h"

namespace medius::bench {

// Parses a request in protobuf JSON mapping from the file at `path`.
absl::StatusOr<medius::v1::AssessRequest> ReadJsonRequest(
    const std::string& path);

// `example` cut or extended to `findings` findings using `catalog` (the
// GetKnowledgeBase answer). Never includes a patient-context or deprecated
// finding; stops short of `findings` only when the catalog runs out.
medius::v1::AssessRequest SizedRequest(
    const medius::v1::AssessRequest& example,
    const medius::v1::KnowledgeBaseInfo& catalog, int findings);

}  // namespace medius::bench

#endif  // MEDIUS_BENCH_BENCH_REQUESTS_H_
