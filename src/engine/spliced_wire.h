// Serializes an AssessResponse built with EvidenceText::kSpliced, writing
// each marked Evidence's static bytes (CompiledKb::evidence_wire) in place
// of its marker, so the knowledge-base text is copied once, straight into
// the output, instead of into strings of the message and then out again.
//
// The bytes parse to the complete (kInline) message: each Evidence's
// per-call fields come first and its static fields after, and each
// container's evidence after its other fields; protobuf parsers accept
// fields in any order. Only the field order differs from
// SerializeToString of the complete message.
//
// Example:
//   auto spliced = SplicedResponse::Build(kb, response);  // consumes
//   std::string bytes(spliced->size(), '\0');
//   spliced->WriteTo(reinterpret_cast<uint8_t*>(bytes.data()));
//
// Thread-safety: a SplicedResponse belongs to one thread; it points into
// the response it was built from, which must outlive it and not be touched
// meanwhile, and into the (immutable) CompiledKb.
#ifndef MEDIUS_ENGINE_SPLICED_WIRE_H_
#define MEDIUS_ENGINE_SPLICED_WIRE_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/compiled_kb.h"
#include "google/protobuf/message.h"
#include "medius/v1/assessment.pb.h"

namespace medius::engine {

class SplicedResponse {
 public:
  // Detaches the evidence-bearing parts of `response` (it is left without
  // its differential and primary_source) and sizes everything. INTERNAL if
  // an Evidence is marked with an index `kb` does not have.
  static absl::StatusOr<std::unique_ptr<SplicedResponse>> Build(
      const CompiledKb& kb, medius::v1::AssessResponse& response);

  ~SplicedResponse();

  // The serialized size.
  size_t size() const { return root_.size; }
  // Writes exactly size() bytes at `out`.
  void WriteTo(uint8_t* out) const;

 private:
  // A message written as its own remaining fields (generated code) followed
  // by its detached children, or, for an Evidence, followed by its blob.
  struct Node {
    const google::protobuf::Message* message = nullptr;
    uint32_t tag = 0;                   // in the parent; 0 for the root
    const std::string* blob = nullptr;  // Evidence only
    size_t size = 0;                    // of the payload, without tag/length
    std::vector<Node> children;
  };
  struct Detached;

  SplicedResponse();
  template <typename Container>
  absl::StatusOr<Node> ContainerNode(const CompiledKb& kb, Container& c,
                                     uint32_t tag);
  absl::StatusOr<Node> EvidenceNode(const CompiledKb& kb,
                                    medius::v1::Evidence& e, uint32_t tag);
  static size_t Size(Node& node);
  static uint8_t* Write(const Node& node, uint8_t* out);

  std::unique_ptr<Detached> detached_;
  Node root_;
};

}  // namespace medius::engine

#endif  // MEDIUS_ENGINE_SPLICED_WIRE_H_
