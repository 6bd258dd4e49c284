#include "render/handout.h"

#include <cctype>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "render/report.h"

namespace medius::render {
namespace {

using medius::v1::AssessResponse;

std::string Span(const medius::v1::Range& r) {
  if (r.min() == r.max()) return absl::StrCat(r.min());
  return absl::StrCat(r.min(), " to ", r.max());
}

// How soon, in the patient's words. An urgency newer than this build reads
// as the most cautious wording short of an emergency.
std::string WhenToGo(const medius::v1::RedFlag& flag) {
  switch (flag.urgency()) {
    case medius::v1::URGENCY_EMERGENCY:
      return "Go to the emergency department now. If you cannot walk, call "
             "an ambulance.";
    case medius::v1::URGENCY_SAME_DAY:
      return "You need to see a doctor today.";
    case medius::v1::URGENCY_SOON:
      return "You need to see a doctor or specialist in the next few weeks.";
    case medius::v1::URGENCY_ROUTINE:
      return "We will ask a specialist for their opinion. This is not urgent.";
    default:
      return "You need to see a doctor or specialist within the next few "
             "days.";
  }
}

std::string Where(medius::v1::ReferralDestination d) {
  switch (d) {
    case medius::v1::REFERRAL_DESTINATION_EMERGENCY_DEPARTMENT:
      return "the emergency department";
    case medius::v1::REFERRAL_DESTINATION_SPINAL_ON_CALL:
      return "the hospital's spinal team";
    case medius::v1::REFERRAL_DESTINATION_ORTHOPAEDICS_URGENT:
    case medius::v1::REFERRAL_DESTINATION_ORTHOPAEDICS_ROUTINE:
      return "a bone and joint (orthopaedic) specialist";
    case medius::v1::REFERRAL_DESTINATION_PAEDIATRIC_ORTHOPAEDICS:
      return "a children's bone and joint specialist";
    case medius::v1::REFERRAL_DESTINATION_GP_SAME_DAY:
    case medius::v1::REFERRAL_DESTINATION_GP_SOON:
      return "your GP";
    case medius::v1::REFERRAL_DESTINATION_RHEUMATOLOGY:
      return "a joint-inflammation (rheumatology) specialist";
    case medius::v1::REFERRAL_DESTINATION_SUSPECTED_CANCER_PATHWAY:
      return "a specialist clinic for further tests";
    default:
      return "a doctor";
  }
}

// A red flag at or above "soon" means no exercise programme is handed out
// (the protocol is withheld then too; this does not rely on it).
bool StopsExercise(const medius::v1::RedFlag& flag) {
  return flag.urgency() != medius::v1::URGENCY_ROUTINE;
}

// The advice without the sources the knowledge base cites at its end, in
// parentheses ("... (Mellor et al. 2018 BMJ 361:k1662)"): the patient gets
// the advice, the clinician's report keeps the sources.
std::string WithoutSource(const std::string& with_source) {
  std::string advice = with_source;
  if (!advice.empty() && advice.back() == '.') advice.pop_back();  // "(...)."
  if (advice.empty() || advice.back() != ')') return with_source;
  int depth = 0;
  for (size_t i = advice.size(); i-- > 0;) {
    if (advice[i] == ')') ++depth;
    if (advice[i] == '(' && --depth == 0) {
      const std::string source = absl::AsciiStrToLower(advice.substr(i));
      bool cited = false;
      for (absl::string_view marker :
           {"et al", ".com", ".org", ".physio", "level ", "expert opinion",
            "interview", "bmj", "doi"}) {
        cited = cited || absl::StrContains(source, marker);
      }
      if (!cited) return with_source;
      std::string text(absl::StripTrailingAsciiWhitespace(advice.substr(0, i)));
      if (!text.empty() && text.back() != '.' && text.back() != '!')
        text += '.';
      return text;
    }
  }
  return with_source;
}

// The handout's content, before it is written as Markdown or HTML.
struct Exercise {
  std::string name, how, dose;
};
struct Handout {
  std::string title = "Your hip: what to do next";
  std::vector<std::string> see_doctor;  // one line per referral
  std::string exercise_intro;
  std::vector<Exercise> exercises;
  std::vector<std::string> advice;
  std::string review;
  std::string footer;
};

Handout Build(const AssessResponse& r) {
  Handout h;
  bool stop = false;
  for (const auto& flag : r.red_flags()) {
    h.see_doctor.push_back(absl::StrCat(WhenToGo(flag),
                                        " Your physiotherapist "
                                        "is referring you to ",
                                        Where(flag.refer_to()), "."));
    stop = stop || StopsExercise(flag);
  }
  const auto& p = r.protocol();
  const bool recommended =
      p.status() == medius::v1::PROTOCOL_STATUS_RECOMMENDED && !stop;
  if (recommended) {
    const int start = static_cast<int>(p.start_phase());
    // No pain threshold here: how much discomfort is acceptable is the
    // physiotherapist's to say (a number would need its source).
    h.exercise_intro =
        "Do these exercises as your physiotherapist showed you, and ask "
        "them how much discomfort is acceptable while you do them.";
    auto add = [&](const medius::v1::PrescribedExercise& x) {
      h.exercises.push_back(
          {x.display_name(), x.instructions(), PlainDosage(x.dosage())});
    };
    // The first phase from the start that has exercises: an education
    // phase has none, and its exercises begin alongside it (LEAP: week 1
    // exercises start at the first session).
    for (int i = start; i < p.phases_size(); ++i) {
      if (p.phases(i).exercises().empty()) continue;
      for (const auto& x : p.phases(i).exercises()) add(x);
      break;
    }
    for (const auto& x : p.targeted_exercises()) add(x);
  } else if (stop) {
    h.exercise_intro =
        "Do not start an exercise programme until a doctor has seen you.";
  } else {
    h.exercise_intro =
        "No exercise programme yet: your physiotherapist will decide on one "
        "at your next visit.";
  }
  for (const auto& a : p.advice()) h.advice.push_back(WithoutSource(a));
  h.footer = absl::StrCat("Prepared with Medius (knowledge base ",
                          r.knowledge_base_version(),
                          ") for your physiotherapist, whose report gives "
                          "the sources of this advice. Assessment ",
                          r.assessment_id(), ".");
  return h;
}

std::string Html(absl::string_view text) {
  return absl::StrReplaceAll(text, {{"&", "&amp;"},
                                    {"<", "&lt;"},
                                    {">", "&gt;"},
                                    {"\"", "&quot;"},
                                    {"'", "&#39;"}});
}

// Markdown treats these as markup at the start of a line or anywhere.
std::string Md(absl::string_view text) {
  return absl::StrReplaceAll(text, {{"\\", "\\\\"},
                                    {"*", "\\*"},
                                    {"_", "\\_"},
                                    {"`", "\\`"},
                                    {"#", "\\#"},
                                    {"<", "&lt;"},
                                    {"[", "\\["},
                                    {"]", "\\]"}});
}

}  // namespace

std::string PlainDosage(const medius::v1::Dosage& d) {
  std::vector<std::string> parts;
  const bool reps = d.reps().max() > 0;
  const bool hold = d.hold_seconds().max() > 0;
  const bool sets = d.sets().max() > 0;
  std::string volume;
  if (reps) {
    volume =
        absl::StrCat(Span(d.reps()), d.reps().max() == 1 ? " time" : " times");
    if (d.each_side()) absl::StrAppend(&volume, " on each side");
  }
  if (hold) {
    absl::StrAppend(&volume, volume.empty() ? "hold for " : ", holding ",
                    Span(d.hold_seconds()),
                    d.hold_seconds().max() == 1 ? " second" : " seconds",
                    reps ? " each time" : "");
  }
  if (sets) {
    std::string rounds = absl::StrCat(
        Span(d.sets()), d.sets().max() == 1 ? " round" : " rounds");
    volume = volume.empty() ? rounds : absl::StrCat(volume, "; do ", rounds);
  }
  if (!volume.empty()) parts.push_back(volume);
  if (!d.frequency().empty()) parts.push_back(d.frequency());
  if (!d.effort().empty()) parts.push_back("effort: " + d.effort());
  if (!d.rest().empty())
    parts.push_back("rest " + d.rest() + " between rounds");
  std::string out = absl::StrJoin(parts, "; ");
  if (!out.empty()) out[0] = static_cast<char>(std::toupper(out[0]));
  return out.empty() ? out : out + ".";
}

std::string HandoutMarkdown(const AssessResponse& r) {
  const Handout h = Build(r);
  std::string out = absl::StrCat("# ", h.title, "\n\n");
  if (!h.see_doctor.empty()) {
    absl::StrAppend(&out, "## Please see a doctor\n\n");
    for (const auto& s : h.see_doctor)
      absl::StrAppend(&out, "**", Md(s), "**\n\n");
  }
  absl::StrAppend(&out, "## Your exercises\n\n", Md(h.exercise_intro), "\n\n");
  int n = 0;
  for (const auto& x : h.exercises) {
    absl::StrAppend(&out, ++n, ". **", Md(x.name), "**. ", Md(x.how));
    if (!x.dose.empty())
      absl::StrAppend(&out, "  \n   *How much:* ", Md(x.dose));
    absl::StrAppend(&out, "\n");
  }
  if (!h.exercises.empty()) absl::StrAppend(&out, "\n");
  if (!h.advice.empty()) {
    absl::StrAppend(&out, "## Good to know\n\n");
    for (const auto& a : h.advice) absl::StrAppend(&out, "- ", Md(a), "\n");
    absl::StrAppend(&out, "\n");
  }
  if (!h.review.empty()) {
    absl::StrAppend(&out, "## Next visit\n\n", Md(h.review), "\n\n");
  }
  absl::StrAppend(&out, "---\n\n*", Md(h.footer), "*\n");
  return out;
}

std::string HandoutHtml(const AssessResponse& r) {
  const Handout h = Build(r);
  std::string out = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, "
      "initial-scale=1\">\n"
      "<title>",
      Html(h.title),
      "</title>\n<style>\n"
      // One A4 page: a small base size and tight spacing; print colours.
      "@page { size: A4; margin: 12mm; }\n"
      "body { font: 10pt/1.3 system-ui, 'DejaVu Sans', sans-serif; "
      "color: #111; max-width: 180mm; margin: 0 auto; }\n"
      "h1 { font-size: 16pt; margin: 0 0 4pt; }\n"
      "h2 { font-size: 13pt; margin: 10pt 0 4pt; border-bottom: 1px solid "
      "#999; }\n"
      ".doctor { border: 2px solid #b00; padding: 6pt 8pt; font-weight: bold; "
      "margin: 6pt 0; }\n"
      "ol.exercises { padding-left: 16pt; margin: 4pt 0; }\n"
      "ol.exercises li { margin: 0 0 4pt; break-inside: avoid; }\n"
      ".name { font-weight: bold; }\n.dose { display: block; }\n"
      "ul { margin: 4pt 0; padding-left: 16pt; }\n"
      "footer { margin-top: 8pt; font-size: 8pt; color: #555; }\n"
      // Printed, the page is narrower than a screen (A4 less margins):
      // smaller type and the advice in two columns keep it to one page.
      "@media print { body { max-width: none; font-size: 9.5pt; "
      "line-height: 1.25; } ul.advice { columns: 2; column-gap: 7mm; } "
      "ul.advice li { break-inside: avoid; } }\n"
      "</style>\n</head>\n<body>\n<h1>",
      Html(h.title), "</h1>\n");
  if (!h.see_doctor.empty()) {
    absl::StrAppend(&out, "<h2>Please see a doctor</h2>\n");
    for (const auto& s : h.see_doctor) {
      absl::StrAppend(&out, "<p class=\"doctor\">", Html(s), "</p>\n");
    }
  }
  absl::StrAppend(&out, "<h2>Your exercises</h2>\n<p>", Html(h.exercise_intro),
                  "</p>\n");
  if (!h.exercises.empty()) {
    absl::StrAppend(&out, "<ol class=\"exercises\">\n");
    for (const auto& x : h.exercises) {
      absl::StrAppend(&out, "<li><span class=\"name\">", Html(x.name),
                      "</span>. ", Html(x.how));
      if (!x.dose.empty()) {
        absl::StrAppend(&out, "<span class=\"dose\"><em>How much:</em> ",
                        Html(x.dose), "</span>");
      }
      absl::StrAppend(&out, "</li>\n");
    }
    absl::StrAppend(&out, "</ol>\n");
  }
  if (!h.advice.empty()) {
    absl::StrAppend(&out, "<h2>Good to know</h2>\n<ul class=\"advice\">\n");
    for (const auto& a : h.advice)
      absl::StrAppend(&out, "<li>", Html(a), "</li>\n");
    absl::StrAppend(&out, "</ul>\n");
  }
  if (!h.review.empty()) {
    absl::StrAppend(&out, "<h2>Next visit</h2>\n<p>", Html(h.review), "</p>\n");
  }
  absl::StrAppend(&out, "<footer>", Html(h.footer),
                  "</footer>\n</body>\n</html>\n");
  return out;
}

}  // namespace medius::render
