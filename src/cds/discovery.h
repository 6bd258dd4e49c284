// The CDS Hooks discovery document (GET /cds-services): one service, the
// lateral hip assessment, on the patient-view hook, with the prefetch
// templates the EHR fills in before calling it (the Patient, and the latest
// completed QuestionnaireResponse to the Medius assessment form or the
// Observations coded as Medius findings). cds/prefetch.h reads what they
// return.
//
// Example:
//   nlohmann::json services = Discovery(engine.info());
//
// Thread-safety: a pure function.
#ifndef MEDIUS_CDS_DISCOVERY_H_
#define MEDIUS_CDS_DISCOVERY_H_

#include "medius/v1/assessment.pb.h"
#include "nlohmann/json.hpp"

namespace medius::cds {

inline constexpr char kServiceId[] = "medius-hip-assessment";
inline constexpr char kHook[] = "patient-view";

nlohmann::json Discovery(const medius::v1::KnowledgeBaseInfo& catalog);

}  // namespace medius::cds

#endif  // MEDIUS_CDS_DISCOVERY_H_
