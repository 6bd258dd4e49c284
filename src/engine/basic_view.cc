#include "engine/basic_view.h"

#include "engine/evidence_wire.h"

namespace medius::engine {
namespace {

void StripCitation(medius::v1::Citation& c) {
  c.clear_text();
  c.clear_design();
  c.clear_evidence_level();
}

// Evidence built in the basic form is already stripped; evidence copied
// from elsewhere might not be.
void StripEvidence(
    google::protobuf::RepeatedPtrField<medius::v1::Evidence>& evidence) {
  for (auto& e : evidence) StripEvidenceToBasic(e);
}

void StripExercise(medius::v1::PrescribedExercise& x) {
  x.clear_display_name();
  x.clear_instructions();
  x.clear_dosage_source();
}

}  // namespace

void StripToBasic(medius::v1::AssessResponse* r) {
  for (auto& d : *r->mutable_differential()) {
    d.clear_display_name();
    StripEvidence(*d.mutable_evidence());
  }
  if (r->has_primary_source()) {
    auto* p = r->mutable_primary_source();
    for (auto& s : *p->mutable_sources()) {
      s.clear_display_name();
      StripEvidence(*s.mutable_evidence());
    }
    for (auto& q : *p->mutable_qualifiers()) {
      q.clear_display_name();
      StripEvidence(*q.mutable_evidence());
    }
    for (auto& c : *p->mutable_contributors()) {
      c.clear_display_name();
      StripEvidence(*c.mutable_evidence());
    }
  }
  for (auto& t : *r->mutable_next_tests()) {
    t.clear_display_name();
    t.clear_how_to();
  }
  if (r->has_protocol()) {
    auto* p = r->mutable_protocol();
    p->clear_display_name();
    p->clear_summary();
    p->clear_source();
    p->clear_review();
    p->clear_escalation();
    for (auto& phase : *p->mutable_phases()) {
      phase.clear_name();
      phase.clear_goal();
      phase.clear_entry_criteria();
      phase.clear_progression_criteria();
      phase.clear_typical_duration();
      for (auto& x : *phase.mutable_exercises()) StripExercise(x);
    }
    for (auto& x : *p->mutable_targeted_exercises()) StripExercise(x);
  }
  for (auto& c : *r->mutable_cited_references()) StripCitation(c);
}

}  // namespace medius::engine
