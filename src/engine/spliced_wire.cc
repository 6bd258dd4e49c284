#include "engine/spliced_wire.h"

#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/evidence_wire.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "google/protobuf/unknown_field_set.h"
#include "google/protobuf/wire_format_lite.h"

namespace medius::engine {
namespace {

using google::protobuf::RepeatedPtrField;
using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedOutputStream;

uint32_t Tag(int field_number) {
  return WireFormatLite::MakeTag(field_number,
                                 WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
}

}  // namespace

// What Build took out of the response, kept alive (and unchanged) until
// the bytes are written. Deques: element addresses never move.
struct SplicedResponse::Detached {
  RepeatedPtrField<medius::v1::DifferentialEntry> differential;
  std::unique_ptr<medius::v1::PrimarySourceAssessment> primary;
  RepeatedPtrField<medius::v1::PrimarySource> sources;
  RepeatedPtrField<medius::v1::SourceQualifier> qualifiers;
  RepeatedPtrField<medius::v1::CoexistingContributor> contributors;
  std::deque<RepeatedPtrField<medius::v1::Evidence>> evidence;
};

SplicedResponse::SplicedResponse() : detached_(std::make_unique<Detached>()) {}
SplicedResponse::~SplicedResponse() = default;

absl::StatusOr<SplicedResponse::Node> SplicedResponse::EvidenceNode(
    const CompiledKb& kb, medius::v1::Evidence& e, uint32_t tag) {
  Node node;
  node.message = &e;
  node.tag = tag;
  if (UnknownFields(e).field_count() == 0) return node;  // complete
  const SplicedMarker marker = SplicedWireMarker(e);
  const int wire = marker.wire;
  if (UnknownFields(e).field_count() != 1 || wire < 0 ||
      static_cast<size_t>(wire) >= kb.evidence_wire.size()) {
    // Never silently send evidence without its source: fail the call.
    return absl::InternalError(
        absl::StrCat("evidence for '", e.finding_code(),
                     "' carries a marker this knowledge base does not have"));
  }
  MutableUnknownFields(e)->Clear();
  node.blob = marker.basic ? &kb.evidence_wire[wire].basic_bytes
                           : &kb.evidence_wire[wire].bytes;
  return node;
}

template <typename Container>
absl::StatusOr<SplicedResponse::Node> SplicedResponse::ContainerNode(
    const CompiledKb& kb, Container& c, uint32_t tag) {
  Node node;
  node.message = &c;
  node.tag = tag;
  auto& evidence = detached_->evidence.emplace_back();
  evidence.Swap(c.mutable_evidence());
  node.children.reserve(evidence.size());
  for (medius::v1::Evidence& e : evidence) {
    absl::StatusOr<Node> child =
        EvidenceNode(kb, e, Tag(Container::kEvidenceFieldNumber));
    if (!child.ok()) return child.status();
    node.children.push_back(*std::move(child));
  }
  return node;
}

absl::StatusOr<std::unique_ptr<SplicedResponse>> SplicedResponse::Build(
    const CompiledKb& kb, medius::v1::AssessResponse& response) {
  std::unique_ptr<SplicedResponse> out(new SplicedResponse());
  Detached& d = *out->detached_;
  Node& root = out->root_;
  root.message = &response;
  d.differential.Swap(response.mutable_differential());
  for (auto& entry : d.differential) {
    absl::StatusOr<Node> node = out->ContainerNode(
        kb, entry, Tag(medius::v1::AssessResponse::kDifferentialFieldNumber));
    if (!node.ok()) return node.status();
    root.children.push_back(*std::move(node));
  }
  if (response.has_primary_source()) {
    using Psa = medius::v1::PrimarySourceAssessment;
    d.primary.reset(response.release_primary_source());
    Node primary;
    primary.message = d.primary.get();
    primary.tag = Tag(medius::v1::AssessResponse::kPrimarySourceFieldNumber);
    d.sources.Swap(d.primary->mutable_sources());
    d.qualifiers.Swap(d.primary->mutable_qualifiers());
    d.contributors.Swap(d.primary->mutable_contributors());
    auto add = [&](auto& list, int field) -> absl::Status {
      for (auto& item : list) {
        absl::StatusOr<Node> node = out->ContainerNode(kb, item, Tag(field));
        if (!node.ok()) return node.status();
        primary.children.push_back(*std::move(node));
      }
      return absl::OkStatus();
    };
    absl::Status status = add(d.sources, Psa::kSourcesFieldNumber);
    if (status.ok()) status = add(d.qualifiers, Psa::kQualifiersFieldNumber);
    if (status.ok()) {
      status = add(d.contributors, Psa::kContributorsFieldNumber);
    }
    if (!status.ok()) return status;
    root.children.push_back(std::move(primary));
  }
  Size(root);
  return out;
}

size_t SplicedResponse::Size(Node& node) {
  // ByteSizeLong also caches the sizes SerializeWithCachedSizes needs.
  size_t size = node.message->ByteSizeLong();
  if (node.blob != nullptr) size += node.blob->size();
  for (Node& child : node.children) {
    const size_t payload = Size(child);
    size += CodedOutputStream::VarintSize32(child.tag) +
            CodedOutputStream::VarintSize64(payload) + payload;
  }
  node.size = size;
  return size;
}

uint8_t* SplicedResponse::Write(const Node& node, uint8_t* out) {
  out = node.message->SerializeWithCachedSizesToArray(out);
  if (node.blob != nullptr) {
    std::memcpy(out, node.blob->data(), node.blob->size());
    out += node.blob->size();
  }
  for (const Node& child : node.children) {
    out = CodedOutputStream::WriteVarint32ToArray(child.tag, out);
    out = CodedOutputStream::WriteVarint64ToArray(child.size, out);
    out = Write(child, out);
  }
  return out;
}

void SplicedResponse::WriteTo(uint8_t* out) const { Write(root_, out); }

}  // namespace medius::engine
