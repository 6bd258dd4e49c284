// Engine benchmark: one full Assess of a realistic request in-process,
// against the cost of merely parsing that request from bytes (the baseline,
// measured in the same run), plus the engine's phases and the allocations
// each makes per operation (counted by alloc_counter.cc).
//
// Usage: engine_bench [benchmark flags] [--markdown_out=FILE]
//   MEDIUS_KB_DIR and MEDIUS_EXAMPLE override the knowledge base and the
//   example request (defaults: the source tree's).
// Prints Google Benchmark's table, then "ratio" lines; --markdown_out writes
// the tables docs/PERFORMANCE.md embeds.
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "bench/alloc_counter.h"
#include "bench/bench_requests.h"
#include "benchmark/benchmark.h"
#include "engine/assessment_parts.h"
#include "engine/compiled_kb.h"
#include "engine/engine.h"
#include "engine/red_flags.h"
#include "engine/request_check.h"
#include "kb/loader.h"

namespace medius::bench {
namespace {

constexpr int kSizes[] = {5, 30, 60};

struct Fixture {
  std::unique_ptr<const engine::Engine> engine;
  // A second compilation of the same knowledge base, for the phase
  // benchmarks (the Engine keeps its own private).
  std::unique_ptr<const engine::CompiledKb> compiled;
  std::map<int, medius::v1::AssessRequest> requests;
  std::map<int, std::string> bytes;
  std::map<int, medius::v1::AssessResponse> responses;
};

Fixture& Data() {
  static Fixture fixture;
  return fixture;
}

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

bool Setup() {
  Fixture& d = Data();
  std::string kb_dir =
      EnvOr("MEDIUS_KB_DIR", std::string(MEDIUS_SOURCE_DIR) + "/knowledge");
  std::string example =
      EnvOr("MEDIUS_EXAMPLE", std::string(MEDIUS_SOURCE_DIR) +
                                  "/examples/gluteal_tendinopathy.json");
  auto kb = kb::LoadKnowledgeBase(kb_dir);
  if (!kb.ok()) {
    std::cerr << kb.status() << "\n";
    return false;
  }
  auto compiled = engine::Compile(*kb);
  auto engine = engine::Engine::Create(*std::move(kb));
  auto request = ReadJsonRequest(example);
  if (!compiled.ok() || !engine.ok() || !request.ok()) {
    std::cerr << "setup failed: " << compiled.status() << " " << engine.status()
              << " " << request.status() << "\n";
    return false;
  }
  d.compiled = *std::move(compiled);
  d.engine = *std::move(engine);
  for (int size : kSizes) {
    d.requests[size] = SizedRequest(*request, d.engine->info(), size);
    d.requests[size].SerializeToString(&d.bytes[size]);
    auto response = d.engine->Assess(d.requests[size]);
    if (!response.ok()) {
      std::cerr << "request of " << size << " findings: " << response.status()
                << "\n";
      return false;
    }
    d.responses[size] = *std::move(response);
  }
  return true;
}

// Sets the "allocs" counter: operator-new calls per iteration since
// `before`.
void ReportAllocations(benchmark::State& state, uint64_t before) {
  state.counters["allocs"] =
      benchmark::Counter(static_cast<double>(ThreadAllocations() - before),
                         benchmark::Counter::kAvgIterations);
}

// The baseline: what any handler pays to turn the wire bytes into a
// message, before the engine runs.
void BM_ParseRequest(benchmark::State& state) {
  const std::string& bytes = Data().bytes.at(state.range(0));
  uint64_t before = ThreadAllocations();
  for (auto _ : state) {
    medius::v1::AssessRequest request;
    benchmark::DoNotOptimize(request.ParseFromString(bytes));
  }
  ReportAllocations(state, before);
}

void BM_Assess(benchmark::State& state) {
  const auto& request = Data().requests.at(state.range(0));
  uint64_t before = ThreadAllocations();
  for (auto _ : state) {
    auto response = Data().engine->Assess(request);
    benchmark::DoNotOptimize(response);
  }
  ReportAllocations(state, before);
}

// What the server pays after Assess to put the answer on the wire.
void BM_SerializeResponse(benchmark::State& state) {
  const auto& response = Data().responses.at(state.range(0));
  state.counters["bytes"] = static_cast<double>(response.ByteSizeLong());
  uint64_t before = ThreadAllocations();
  for (auto _ : state) {
    std::string out;
    benchmark::DoNotOptimize(response.SerializeToString(&out));
  }
  ReportAllocations(state, before);
}

// What the server does per call: request bytes to response bytes, with the
// complete message serialized (the way before splicing) ...
void BM_WireMessage(benchmark::State& state) {
  const std::string& bytes = Data().bytes.at(state.range(0));
  uint64_t before = ThreadAllocations();
  for (auto _ : state) {
    medius::v1::AssessRequest request;
    benchmark::DoNotOptimize(request.ParseFromString(bytes));
    auto response = Data().engine->Assess(request);
    std::string out;
    benchmark::DoNotOptimize(response->SerializeToString(&out));
  }
  ReportAllocations(state, before);
}

// ... and spliced: the static evidence written straight into the output.
void BM_WireSpliced(benchmark::State& state) {
  const std::string& bytes = Data().bytes.at(state.range(0));
  uint64_t before = ThreadAllocations();
  for (auto _ : state) {
    medius::v1::AssessRequest request;
    benchmark::DoNotOptimize(request.ParseFromString(bytes));
    auto response = Data().engine->Assess(request, nullptr, {.spliced = true});
    auto out = Data().engine->SerializeSpliced(*response);
    benchmark::DoNotOptimize(out);
  }
  ReportAllocations(state, before);
}

// ... and the ASSESS_VIEW_BASIC answer, spliced.
void BM_WireSplicedBasic(benchmark::State& state) {
  const std::string& bytes = Data().bytes.at(state.range(0));
  uint64_t before = ThreadAllocations();
  size_t answer = 0;
  for (auto _ : state) {
    medius::v1::AssessRequest request;
    benchmark::DoNotOptimize(request.ParseFromString(bytes));
    request.set_view(medius::v1::ASSESS_VIEW_BASIC);
    auto response = Data().engine->Assess(request, nullptr, {.spliced = true});
    auto out = Data().engine->SerializeSpliced(*response);
    answer = out->size();
    benchmark::DoNotOptimize(out);
  }
  state.counters["bytes"] = static_cast<double>(answer);
  ReportAllocations(state, before);
}

// The phases of Assess, on the compiled knowledge base. Only the stable
// ones are timed alone; the rest (protocol, disposition, notes, assembling
// the response) is reported as Assess minus these.
struct PhaseInputs {
  engine::Observations observations;
  engine::PatientContext patient;
  std::vector<medius::v1::RedFlag> red_flags;
  std::vector<engine::RankedCondition> ranked;
};

PhaseInputs Inputs(int size) {
  const auto& kb = *Data().compiled;
  const auto& request = Data().requests.at(size);
  PhaseInputs in;
  engine::CheckRequest(request, kb, &in.observations);
  if (request.patient().has_age_years()) {
    in.patient.age_years = request.patient().age_years();
  }
  in.patient.sex = request.patient().sex();
  in.red_flags = engine::EvaluateRedFlags(kb, in.observations, in.patient);
  in.ranked = engine::RankConditions(kb, in.observations);
  return in;
}

void BM_Phase1_CheckRequest(benchmark::State& state) {
  const auto& request = Data().requests.at(state.range(0));
  uint64_t before = ThreadAllocations();
  for (auto _ : state) {
    engine::Observations observations;
    auto violations =
        engine::CheckRequest(request, *Data().compiled, &observations);
    benchmark::DoNotOptimize(violations);
  }
  ReportAllocations(state, before);
}

void BM_Phase2_RedFlags(benchmark::State& state) {
  PhaseInputs in = Inputs(state.range(0));
  uint64_t before = ThreadAllocations();
  for (auto _ : state) {
    auto flags =
        engine::EvaluateRedFlags(*Data().compiled, in.observations, in.patient);
    benchmark::DoNotOptimize(flags);
  }
  ReportAllocations(state, before);
}

// The scoring loop: every condition's log odds from the likelihood ratios.
void BM_Phase3_Scoring(benchmark::State& state) {
  PhaseInputs in = Inputs(state.range(0));
  uint64_t before = ThreadAllocations();
  for (auto _ : state) {
    auto ranked = engine::RankConditions(*Data().compiled, in.observations);
    benchmark::DoNotOptimize(ranked);
  }
  ReportAllocations(state, before);
}

void BM_Phase4_Differential(benchmark::State& state) {
  PhaseInputs in = Inputs(state.range(0));
  uint64_t before = ThreadAllocations();
  for (auto _ : state) {
    for (const auto& r : in.ranked) {
      auto entry =
          engine::ToDifferentialEntry(*Data().compiled, r, in.observations);
      benchmark::DoNotOptimize(entry);
    }
  }
  ReportAllocations(state, before);
}

void BM_Phase5_NextTests(benchmark::State& state) {
  PhaseInputs in = Inputs(state.range(0));
  uint64_t before = ThreadAllocations();
  for (auto _ : state) {
    auto tests =
        engine::SuggestNextTests(*Data().compiled, in.observations, in.ranked);
    benchmark::DoNotOptimize(tests);
  }
  ReportAllocations(state, before);
}

void Sizes(benchmark::internal::Benchmark* b) {
  for (int size : kSizes) b->Arg(size);
  b->Unit(benchmark::kNanosecond);
}

BENCHMARK(BM_ParseRequest)->Apply(Sizes);
BENCHMARK(BM_Assess)->Apply(Sizes);
BENCHMARK(BM_SerializeResponse)->Apply(Sizes);
BENCHMARK(BM_WireMessage)->Apply(Sizes);
BENCHMARK(BM_WireSpliced)->Apply(Sizes);
BENCHMARK(BM_WireSplicedBasic)->Apply(Sizes);
BENCHMARK(BM_Phase1_CheckRequest)->Arg(30)->Unit(benchmark::kNanosecond);
BENCHMARK(BM_Phase2_RedFlags)->Arg(30)->Unit(benchmark::kNanosecond);
BENCHMARK(BM_Phase3_Scoring)->Arg(30)->Unit(benchmark::kNanosecond);
BENCHMARK(BM_Phase4_Differential)->Arg(30)->Unit(benchmark::kNanosecond);
BENCHMARK(BM_Phase5_NextTests)->Arg(30)->Unit(benchmark::kNanosecond);

// The console table as usual, and each benchmark's time and allocations
// kept (the median when repeated) for the ratios.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  // Plain tabular output: the table ends up in logs and docs.
  RatioReporter() : ConsoleReporter(OO_Tabular) {}

  struct Result {
    double ns = 0;
    double allocs = 0;
    double bytes = 0;
  };

  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.error_occurred) continue;
      bool median =
          run.run_type == Run::RT_Aggregate && run.aggregate_name == "median";
      if (run.run_type == Run::RT_Aggregate && !median) continue;
      std::string name = run.run_name.str();
      if (!median && medians_.count(name)) continue;
      if (median) medians_[name] = true;
      Result& r = results_[name];
      r.ns = run.GetAdjustedRealTime();
      auto allocs = run.counters.find("allocs");
      if (allocs != run.counters.end()) r.allocs = allocs->second.value;
      auto bytes = run.counters.find("bytes");
      if (bytes != run.counters.end()) r.bytes = bytes->second.value;
    }
  }

  const std::map<std::string, Result>& results() const { return results_; }

 private:
  std::map<std::string, Result> results_;
  std::map<std::string, bool> medians_;
};

std::string Markdown(const std::map<std::string, RatioReporter::Result>& r) {
  std::string out =
      "| findings | parse request (ns) | Assess (ns) | Assess / parse | "
      "serialize response (ns) | response bytes | allocations: parse | "
      "allocations: Assess |\n|---|---|---|---|---|---|---|---|\n";
  for (int size : kSizes) {
    auto parse = r.find(absl::StrFormat("BM_ParseRequest/%d", size));
    auto assess = r.find(absl::StrFormat("BM_Assess/%d", size));
    auto serialize = r.find(absl::StrFormat("BM_SerializeResponse/%d", size));
    if (parse == r.end() || assess == r.end() || serialize == r.end()) continue;
    out += absl::StrFormat(
        "| %d | %.0f | %.0f | **%.1f** | %.0f | %.0f | %.0f | %.0f |\n", size,
        parse->second.ns, assess->second.ns,
        assess->second.ns / parse->second.ns, serialize->second.ns,
        serialize->second.bytes, parse->second.allocs, assess->second.allocs);
  }
  out +=
      "\nRequest bytes to answer bytes, as the server does it (parse, "
      "Assess, serialize): the complete message serialized, against the "
      "spliced form the server sends (evidence_wire.h):\n\n"
      "| findings | complete message (ns) | spliced (ns) | spliced / "
      "complete | allocations: complete | allocations: spliced | BASIC "
      "view, spliced (ns) | BASIC answer bytes |\n"
      "|---|---|---|---|---|---|---|---|\n";
  for (int size : kSizes) {
    auto message = r.find(absl::StrFormat("BM_WireMessage/%d", size));
    auto spliced = r.find(absl::StrFormat("BM_WireSpliced/%d", size));
    auto basic = r.find(absl::StrFormat("BM_WireSplicedBasic/%d", size));
    if (message == r.end() || spliced == r.end() || basic == r.end()) continue;
    out += absl::StrFormat(
        "| %d | %.0f | %.0f | **%.2f** | %.0f | %.0f | %.0f | %.0f |\n", size,
        message->second.ns, spliced->second.ns,
        spliced->second.ns / message->second.ns, message->second.allocs,
        spliced->second.allocs, basic->second.ns, basic->second.bytes);
  }
  out +=
      "\nPhases of Assess (30 findings): CheckRequest, RedFlags, Scoring and "
      "NextTests are the evaluation; Differential and the rest build the "
      "response's messages and strings:\n\n"
      "| phase | ns | share of Assess | allocations |\n|---|---|---|---|\n";
  auto assess30 = r.find("BM_Assess/30");
  double phases_ns = 0, phases_allocs = 0;
  for (const auto& [name, result] : r) {
    if (!absl::StartsWith(name, "BM_Phase")) continue;
    std::string phase = name.substr(std::string("BM_PhaseN_").size());
    phase = phase.substr(0, phase.find('/'));
    double share = assess30 == r.end() ? 0 : result.ns / assess30->second.ns;
    out += absl::StrFormat("| %s | %.0f | %.0f%% | %.1f |\n", phase, result.ns,
                           100 * share, result.allocs);
    phases_ns += result.ns;
    phases_allocs += result.allocs;
  }
  if (assess30 != r.end()) {
    double rest = assess30->second.ns - phases_ns;
    out += absl::StrFormat(
        "| rest: protocol, disposition, notes, assembling the response "
        "(Assess minus the above) | %.0f | %.0f%% | %.1f |\n",
        rest, 100 * rest / assess30->second.ns,
        assess30->second.allocs - phases_allocs);
  }
  return out;
}

}  // namespace
}  // namespace medius::bench

int main(int argc, char** argv) {
  std::string markdown_out;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (absl::StartsWith(argv[i], "--markdown_out=")) {
      markdown_out = argv[i] + std::string("--markdown_out=").size();
    } else {
      args.push_back(argv[i]);
    }
  }
  int count = static_cast<int>(args.size());
  benchmark::Initialize(&count, args.data());
  if (benchmark::ReportUnrecognizedArguments(count, args.data())) return 2;
  if (!medius::bench::Setup()) return 1;
  medius::bench::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  const auto& results = reporter.results();
  for (int size : medius::bench::kSizes) {
    auto parse = results.find(absl::StrFormat("BM_ParseRequest/%d", size));
    auto assess = results.find(absl::StrFormat("BM_Assess/%d", size));
    if (parse == results.end() || assess == results.end()) continue;
    std::cout << absl::StrFormat(
        "ratio findings=%d parse_ns=%.0f assess_ns=%.0f assess_over_parse=%.2f "
        "assess_allocs=%.0f\n",
        size, parse->second.ns, assess->second.ns,
        assess->second.ns / parse->second.ns, assess->second.allocs);
  }
  if (!markdown_out.empty()) {
    std::ofstream(markdown_out) << medius::bench::Markdown(results);
  }
  benchmark::Shutdown();
  return 0;
}
