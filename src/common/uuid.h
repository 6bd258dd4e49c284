// RandomUuid: a random (version 4) UUID, e.g.
// "0b8f6c1e-1f2a-4c7d-9e3b-5a6f7c8d9e0f", for assessment ids, CDS Hooks
// cards and FHIR resource ids.
//
// Example:
//   std::string id = medius::common::RandomUuid();
//
// Thread-safety: safe to call concurrently (one generator per thread).
#ifndef MEDIUS_COMMON_UUID_H_
#define MEDIUS_COMMON_UUID_H_

#include <string>

namespace medius::common {

std::string RandomUuid();

}  // namespace medius::common

#endif  // MEDIUS_COMMON_UUID_H_
