#include "bench/bench_requests.h"

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"

namespace medius::bench {

absl::StatusOr<medius::v1::AssessRequest> ReadJsonRequest(
    const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  medius::v1::AssessRequest request;
  auto status =
      google::protobuf::util::JsonStringToMessage(text.str(), &request);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", status.ToString()));
  }
  return request;
}

medius::v1::AssessRequest SizedRequest(
    const medius::v1::AssessRequest& example,
    const medius::v1::KnowledgeBaseInfo& catalog, int findings) {
  medius::v1::AssessRequest request = example;
  request.clear_findings();
  std::set<std::string> used;
  for (const auto& f : example.findings()) {
    if (request.findings_size() >= findings) break;
    *request.add_findings() = f;
    used.insert(f.code());
  }
  for (const auto& def : catalog.findings()) {
    if (request.findings_size() >= findings) break;
    if (def.patient_context() != medius::v1::PATIENT_CONTEXT_UNSPECIFIED ||
        !def.deprecation_note().empty() || !used.insert(def.code()).second) {
      continue;
    }
    medius::v1::Finding* f = request.add_findings();
    f->set_code(def.code());
    if (def.value_type() == medius::v1::VALUE_TYPE_NUMBER) {
      f->set_number(std::round((def.min_value() + def.max_value()) / 2));
    } else {
      f->set_present(false);
    }
  }
  return request;
}

}  // namespace medius::bench
