#include "audit/outcome_report.h"

#include <algorithm>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "medius/v1/assessment.pb.h"
#include "medius/v1/audit.pb.h"

namespace medius::audit {
namespace {

struct Case {
  std::string version;
  medius::v1::AssessResponse response;
  bool has_outcome = false;
  medius::v1::ClinicianAction action = medius::v1::CLINICIAN_ACTION_UNSPECIFIED;
  bool has_confirmed = false;
  medius::v1::ConfirmedDiagnosis confirmed;
};

// The version string comes from the store: escape it for the SVG.
std::string XmlText(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else if (c == '&') {
      out += "&amp;";
    } else if (c == '"') {
      out += "&quot;";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Ratio(int64_t n, int64_t d) {
  if (d == 0) return "- (none)";
  return absl::StrFormat("%.1f%% (%d/%d)", 100.0 * n / d, n, d);
}

void Count(const Case& c, VersionOutcomes& v) {
  ++v.assessments;
  if (!c.has_outcome) return;
  ++v.with_outcome;
  if (c.action == medius::v1::CLINICIAN_ACTION_ACCEPTED) ++v.accepted;
  if (c.action == medius::v1::CLINICIAN_ACTION_OVERRIDDEN) ++v.overridden;
  if (!c.has_confirmed) return;
  const bool flagged = c.response.red_flags_size() > 0;
  if (c.confirmed.serious_pathology()) {
    ++(flagged ? v.serious_flagged : v.serious_missed);
    return;
  }
  ++(flagged ? v.benign_flagged : v.benign_not_flagged);
  ++v.confirmed_condition;
  const auto& d = c.response.differential();
  const std::string& truth = c.confirmed.condition_code();
  if (d.size() > 0 && d[0].condition_code() == truth) ++v.leading_agrees;
  for (int i = 0; i < d.size() && i < 3; ++i) {
    if (d[i].condition_code() == truth) {
      ++v.top3_agrees;
      break;
    }
  }
  bool listed = false;
  for (const auto& entry : d) {
    const bool hit = entry.condition_code() == truth;
    listed = listed || hit;
    const double p = std::clamp(entry.probability(), 0.0, 1.0);
    const double o = hit ? 1.0 : 0.0;
    v.brier_sum += (p - o) * (p - o);
    CalibrationBin& bin = v.bins[std::min(9, static_cast<int>(p * 10))];
    ++bin.predictions;
    bin.sum_predicted += p;
    if (hit) ++bin.confirmed;
  }
  if (!listed) v.brier_sum += 1.0;  // the truth was given probability 0
}

}  // namespace

absl::StatusOr<OutcomeReport> BuildOutcomeReport(AuditStore& store) {
  OutcomeReport report;
  std::vector<Case> cases;
  absl::flat_hash_map<std::string, size_t> index;
  int64_t after = 0;
  constexpr int kPage = 500;
  while (true) {
    absl::StatusOr<std::vector<AuditRecord>> page = store.Scan(after, kPage);
    if (!page.ok()) return page.status();
    for (const AuditRecord& r : *page) {
      after = r.sequence;
      ++report.records_read;
      if (r.kind == RecordKind::kAssessment) {
        Case c;
        c.version = r.knowledge_base_version;
        if (!c.response.ParseFromString(r.response)) continue;
        index[r.assessment_id] = cases.size();
        cases.push_back(std::move(c));
        continue;
      }
      auto it = index.find(r.assessment_id);
      medius::v1::Outcome outcome;
      if (it == index.end() || !outcome.ParseFromString(r.request)) continue;
      Case& c = cases[it->second];
      c.has_outcome = true;  // chain order: a later outcome overrides
      if (outcome.action() != medius::v1::CLINICIAN_ACTION_UNSPECIFIED) {
        c.action = outcome.action();
      }
      if (outcome.has_confirmed()) {
        c.has_confirmed = true;
        c.confirmed = outcome.confirmed();
      }
    }
    if (static_cast<int>(page->size()) < kPage) break;
  }
  for (const Case& c : cases) Count(c, report.by_version[c.version]);
  return report;
}

std::string FormatOutcomeReport(const OutcomeReport& report) {
  std::string out = absl::StrCat("Outcome report: ", report.records_read,
                                 " record(s) read\n");
  if (report.by_version.empty()) {
    absl::StrAppend(&out, "No assessments stored.\n");
  }
  for (const auto& [version, v] : report.by_version) {
    absl::StrAppend(&out, "\nKnowledge base ", version, "\n");
    absl::StrAppend(&out, "  assessments: ", v.assessments,
                    ", with an outcome: ", v.with_outcome, " (accepted ",
                    v.accepted, ", overridden ", v.overridden, ")\n");
    absl::StrAppend(&out, "  leading condition = confirmed diagnosis: ",
                    Ratio(v.leading_agrees, v.confirmed_condition), "\n");
    absl::StrAppend(&out, "  confirmed diagnosis in the top 3: ",
                    Ratio(v.top3_agrees, v.confirmed_condition), "\n");
    absl::StrAppend(
        &out, "  red flags: serious pathology confirmed ",
        v.serious_flagged + v.serious_missed, ", flagged ",
        Ratio(v.serious_flagged, v.serious_flagged + v.serious_missed),
        " (missed ", v.serious_missed, "); not serious ",
        v.benign_flagged + v.benign_not_flagged, ", flagged anyway ",
        v.benign_flagged, "\n");
    if (v.confirmed_condition > 0) {
      absl::StrAppend(&out,
                      absl::StrFormat("  Brier score (multi-class, 0 best, 2 "
                                      "worst): %.3f over %d case(s)\n",
                                      v.brier_sum / v.confirmed_condition,
                                      v.confirmed_condition));
      absl::StrAppend(&out,
                      "  calibration  stated    observed  (predictions)\n");
      for (int b = 0; b < 10; ++b) {
        const CalibrationBin& bin = v.bins[b];
        if (bin.predictions == 0) continue;
        const double observed =
            static_cast<double>(bin.confirmed) / bin.predictions;
        absl::StrAppend(
            &out,
            absl::StrFormat(
                "    %3d-%3d%%   %5.1f%%    %5.1f%%    (%d)  %s\n", b * 10,
                b * 10 + 10, 100.0 * bin.sum_predicted / bin.predictions,
                100.0 * observed, bin.predictions,
                std::string(static_cast<size_t>(observed * 40 + 0.5), '#')));
      }
    }
  }
  return out;
}

std::string CalibrationSvg(const OutcomeReport& report) {
  // 400x400 plot area at (60, 20); the diagonal is perfect calibration.
  constexpr double kX = 60, kY = 20, kSize = 400;
  const char* colours[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                           "#ff7f0e"};
  std::string svg = absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n"
      "<title>Medius calibration: stated probability against observed "
      "frequency</title>\n"
      "<rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" fill=\"none\" "
      "stroke=\"#444\"/>\n"
      "<line x1=\"%g\" y1=\"%g\" x2=\"%g\" y2=\"%g\" stroke=\"#aaa\" "
      "stroke-dasharray=\"4\"/>\n"
      "<text x=\"%g\" y=\"%g\" text-anchor=\"middle\">stated "
      "probability</text>\n"
      "<text x=\"15\" y=\"%g\" transform=\"rotate(-90 15 %g)\" "
      "text-anchor=\"middle\">observed frequency</text>\n",
      static_cast<int>(kX + kSize + 160), static_cast<int>(kY + kSize + 50), kX,
      kY, kSize, kSize, kX, kY + kSize, kX + kSize, kY, kX + kSize / 2,
      kY + kSize + 35, kY + kSize / 2, kY + kSize / 2);
  int series = 0;
  for (const auto& [version, v] : report.by_version) {
    const char* colour = colours[series % 5];
    std::string points;
    for (const CalibrationBin& bin : v.bins) {
      if (bin.predictions == 0) continue;
      const double x = kX + kSize * bin.sum_predicted / bin.predictions;
      const double y = kY + kSize * (1 - static_cast<double>(bin.confirmed) /
                                             bin.predictions);
      absl::StrAppend(&points, absl::StrFormat("%.1f,%.1f ", x, y));
      absl::StrAppend(&svg,
                      absl::StrFormat("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" "
                                      "fill=\"%s\"><title>n=%d</title>"
                                      "</circle>\n",
                                      x, y, colour, bin.predictions));
    }
    if (!points.empty()) {
      absl::StrAppend(&svg, "<polyline fill=\"none\" stroke=\"", colour,
                      "\" points=\"", points, "\"/>\n");
    }
    absl::StrAppend(&svg, absl::StrFormat("<text x=\"%g\" y=\"%d\" "
                                          "fill=\"%s\">KB %s</text>\n",
                                          kX + kSize + 15, 40 + 18 * series,
                                          colour, XmlText(version)));
    ++series;
  }
  absl::StrAppend(&svg, "</svg>\n");
  return svg;
}

}  // namespace medius::audit
