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

struct Result {
  std::string file, expected;
  std::set<std::string> acceptable;
  std::vector<std::pair<std::string, double>> ranked;  // normalised
  bool top1 = false, top2 = false;
  double brier = 0;
};

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
  out->expected = c.expected_condition();
  out->acceptable = {c.expected_condition()};
  for (const auto& a : c.also_acceptable()) out->acceptable.insert(a);
  double total = 0;
  for (const auto& d : response->differential()) total += d.probability();
  for (const auto& d : response->differential()) {
    out->ranked.push_back(
        {d.condition_code(), total > 0 ? d.probability() / total : 0});
  }
  if (!out->ranked.empty()) {
    out->top1 = out->acceptable.count(out->ranked[0].first) > 0;
    out->top2 = out->top1 || (out->ranked.size() > 1 &&
                              out->acceptable.count(out->ranked[1].first) > 0);
  }
  for (const auto& [code, p] : out->ranked) {
    const double y = code == out->expected ? 1 : 0;
    out->brier += (p - y) * (p - y);
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

std::vector<Bin> Calibration(const std::vector<const Half*>& halves) {
  std::vector<Bin> bins(10);
  for (const Half* h : halves) {
    for (const auto& r : h->results) {
      for (const auto& [code, p] : r.ranked) {
        Bin& b = bins[std::min(9, static_cast<int>(p * 10))];
        ++b.n;
        b.predicted += p;
        b.observed += code == r.expected;
      }
    }
  }
  return bins;
}

std::string Svg(const std::vector<Bin>& bins, const std::string& title) {
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
  std::string points;
  for (const Bin& b : bins) {
    if (b.n == 0) continue;
    const double px = x(b.predicted / b.n), py = y(1.0 * b.observed / b.n);
    absl::StrAppendFormat(&points, "%g,%g ", px, py);
    absl::StrAppendFormat(
        &svg,
        "<circle cx=\"%g\" cy=\"%g\" r=\"%g\" fill=\"#1f77b4\" "
        "fill-opacity=\"0.7\"/>\n<text x=\"%g\" y=\"%g\" "
        "font-size=\"9\">n=%d</text>\n",
        px, py, 3 + std::sqrt(static_cast<double>(b.n)), px + 6, py - 6, b.n);
  }
  absl::StrAppendFormat(&svg,
                        "<polyline points=\"%s\" fill=\"none\" "
                        "stroke=\"#1f77b4\"/>\n</svg>\n",
                        points);
  return svg;
}

std::string Report(const std::string& version, const std::vector<Half>& halves,
                   const std::vector<std::string>& conditions,
                   const std::string& svg_name) {
  std::string md = absl::StrCat("### Knowledge base ", version, "\n\n");
  absl::StrAppend(&md,
                  "| half | cases | top-1 | top-2 | Brier (multi-class) |\n"
                  "|---|---|---|---|---|\n");
  for (const Half& h : halves) {
    absl::StrAppend(&md, "| ", h.name, " | ", h.results.size(), " | ",
                    Pct(h.top1(), h.results.size()), " | ",
                    Pct(h.top2(), h.results.size()), " | ",
                    absl::StrFormat("%.3f", h.brier()), " |\n");
  }
  for (const Half& h : halves) {
    absl::StrAppend(&md, "\n**", h.name,
                    " half: top-1 per expected condition, and confusion "
                    "(rows: expected; columns: ranked first)**\n\n| expected | "
                    "top-1 |");
    for (const auto& c : conditions) absl::StrAppend(&md, " ", c, " |");
    absl::StrAppend(&md, "\n|---|---|");
    for (size_t i = 0; i < conditions.size(); ++i) absl::StrAppend(&md, "---|");
    absl::StrAppend(&md, "\n");
    for (const auto& expected : conditions) {
      int n = 0, hits = 0;
      std::map<std::string, int> first;
      for (const auto& r : h.results) {
        if (r.expected != expected) continue;
        ++n;
        hits += r.top1;
        if (!r.ranked.empty()) ++first[r.ranked[0].first];
      }
      if (n == 0) continue;
      absl::StrAppend(&md, "| ", expected, " | ", Pct(hits, n), " |");
      for (const auto& c : conditions) {
        absl::StrAppend(&md, " ",
                        first.count(c) ? std::to_string(first[c]) : "", " |");
      }
      absl::StrAppend(&md, "\n");
    }
  }
  std::vector<const Half*> all;
  for (const Half& h : halves) all.push_back(&h);
  absl::StrAppend(&md,
                  "\n**Calibration** (every case x condition pair, both "
                  "halves)\n\n| predicted | pairs | mean predicted | observed "
                  "|\n|---|---|---|---|\n");
  int bin = 0;
  for (const Bin& b : Calibration(all)) {
    if (b.n > 0) {
      absl::StrAppendFormat(&md, "| %.1f-%.1f | %d | %.2f | %.2f |\n",
                            bin / 10.0, (bin + 1) / 10.0, b.n,
                            b.predicted / b.n, 1.0 * b.observed / b.n);
    }
    ++bin;
  }
  if (!svg_name.empty()) {
    absl::StrAppend(&md, "\n![calibration plot](", svg_name, ")\n");
  }
  absl::StrAppend(&md,
                  "\n**Per case**\n\n| half | case | expected | ranked "
                  "first | second | top-1 | top-2 |\n|---|---|---|---|---"
                  "|---|---|\n");
  for (const Half& h : halves) {
    for (const auto& r : h.results) {
      auto cell = [&](size_t i) {
        return i < r.ranked.size()
                   ? absl::StrFormat("%s %.0f%%", r.ranked[i].first,
                                     100 * r.ranked[i].second)
                   : std::string();
      };
      absl::StrAppend(&md, "| ", h.name, " | ", r.file, " | ", r.expected,
                      " | ", cell(0), " | ", cell(1), " | ",
                      r.top1 ? "yes" : "no", " | ", r.top2 ? "yes" : "no",
                      " |\n");
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
  std::vector<std::string> conditions;
  for (const auto& c : kb->conditions()) conditions.push_back(c.code());
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
    const double top1 = h.rate(h.top1()), top2 = h.rate(h.top2());
    std::cout << absl::StrFormat(
        "validate: %s half, %d cases: top-1 %.3f, top-2 %.3f, Brier %.3f\n",
        h.name, static_cast<int>(h.results.size()), top1, top2, h.brier());
    if (h.results.size() < 10) {
      std::cout << "validate: the " << h.name << " half has under 10 cases\n";
      ok = false;
    }
    for (const auto& [metric, value] :
         {std::pair<std::string, double>{"top1_" + h.name, top1},
          {"top2_" + h.name, top2}}) {
      auto floor = floors.find(metric);
      if (floor != floors.end() && value + 1e-9 < floor->second) {
        std::cout << "validate: " << metric << " " << value
                  << " is below the recorded " << floor->second << "\n";
        ok = false;
      }
    }
  }
  if (!svg.empty()) {
    std::vector<const Half*> all;
    for (const Half& h : halves) all.push_back(&h);
    std::ofstream(svg) << Svg(Calibration(all),
                              "Calibration, knowledge base " + version);
  }
  if (!markdown.empty()) {
    std::ofstream(markdown) << Report(
        version, halves, conditions,
        svg.empty() ? "" : std::filesystem::path(svg).filename().string());
  }
  return check && !ok ? 1 : 0;
}
