// libFuzzer target: AssessRequest bytes -> parse -> validation -> engine,
// what the server does for every Assess call, against the shipped knowledge
// base. Besides crashes and sanitizer reports it checks the engine's
// contract: INVALID_ARGUMENT exactly when CheckRequest finds a violation,
// and every OK answer complete and numerically sane.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_engine.h"
#include "medius/v1/assessment.pb.h"

namespace medius::fuzz {
namespace {

bool Probability(double p) { return std::isfinite(p) && p >= 0 && p <= 1; }

void CheckResponse(const engine::Engine& engine,
                   const medius::v1::AssessResponse& response) {
  Require(response.differential_size() == engine.info().conditions_size(),
          "every condition is in the differential");
  for (const auto& entry : response.differential()) {
    Require(Probability(entry.probability()), "probability in [0, 1]");
    for (const auto& e : entry.evidence()) {
      Require(std::isfinite(e.likelihood_ratio()) && e.likelihood_ratio() >= 0,
              "applied likelihood ratio finite");
      Require(std::isfinite(e.stated_likelihood_ratio()) &&
                  e.stated_likelihood_ratio() > 0,
              "stated likelihood ratio finite and positive");
    }
  }
  for (int i = 1; i < response.red_flags_size(); ++i) {
    Require(
        response.red_flags(i - 1).urgency() >= response.red_flags(i).urgency(),
        "red flags most urgent first");
  }
  for (const auto& test : response.next_tests()) {
    Require(std::isfinite(test.expected_change()) &&
                std::isfinite(test.expected_information_gain_bits()),
            "next-test scores finite");
  }
  Require(response.knowledge_base_version() == engine.version(),
          "response names the knowledge-base version");
  std::string bytes;
  Require(response.SerializeToString(&bytes), "response serializes");
}

}  // namespace
}  // namespace medius::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using medius::fuzz::Require;
  medius::fuzz::QuietProtobuf();
  const medius::engine::Engine& engine = medius::fuzz::ShippedEngine();
  medius::v1::AssessRequest request;
  // The service answers INVALID_ARGUMENT to what does not parse.
  if (!request.ParseFromArray(data, static_cast<int>(size))) return 0;
  const bool valid = engine.CheckRequest(request).empty();
  auto response = engine.Assess(request);
  Require(response.ok() == valid, "Assess fails exactly on violations");
  if (response.ok()) {
    medius::fuzz::CheckResponse(engine, *response);
  } else {
    Require(response.status().code() == absl::StatusCode::kInvalidArgument,
            "a bad request is INVALID_ARGUMENT");
    Require(!response.status().message().empty(), "errors are explained");
  }
  return 0;
}
