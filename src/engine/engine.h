// Engine: the pure clinical core. Built once from a knowledge base, then
// evaluates any number of requests: request -> red flags, primary pain
// source, differential, next tests, exercise protocol.
//
// No I/O, no clock, no globals. Output is deterministic: every list is
// sorted by score and then by code. The assessment_id is the caller's to set
// (it needs randomness).
//
// Example:
//   absl::StatusOr<std::unique_ptr<const Engine>> engine =
//       Engine::Create(std::move(kb));
//   absl::StatusOr<AssessResponse> response = (*engine)->Assess(request);
//
// Thread-safety: an Engine is immutable; Assess and the accessors may be
// called concurrently from any number of threads.
#ifndef MEDIUS_ENGINE_ENGINE_H_
#define MEDIUS_ENGINE_ENGINE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/compiled_kb.h"
#include "engine/request_check.h"
#include "engine/spliced_wire.h"
#include "medius/v1/assessment.pb.h"
#include "medius/v1/knowledge_base.pb.h"

namespace medius::engine {

// How Assess builds its response.
struct AssessOptions {
  // Leave each Evidence's static text out of the message, marked, for
  // SerializeSpliced to write in (evidence_wire.h): the form to serialize
  // and send. False: the complete message.
  bool spliced = false;
};

class Engine {
 public:
  // Validates `kb` (kb::Validate) and compiles it. INVALID_ARGUMENT listing
  // every issue when it is not sound: an engine never runs on a knowledge
  // base that has not passed validation.
  static absl::StatusOr<std::unique_ptr<const Engine>> Create(
      medius::v1::KnowledgeBase kb);

  // Every problem of `request`, each naming its field. Empty when valid.
  std::vector<FieldViolation> CheckRequest(
      const medius::v1::AssessRequest& request) const;

  // The full assessment. INVALID_ARGUMENT (message lists every violation as
  // "field: description") for a malformed request, with the violations also
  // in `violations` when given; clinical outcomes are always an OK response.
  absl::StatusOr<medius::v1::AssessResponse> Assess(
      const medius::v1::AssessRequest& request,
      std::vector<FieldViolation>* violations = nullptr,
      AssessOptions options = {}) const;

  // The wire bytes of `response`, an answer of this engine's Assess with
  // options.spliced: what the complete message serializes to, up to field
  // order (it parses to the complete message). Leaves `response` without
  // its evidence. INTERNAL if a marker is not this engine's.
  absl::StatusOr<std::string> SerializeSpliced(
      medius::v1::AssessResponse& response) const;
  // The same, for writing straight into a transport's buffer.
  absl::StatusOr<std::unique_ptr<SplicedResponse>> Splice(
      medius::v1::AssessResponse& response) const {
    return SplicedResponse::Build(*kb_, response);
  }

  // The catalog and version, for GetKnowledgeBase.
  const medius::v1::KnowledgeBaseInfo& info() const { return info_; }
  const std::string& version() const { return info_.version(); }

 private:
  Engine(std::unique_ptr<const CompiledKb> kb,
         medius::v1::KnowledgeBaseInfo info);

  std::unique_ptr<const CompiledKb> kb_;
  medius::v1::KnowledgeBaseInfo info_;
};

}  // namespace medius::engine

#endif  // MEDIUS_ENGINE_ENGINE_H_
