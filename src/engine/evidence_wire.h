// The static part of a response's Evidence messages, serialized once.
//
// Most of an AssessResponse is knowledge-base text that is the same on every
// call: for each finding x condition cell, the finding's code and name, the
// source text, its citations, the evidence group. Compile serializes that
// part of each cell once (CompiledKb::evidence_wire). A response is then
// built in one of two forms:
//   - EvidenceText::kInline: the static fields are parsed into each
//     Evidence, giving the complete message (tests, tools, in-process use);
//   - EvidenceText::kSpliced: each Evidence carries only its per-call fields
//     and a marker (an unknown varint field, kEvidenceWireField, holding the
//     blob's index); SerializeSpliced (spliced_wire.h) writes the static
//     bytes in at serialization. Protobuf parsers merge fields in any order,
//     so the bytes parse to exactly the kInline message.
//
// Example:
//   int wire = AddEvidenceWire(kb, statics);       // at Compile
//   AddStaticEvidence(kb, wire, form, evidence);   // per call
//
// Thread-safety: AddEvidenceWire and CompileEvidenceWire mutate the
// CompiledKb being built; AddStaticEvidence only reads it.
#ifndef MEDIUS_ENGINE_EVIDENCE_WIRE_H_
#define MEDIUS_ENGINE_EVIDENCE_WIRE_H_

#include "engine/compiled_kb.h"
#include "google/protobuf/unknown_field_set.h"
#include "medius/v1/assessment.pb.h"

namespace medius::engine {

// kInline / kSpliced: the full view; kInlineBasic / kSplicedBasic: the
// ASSESS_VIEW_BASIC fields only (code, group, expert-opinion flag,
// citations' reference ids).
enum class EvidenceText { kInline, kSpliced, kInlineBasic, kSplicedBasic };

inline EvidenceText FormFor(bool spliced, bool basic) {
  if (spliced)
    return basic ? EvidenceText::kSplicedBasic : EvidenceText::kSpliced;
  return basic ? EvidenceText::kInlineBasic : EvidenceText::kInline;
}

// A spliced marker: which blob, and which of its two forms.
struct SplicedMarker {
  int wire = -1;
  bool basic = false;
};

// The largest field number protobuf allows: never a field of Evidence, and
// stripped before the bytes leave the engine.
inline constexpr int kEvidenceWireField = (1 << 29) - 1;

// Clears the fields of an Evidence that ASSESS_VIEW_BASIC leaves out: the
// display name; the source text when the evidence cites references;
// citations' text, design and level (reference id and locator stay).
void StripEvidenceToBasic(medius::v1::Evidence& evidence);

// Appends the serialized `statics` to kb.evidence_wire; returns its index.
int AddEvidenceWire(CompiledKb& kb, const medius::v1::Evidence& statics);

// Fills the wire indexes of every likelihood ratio, band and primary-source
// row of `kb` (its sources' texts and references must be compiled).
void CompileEvidenceWire(CompiledKb& kb);

// Adds blob `wire`'s fields to `evidence`: parsed in (kInline) or marked
// (kSpliced). A negative `wire` adds nothing.
void AddStaticEvidence(const CompiledKb& kb, int wire, EvidenceText form,
                       medius::v1::Evidence* evidence);

// What a spliced Evidence is marked with; wire -1 when unmarked.
SplicedMarker SplicedWireMarker(const medius::v1::Evidence& evidence);
// Where the marker lives (Evidence has no public accessor for it).
const google::protobuf::UnknownFieldSet& UnknownFields(
    const medius::v1::Evidence& evidence);
google::protobuf::UnknownFieldSet* MutableUnknownFields(
    medius::v1::Evidence& evidence);

}  // namespace medius::engine

#endif  // MEDIUS_ENGINE_EVIDENCE_WIRE_H_
