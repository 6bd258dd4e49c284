#include "engine/evidence_wire.h"

#include <cstdint>
#include <string>
#include <utility>

#include "engine/source_text.h"
#include "google/protobuf/unknown_field_set.h"

namespace medius::engine {
namespace {

// The fields every Evidence of a likelihood-ratio cell shares.
medius::v1::Evidence LrStatics(const CompiledKb& kb, const CompiledLr& lr,
                               const medius::v1::Source& source) {
  medius::v1::Evidence e;
  e.set_finding_code(lr.def->finding_code());
  e.set_display_name(kb.finding(lr.finding).display_name());
  e.set_source(SourceText(kb, source));
  e.set_expert_opinion(source.expert_opinion());
  e.set_group(lr.def->group());
  // The references behind the figure, as primary-source evidence has them:
  // with them a BASIC answer traces the likelihood ratio by reference id.
  AddCitations(kb, source, &e);
  return e;
}

// Evidence's reflection, looked up once: GetReflection() checks the
// descriptors are assigned on every call (a tenth of a spliced Assess).
const google::protobuf::Reflection& EvidenceReflection() {
  static const google::protobuf::Reflection* const reflection =
      medius::v1::Evidence::GetReflection();
  return *reflection;
}

}  // namespace

void StripEvidenceToBasic(medius::v1::Evidence& e) {
  e.clear_display_name();
  // The source text is the only provenance of evidence that cites no
  // reference (a legacy citation string, an unreferenced expert opinion):
  // it stays. Evidence that cites references keeps their ids and locators
  // and its expert_opinion flag; an opinion's justification is in FULL.
  if (e.citations_size() > 0) e.clear_source();
  for (auto& c : *e.mutable_citations()) {
    c.clear_text();
    c.clear_design();
    c.clear_evidence_level();
  }
}

int AddEvidenceWire(CompiledKb& kb, const medius::v1::Evidence& statics) {
  CompiledKb::EvidenceWire wire;
  statics.SerializeToString(&wire.bytes);
  medius::v1::Evidence basic = statics;
  StripEvidenceToBasic(basic);
  basic.SerializeToString(&wire.basic_bytes);
  for (const auto& c : statics.citations()) {
    wire.reference_ids.push_back(c.reference_id());
  }
  kb.evidence_wire.push_back(std::move(wire));
  return static_cast<int>(kb.evidence_wire.size()) - 1;
}

void CompileEvidenceWire(CompiledKb& kb) {
  for (CompiledCondition& condition : kb.conditions) {
    for (CompiledLr& lr : condition.lrs) {
      lr.wire = AddEvidenceWire(kb, LrStatics(kb, lr, lr.def->source()));
      for (CompiledBand& band : lr.bands) {
        if (band.def->has_source()) {
          band.wire =
              AddEvidenceWire(kb, LrStatics(kb, lr, band.def->source()));
        }
      }
    }
  }
  if (!kb.primary.has_value()) return;
  for (CompiledPrimaryRow& row : kb.primary->rows) {
    medius::v1::Evidence e;
    e.set_finding_code(row.def->finding_code());
    e.set_display_name(kb.finding(row.finding).display_name());
    e.set_expert_opinion(row.def->source().expert_opinion());
    if (row.group >= 0) e.set_group(kb.groups[row.group]->id());
    medius::v1::Evidence contributor = e;
    // The row's source and citations are in primary_source.sources, for the
    // same finding; not repeated per contributor.
    contributor.set_note(
        "noisy-OR: P(result | both sources) over P(result | the leading "
        "source alone); source as in primary_source.sources");
    row.contributor_wire = AddEvidenceWire(kb, contributor);
    e.set_source(SourceText(kb, row.def->source()));
    AddCitations(kb, row.def->source(), &e);
    row.wire = AddEvidenceWire(kb, e);
  }
}

void AddStaticEvidence(const CompiledKb& kb, int wire, EvidenceText form,
                       medius::v1::Evidence* evidence) {
  if (wire < 0 || static_cast<size_t>(wire) >= kb.evidence_wire.size()) return;
  const bool basic =
      form == EvidenceText::kInlineBasic || form == EvidenceText::kSplicedBasic;
  if (form == EvidenceText::kSpliced || form == EvidenceText::kSplicedBasic) {
    // Index and view in one varint: 2 x index + basic.
    EvidenceReflection().MutableUnknownFields(evidence)->AddVarint(
        kEvidenceWireField, static_cast<uint64_t>(wire) * 2 + (basic ? 1 : 0));
  } else {
    // Our own bytes: they parse.
    const auto& blob = kb.evidence_wire[wire];
    static_cast<void>(
        evidence->MergeFromString(basic ? blob.basic_bytes : blob.bytes));
  }
}

const google::protobuf::UnknownFieldSet& UnknownFields(
    const medius::v1::Evidence& evidence) {
  return EvidenceReflection().GetUnknownFields(evidence);
}

google::protobuf::UnknownFieldSet* MutableUnknownFields(
    medius::v1::Evidence& evidence) {
  return EvidenceReflection().MutableUnknownFields(&evidence);
}

SplicedMarker SplicedWireMarker(const medius::v1::Evidence& evidence) {
  const google::protobuf::UnknownFieldSet& unknown =
      EvidenceReflection().GetUnknownFields(evidence);
  for (int i = 0; i < unknown.field_count(); ++i) {
    const auto& field = unknown.field(i);
    if (field.number() == kEvidenceWireField &&
        field.type() == google::protobuf::UnknownField::TYPE_VARINT &&
        field.varint() <= static_cast<uint64_t>(INT32_MAX)) {
      return {static_cast<int>(field.varint() / 2), (field.varint() & 1) != 0};
    }
  }
  return {};
}

}  // namespace medius::engine
