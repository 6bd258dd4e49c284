// Text the engine puts in responses: how a knowledge-base Source is shown
// (the citation, or "Expert opinion: <justification>" with the supporting
// citation, if any, so a clinician can always tell a published figure from a
// judgement), and probabilities as percentages.
#ifndef MEDIUS_ENGINE_SOURCE_TEXT_H_
#define MEDIUS_ENGINE_SOURCE_TEXT_H_

#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/compiled_kb.h"
#include "medius/v1/assessment.pb.h"
#include "medius/v1/knowledge_base.pb.h"

namespace medius::engine {

// A reference as one line: "Authors (year). Title. Journal. DOI-or-URL".
inline std::string ComputeReferenceText(const medius::v1::Reference& r) {
  std::string out = r.authors();
  if (r.year() > 0) absl::StrAppend(&out, " (", r.year(), ")");
  if (!r.title().empty()) absl::StrAppend(&out, ". ", r.title());
  if (!r.journal().empty()) absl::StrAppend(&out, ". ", r.journal());
  const std::string& link = !r.doi().empty() ? r.doi() : r.url();
  if (!link.empty()) absl::StrAppend(&out, ". ", link);
  return out;
}

// How a Source is shown: the cited references, short form with id and
// evidence level and the use's locator and note (where the figure is, what
// was taken), then any legacy citation string; for expert opinion
// "Expert opinion: <justification> (<citations>)", so a clinician can
// always tell a published figure from a judgement.
inline std::string ComputeSourceText(const CompiledKb& kb,
                                     const medius::v1::Source& source) {
  std::vector<std::string> parts;
  if (!source.citation().empty()) parts.push_back(source.citation());
  for (const auto& use : source.refs()) {
    auto it = kb.references.find(use.ref_id());
    if (it == kb.references.end()) continue;  // validated
    const medius::v1::Reference& r = *it->second;
    std::string part = r.authors();
    if (r.year() > 0) absl::StrAppend(&part, " ", r.year());
    if (!r.journal().empty()) absl::StrAppend(&part, ", ", r.journal());
    absl::StrAppend(&part, " [", r.id(), "; level ", r.evidence_level(), "]");
    if (!use.locator().empty()) absl::StrAppend(&part, ", ", use.locator());
    if (!use.note().empty()) absl::StrAppend(&part, " (", use.note(), ")");
    parts.push_back(std::move(part));
  }
  const std::string cited = absl::StrJoin(parts, "; ");
  if (!source.expert_opinion()) return cited;
  return cited.empty() ? absl::StrCat("Expert opinion: ", source.note())
                       : absl::StrCat("Expert opinion: ", source.note(), " (",
                                      cited, ")");
}

// SourceText of a Source of the compiled knowledge base, built once at
// Compile (the per-call join and formatting was a tenth of Assess); a Source
// from anywhere else is formatted on the spot.
inline std::string SourceText(const CompiledKb& kb,
                              const medius::v1::Source& source) {
  auto it = kb.source_texts.find(&source);
  if (it != kb.source_texts.end()) return it->second;
  return ComputeSourceText(kb, source);
}

// The cited references of `source` as response citations (without their
// text, which AssessResponse.cited_references carries once).
inline void AddCitations(const CompiledKb& kb, const medius::v1::Source& source,
                         medius::v1::Evidence* evidence) {
  for (const auto& use : source.refs()) {
    auto it = kb.references.find(use.ref_id());
    if (it == kb.references.end()) continue;
    medius::v1::Citation* c = evidence->add_citations();
    c->set_reference_id(use.ref_id());
    c->set_design(it->second->design());
    c->set_evidence_level(it->second->evidence_level());
    c->set_locator(use.locator());
  }
}

// A probability as a whole percentage, e.g. 0.934 -> "93%".
inline std::string Percent(double p) {
  return absl::StrCat(static_cast<int>(std::lround(p * 100)), "%");
}

}  // namespace medius::engine

#endif  // MEDIUS_ENGINE_SOURCE_TEXT_H_
