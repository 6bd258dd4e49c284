// validate: runs the differential validation set (tests/validation/{test,dev},
// see validation_case.proto) against a knowledge base and reports, per half,
// top-1 and top-2 accuracy, accuracy per expected condition, a confusion
// table, the multi-class Brier score and a calibration table; optionally a
// calibration plot (SVG) and a Markdown report (docs/VALIDATION.md).
//
// A case counts as right at top-1 when the leading condition is its
// expected_condition or one of also_acceptable; at top-2 when either of the
// first two is. The Brier score uses each condition's probability
// normalised over the differential (the model's probabilities are each
// condition's own and need not sum to 1).
//
// With --check, exits 1 when an accuracy falls below the floor given for it
// (the figures recorded in docs/VALIDATION.md: a regression guard, not a
// tuning target).
//
// Usage:
//   validate --kb_dir=knowledge --cases_dir=tests/validation
//            [--markdown=docs/VALIDATION.md]
//            [--svg=docs/validation_calibration.svg]
//            [--check --min_top1_test=F --min_top2_test=F
//                     --min_top1_dev=F --min_top2_dev=F]
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "clinical/validation_case.pb.h"
#include "engine/engine.h"
#include "google/protobuf/text_format.h"
#include "kb/loader.h"

namespace {

using medius::testing::ValidationCase;

// One ranking of one case, scored.
struct Ranking {
  std::vector<std::pair<std::string, double>> ranked;  // normalised
  bool top1 = false, top2 = false;
  double brier = 0;
};

Ranking Score(std::vector<std::pair<std::string, double>> ranked,
              const std::string& expected,
              const std::set<std::string>& acceptable) {
  Ranking out;
  double total = 0;
  for (const auto& [code, p] : ranked) total += p;
  for (auto& [code, p] : ranked) p = total > 0 ? p / total : 0;
  out.ranked = std::move(ranked);
  if (!out.ranked.empty()) {
    out.top1 = acceptable.count(out.ranked[0].first) > 0;
    out.top2 = out.top1 || (out.ranked.size() > 1 &&
                            acceptable.count(out.ranked[1].first) > 0);
  }
  for (const auto& [code, p] : out.ranked) {
    const double y = code == expected ? 1 : 0;
    out.brier += (p - y) * (p - y);
  }
  return out;
}

struct Result {
  std::string file, expected;
  std::set<std::string> acceptable;
  std::vector<std::pair<std::string, double>> ranked;  // normalised
  bool top1 = false, top2 = false;
  double brier = 0;
  // The primary-source model, when the knowledge base has one: expected
  // and acceptable codes mapped to their primary source (a tear to GTPS).
  bool has_primary = false;
  std::string primary_expected;
  Ranking primary;
  double qualifier_given_source = -1;  // P(expected qualifier | its source)
  bool low_confidence = false;         // the model said so
  int findings = 0;                    // findings recorded in the case
};

// Qualifier condition -> its primary source.
std::map<std::string, std::string> g_qualifier_of;

struct Half {
  std::string name;
  std::vector<Result> results;
  int top1() const {
    int n = 0;
    for (const auto& r : results) n += r.top1;
    return n;
  }
  int top2() const {
    int n = 0;
    for (const auto& r : results) n += r.top2;
    return n;
  }
  double brier() const {
    double sum = 0;
    for (const auto& r : results) sum += r.brier;
    return results.empty() ? 0 : sum / results.size();
  }
  int primary_top1() const {
    int n = 0;
    for (const auto& r : results) n += r.primary.top1;
    return n;
  }
  int primary_top2() const {
    int n = 0;
    for (const auto& r : results) n += r.primary.top2;
    return n;
  }
  double primary_brier() const {
    double sum = 0;
    for (const auto& r : results) sum += r.primary.brier;
    return results.empty() ? 0 : sum / results.size();
  }
  bool has_primary() const {
    return !results.empty() && results.front().has_primary;
  }
  double rate(int hits) const {
    return results.empty() ? 0 : static_cast<double>(hits) / results.size();
  }
};

std::string Flag(const std::string& arg, const std::string& name) {
  const std::string prefix = "--" + name + "=";
  return absl::StartsWith(arg, prefix) ? arg.substr(prefix.size()) : "";
}

bool Load(const std::string& file, ValidationCase* c) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return google::protobuf::TextFormat::ParseFromString(text.str(), c);
}

bool Run(const medius::engine::Engine& engine, const std::string& file,
         Result* out) {
  ValidationCase c;
  if (!Load(file, &c) || c.expected_condition().empty()) {
    std::cerr << "validate: " << file << " does not parse or has no "
              << "expected_condition\n";
    return false;
  }
  auto response = engine.Assess(c.request());
  if (!response.ok()) {
    std::cerr << "validate: " << file << ": " << response.status() << "\n";
    return false;
  }
  out->file = std::filesystem::path(file).filename().string();
  out->findings = c.request().findings_size();
  out->expected = c.expected_condition();
  out->acceptable = {c.expected_condition()};
  for (const auto& a : c.also_acceptable()) out->acceptable.insert(a);
  std::vector<std::pair<std::string, double>> differential;
  for (const auto& d : response->differential()) {
    differential.push_back({d.condition_code(), d.probability()});
  }
  Ranking r = Score(differential, out->expected, out->acceptable);
  out->ranked = r.ranked;
  out->top1 = r.top1;
  out->top2 = r.top2;
  out->brier = r.brier;
  if (response->has_primary_source()) {
    out->has_primary = true;
    auto mapped = [](const std::string& code) {
      auto it = g_qualifier_of.find(code);
      return it == g_qualifier_of.end() ? code : it->second;
    };
    out->primary_expected = mapped(out->expected);
    std::set<std::string> acceptable;
    for (const auto& a : out->acceptable) acceptable.insert(mapped(a));
    std::vector<std::pair<std::string, double>> sources;
    for (const auto& s : response->primary_source().sources()) {
      sources.push_back({s.condition_code(), s.probability()});
    }
    out->primary = Score(sources, out->primary_expected, acceptable);
    out->low_confidence = response->primary_source().low_confidence();
    // The differential then follows the primary-source model: its order is
    // scored as returned (a tear or bursitis case is right only when the
    // sub-form leads), but its sub-form entries are parts of their source,
    // not alternatives to it, so its probabilities are the primary
    // distribution's: normalising all entries would count GTPS twice.
    out->ranked = out->primary.ranked;
    out->brier = out->primary.brier;
    for (const auto& q : response->primary_source().qualifiers()) {
      if (q.condition_code() == out->expected) {
        out->qualifier_given_source = q.probability_given_source();
      }
    }
  }
  return true;
}

std::vector<std::string> Files(const std::string& dir) {
  std::vector<std::string> files;
  if (!std::filesystem::is_directory(dir)) return files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".textproto") {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string Pct(int hits, size_t n) {
  return absl::StrFormat("%d/%d (%.0f%%)", hits, static_cast<int>(n),
                         n == 0 ? 0.0 : 100.0 * hits / n);
}

// Calibration over every (case, condition) pair: predicted normalised
// probability in ten bins against the observed frequency of that condition
// being the expected one.
struct Bin {
  int n = 0;
  double predicted = 0;
  int observed = 0;
};

std::vector<Bin> Calibration(const std::vector<const Half*>& halves,
                             bool primary) {
  std::vector<Bin> bins(10);
  for (const Half* h : halves) {
    for (const auto& r : h->results) {
      const auto& ranked = primary ? r.primary.ranked : r.ranked;
      const std::string& expected = primary ? r.primary_expected : r.expected;
      for (const auto& [code, p] : ranked) {
        Bin& b = bins[std::min(9, static_cast<int>(p * 10))];
        ++b.n;
        b.predicted += p;
        b.observed += code == expected;
      }
    }
  }
  return bins;
}

struct Series {
  std::string name, colour;
  std::vector<Bin> bins;
};

std::string Svg(const std::vector<Series>& series, const std::string& title) {
  const int size = 360, margin = 50, plot = size - 2 * margin;
  auto x = [&](double v) { return margin + v * plot; };
  auto y = [&](double v) { return size - margin - v * plot; };
  std::string svg = absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
      "font-family=\"sans-serif\" font-size=\"11\">\n"
      "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
      "<text x=\"%d\" y=\"20\" font-size=\"13\">%s</text>\n"
      "<line x1=\"%g\" y1=\"%g\" x2=\"%g\" y2=\"%g\" stroke=\"#999\" "
      "stroke-dasharray=\"4 3\"/>\n"
      "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
      "stroke=\"black\"/>\n",
      size, size, margin, title, x(0), y(0), x(1), y(1), margin, margin, plot,
      plot);
  for (int t = 0; t <= 10; t += 2) {
    const double v = t / 10.0;
    absl::StrAppendFormat(&svg,
                          "<text x=\"%g\" y=\"%d\" text-anchor=\"middle\">%.1f"
                          "</text>\n<text x=\"%d\" y=\"%g\" "
                          "text-anchor=\"end\">%.1f</text>\n",
                          x(v), size - margin + 15, v, margin - 5, y(v) + 4, v);
  }
  absl::StrAppendFormat(
      &svg,
      "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">predicted probability "
      "(normalised)</text>\n<text x=\"14\" y=\"%d\" text-anchor=\"middle\" "
      "transform=\"rotate(-90 14 %d)\">observed frequency</text>\n",
      size / 2, size - 12, size / 2, size / 2);
  int legend = 0;
  for (const Series& line : series) {
    std::string points;
    for (const Bin& b : line.bins) {
      if (b.n == 0) continue;
      const double px = x(b.predicted / b.n), py = y(1.0 * b.observed / b.n);
      absl::StrAppendFormat(&points, "%g,%g ", px, py);
      absl::StrAppendFormat(&svg,
                            "<circle cx=\"%g\" cy=\"%g\" r=\"%g\" fill=\"%s\" "
                            "fill-opacity=\"0.6\"/>\n",
                            px, py, 3 + std::sqrt(static_cast<double>(b.n)),
                            line.colour);
    }
    absl::StrAppendFormat(&svg,
                          "<polyline points=\"%s\" fill=\"none\" "
                          "stroke=\"%s\"/>\n<text x=\"%d\" y=\"%d\" "
                          "fill=\"%s\">%s</text>\n",
                          points, line.colour, margin + 8,
                          margin + 16 + 14 * legend++, line.colour, line.name);
  }
  svg += "</svg>\n";
  return svg;
}

// Confusion of one model's first-ranked code against the expected one.
void AppendConfusion(const Half& h, bool primary,
                     const std::vector<std::string>& codes, std::string* md) {
  absl::StrAppend(md, "\n**", h.name, " half, ",
                  primary ? "primary source" : "differential",
                  ": top-1 per expected condition and confusion (rows: "
                  "expected; columns: ranked first)**\n\n| expected | top-1 |");
  for (const auto& c : codes) absl::StrAppend(md, " ", c, " |");
  absl::StrAppend(md, "\n|---|---|");
  for (size_t i = 0; i < codes.size(); ++i) absl::StrAppend(md, "---|");
  absl::StrAppend(md, "\n");
  std::set<std::string> rows;
  for (const auto& r : h.results) {
    rows.insert(primary ? r.primary_expected : r.expected);
  }
  for (const auto& expected : rows) {
    int n = 0, hits = 0;
    std::map<std::string, int> first;
    for (const auto& r : h.results) {
      const Ranking& k =
          primary ? r.primary : Ranking{r.ranked, r.top1, r.top2, r.brier};
      if ((primary ? r.primary_expected : r.expected) != expected) continue;
      ++n;
      hits += k.top1;
      if (!k.ranked.empty()) ++first[k.ranked[0].first];
    }
    absl::StrAppend(md, "| ", expected, " | ", Pct(hits, n), " |");
    for (const auto& c : codes) {
      absl::StrAppend(md, " ", first.count(c) ? std::to_string(first[c]) : "",
                      " |");
    }
    absl::StrAppend(md, "\n");
  }
}

void AppendCalibration(const std::vector<Bin>& bins, const std::string& name,
                       std::string* md) {
  absl::StrAppend(md, "\n**Calibration, ", name,
                  "** (every case x condition pair, both halves)\n\n| "
                  "predicted | pairs | mean predicted | observed |\n|---|---|"
                  "---|---|\n");
  for (size_t i = 0; i < bins.size(); ++i) {
    const Bin& b = bins[i];
    if (b.n == 0) continue;
    absl::StrAppendFormat(md, "| %.1f-%.1f | %d | %.2f | %.2f |\n", i / 10.0,
                          (i + 1) / 10.0, b.n, b.predicted / b.n,
                          1.0 * b.observed / b.n);
  }
}

std::string Cell(const std::vector<std::pair<std::string, double>>& ranked,
                 size_t i) {
  return i < ranked.size() ? absl::StrFormat("%s %.0f%%", ranked[i].first,
                                             100 * ranked[i].second)
                           : std::string();
}

std::string Report(const std::string& version, const std::vector<Half>& halves,
                   const std::vector<std::string>& conditions,
                   const std::vector<std::string>& sources,
                   const std::string& svg_name) {
  const bool primary = !halves.empty() && halves.front().has_primary();
  std::string md = absl::StrCat("### Knowledge base ", version, "\n\n");
  absl::StrAppend(&md,
                  "| half | model | cases | top-1 | top-2 | Brier "
                  "(multi-class) |\n|---|---|---|---|---|---|\n");
  for (const Half& h : halves) {
    const size_t n = h.results.size();
    absl::StrAppend(&md, "| ", h.name, " | differential (as returned) | ", n,
                    " | ", Pct(h.top1(), n), " | ", Pct(h.top2(), n), " | ",
                    absl::StrFormat("%.3f", h.brier()), " |\n");
    if (primary) {
      absl::StrAppend(&md, "| ", h.name, " | primary source (normalised) | ", n,
                      " | ", Pct(h.primary_top1(), n), " | ",
                      Pct(h.primary_top2(), n), " | ",
                      absl::StrFormat("%.3f", h.primary_brier()), " |\n");
    }
  }
  if (primary) {
    // Whether the model knows when it does not know: accuracy where it
    // ranked with confidence, and where it said "low confidence, do the
    // next tests".
    absl::StrAppend(&md,
                    "\nPrimary source by the model's own confidence flag:\n\n"
                    "| half | confident: cases | top-1 | low confidence: "
                    "cases | top-1 | median findings recorded (low "
                    "confidence) |\n|---|---|---|---|---|---|\n");
    for (const Half& h : halves) {
      int confident = 0, confident_hits = 0, low = 0, low_hits = 0;
      std::vector<int> low_findings;
      for (const auto& r : h.results) {
        if (r.low_confidence) {
          ++low;
          low_hits += r.primary.top1;
          low_findings.push_back(r.findings);
        } else {
          ++confident;
          confident_hits += r.primary.top1;
        }
      }
      std::sort(low_findings.begin(), low_findings.end());
      absl::StrAppend(
          &md, "| ", h.name, " | ", confident, " | ",
          Pct(confident_hits, confident), " | ", low, " | ", Pct(low_hits, low),
          " | ",
          low_findings.empty() ? 0 : low_findings[low_findings.size() / 2],
          " |\n");
    }
    absl::StrAppend(&md,
                    "\nQualifiers: P(qualifier | GTPS) for the cases whose "
                    "expected condition is a tear or bursitis (a qualifier "
                    "above 50% names it):\n\n| half | case | expected | "
                    "P(given GTPS) |\n|---|---|---|---|\n");
    for (const Half& h : halves) {
      for (const auto& r : h.results) {
        if (r.qualifier_given_source < 0) continue;
        absl::StrAppendFormat(&md, "| %s | %s | %s | %.0f%% |\n", h.name,
                              r.file, r.expected,
                              100 * r.qualifier_given_source);
      }
    }
  }
  for (const Half& h : halves) {
    AppendConfusion(h, false, conditions, &md);
    if (primary) AppendConfusion(h, true, sources, &md);
  }
  std::vector<const Half*> all;
  for (const Half& h : halves) all.push_back(&h);
  AppendCalibration(Calibration(all, false), "differential", &md);
  if (primary) AppendCalibration(Calibration(all, true), "primary source", &md);
  if (!svg_name.empty()) {
    absl::StrAppend(&md, "\n![calibration plot](", svg_name, ")\n");
  }
  absl::StrAppend(&md,
                  "\n**Per case**\n\n| half | case | expected | "
                  "differential: first | second | primary source: first "
                  "| second |\n|---|---|---|---|---|---|---|\n");
  for (const Half& h : halves) {
    for (const auto& r : h.results) {
      absl::StrAppend(&md, "| ", h.name, " | ", r.file, " | ", r.expected,
                      " | ", Cell(r.ranked, 0), r.top1 ? " (right)" : "", " | ",
                      Cell(r.ranked, 1), " | ", Cell(r.primary.ranked, 0),
                      r.primary.top1 ? " (right)" : "", " | ",
                      Cell(r.primary.ranked, 1), " |\n");
    }
  }
  return md;
}

}  // namespace

int main(int argc, char** argv) {
  std::string kb_dir, cases_dir, markdown, svg;
  bool check = false;
  std::map<std::string, double> floors;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--check") {
      check = true;
    } else if (!Flag(arg, "kb_dir").empty()) {
      kb_dir = Flag(arg, "kb_dir");
    } else if (!Flag(arg, "cases_dir").empty()) {
      cases_dir = Flag(arg, "cases_dir");
    } else if (!Flag(arg, "markdown").empty()) {
      markdown = Flag(arg, "markdown");
    } else if (!Flag(arg, "svg").empty()) {
      svg = Flag(arg, "svg");
    } else if (absl::StartsWith(arg, "--min_")) {
      const size_t eq = arg.find('=');
      if (eq == std::string::npos) {
        std::cerr << "validate: " << arg << " needs a value\n";
        return 2;
      }
      floors[arg.substr(6, eq - 6)] = std::atof(arg.c_str() + eq + 1);
    } else {
      std::cerr << "validate: unknown argument " << arg << "\n";
      return 2;
    }
  }
  if (kb_dir.empty() || cases_dir.empty()) {
    std::cerr << "usage: validate --kb_dir=DIR --cases_dir=DIR [--markdown=F] "
                 "[--svg=F] [--check --min_top1_test=F ...]\n";
    return 2;
  }
  auto kb = medius::kb::LoadKnowledgeBase(kb_dir);
  if (!kb.ok()) {
    std::cerr << kb.status() << "\n";
    return 2;
  }
  const std::string version = kb->version().version();
  std::vector<std::string> conditions, sources;
  for (const auto& c : kb->conditions()) conditions.push_back(c.code());
  for (const auto& code : kb->primary_source_model().sources()) {
    sources.push_back(code);
  }
  for (const auto& q : kb->primary_source_model().qualifiers()) {
    g_qualifier_of[q.condition_code()] = q.of_source();
  }
  auto engine = medius::engine::Engine::Create(*std::move(kb));
  if (!engine.ok()) {
    std::cerr << engine.status() << "\n";
    return 2;
  }
  std::vector<Half> halves;
  for (const std::string name : {"test", "dev"}) {
    Half h{name, {}};
    for (const std::string& file : Files(cases_dir + "/" + name)) {
      Result r;
      if (!Run(**engine, file, &r)) return 2;
      h.results.push_back(std::move(r));
    }
    halves.push_back(std::move(h));
  }
  bool ok = true;
  for (const Half& h : halves) {
    struct Metric {
      std::string name;
      double value;
    };
    std::vector<Metric> metrics = {{"top1_" + h.name, h.rate(h.top1())},
                                   {"top2_" + h.name, h.rate(h.top2())}};
    std::cout << absl::StrFormat(
        "validate: %s half, %d cases: differential top-1 %.3f, top-2 %.3f, "
        "Brier %.3f\n",
        h.name, static_cast<int>(h.results.size()), h.rate(h.top1()),
        h.rate(h.top2()), h.brier());
    if (h.has_primary()) {
      std::cout << absl::StrFormat(
          "validate: %s half: primary source top-1 %.3f, top-2 %.3f, Brier "
          "%.3f\n",
          h.name, h.rate(h.primary_top1()), h.rate(h.primary_top2()),
          h.primary_brier());
      metrics.push_back({"primary_top1_" + h.name, h.rate(h.primary_top1())});
      metrics.push_back({"primary_top2_" + h.name, h.rate(h.primary_top2())});
    }
    if (h.results.size() < 10) {
      std::cout << "validate: the " << h.name << " half has under 10 cases\n";
      ok = false;
    }
    for (const Metric& m : metrics) {
      auto floor = floors.find(m.name);
      if (floor != floors.end() && m.value + 1e-9 < floor->second) {
        std::cout << "validate: " << m.name << " " << m.value
                  << " is below the recorded " << floor->second << "\n";
        ok = false;
      }
    }
  }
  for (const auto& [name, value] : floors) {
    if (!halves.empty() && !halves.front().has_primary() &&
        absl::StartsWith(name, "primary_")) {
      std::cout << "validate: floor " << name
                << " given but the knowledge base has no primary model\n";
      ok = false;
    }
  }
  if (!svg.empty()) {
    std::vector<const Half*> all;
    for (const Half& h : halves) all.push_back(&h);
    std::vector<Series> series = {
        {"differential (as returned)", "#d62728", Calibration(all, false)}};
    if (halves.front().has_primary()) {
      series.push_back({"primary source", "#1f77b4", Calibration(all, true)});
    }
    std::ofstream(svg) << Svg(series, "Calibration, knowledge base " + version);
  }
  if (!markdown.empty()) {
    std::ofstream(markdown) << Report(
        version, halves, conditions, sources,
        svg.empty() ? "" : std::filesystem::path(svg).filename().string());
  }
  return check && !ok ? 1 : 0;
}
