// The patient's handout: a printable one-page summary of what to do, in
// plain language, from an assessment (the CLI's --format=markdown and
// --format=html). It never names a diagnosis the ranking is unsure of; it
// says what the physiotherapist decided to hand over: a referral to see a
// doctor (with how soon, in words), else the exercises of the phase the
// protocol starts at (how to do each, and how much) and the advice. Pure
// functions of the response; thread-safe.
//
// Example:
//   std::ofstream("handout.html") << medius::render::HandoutHtml(response);
#ifndef MEDIUS_RENDER_HANDOUT_H_
#define MEDIUS_RENDER_HANDOUT_H_

#include <string>

#include "medius/v1/assessment.pb.h"

namespace medius::render {

std::string HandoutMarkdown(const medius::v1::AssessResponse& response);
// A complete HTML document (inline style, nothing fetched) sized for one
// A4 page when printed.
std::string HandoutHtml(const medius::v1::AssessResponse& response);

// "3 sets of 8-12 repetitions on each side, holding 5 seconds each time,
// once a day": a dosage in words.
std::string PlainDosage(const medius::v1::Dosage& dosage);

}  // namespace medius::render

#endif  // MEDIUS_RENDER_HANDOUT_H_
