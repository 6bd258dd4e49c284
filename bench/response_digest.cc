// response_digest: a fingerprint of everything the engine answers over a
// fixed, wide set of requests -- every clinical case in tests/cases, the
// benchmark requests (5, 30, 60 findings) and pseudo-random requests, valid
// and invalid. Run it before and after a change to the engine that must not
// change behaviour (a performance change): the digests must be equal.
//
// It also checks, for every request, that the spliced form the server sends
// (Engine::Assess with options.spliced, then Engine::SerializeSpliced)
// parses to exactly the complete message, and that the ASSESS_VIEW_BASIC
// answer, built and spliced, is exactly the complete one with the "not in
// BASIC" fields cleared (StripToBasic); it exits 1 if one is not.
//
// Usage: response_digest [--random=N] [--dump=FILE]
//   --dump writes every response (or error) in text format, for diffing.
//   MEDIUS_KB_DIR, MEDIUS_CASES_DIR, MEDIUS_EXAMPLE override the inputs.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "bench/bench_requests.h"
#include "clinical/clinical_case.pb.h"
#include "engine/basic_view.h"
#include "engine/engine.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/text_format.h"
#include "kb/loader.h"

namespace medius::bench {
namespace {

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

std::vector<medius::v1::AssessRequest> CaseRequests(const std::string& dir) {
  std::vector<std::string> paths;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".textproto") {
      paths.push_back(entry.path().string());
    }
  }
  std::sort(paths.begin(), paths.end());
  std::vector<medius::v1::AssessRequest> requests;
  for (const std::string& path : paths) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    medius::testing::ClinicalCase c;
    if (google::protobuf::TextFormat::ParseFromString(text.str(), &c)) {
      requests.push_back(c.request());
    } else {
      std::cerr << "skipping unparsable case " << path << "\n";
    }
  }
  return requests;
}

// A request drawn from the catalog: mostly valid, sometimes with the
// mistakes an integrator makes (unknown or duplicate codes, wrong value
// types, values out of range), so both answers are fingerprinted.
medius::v1::AssessRequest RandomRequest(
    const medius::v1::KnowledgeBaseInfo& catalog, std::mt19937_64& rng) {
  auto chance = [&rng](int percent) {
    return static_cast<int>(rng() % 100) < percent;
  };
  medius::v1::AssessRequest r;
  r.set_encounter_id(absl::StrFormat("enc-%d", rng() % 1000));
  if (chance(80)) r.mutable_patient()->set_age_years(rng() % 100 + 5);
  if (chance(2)) r.mutable_patient()->set_age_years(130);
  r.mutable_patient()->set_sex(static_cast<medius::v1::Sex>(rng() % 3));
  r.mutable_patient()->set_affected_side(
      static_cast<medius::v1::Side>(rng() % 3));
  const int count = static_cast<int>(rng() % 40);
  const int invalid_percent = chance(10) ? 5 : 0;
  for (int i = 0; i < count; ++i) {
    const auto& def = catalog.findings(rng() % catalog.findings_size());
    if (def.patient_context() != medius::v1::PATIENT_CONTEXT_UNSPECIFIED &&
        !chance(invalid_percent)) {
      continue;
    }
    bool duplicate = false;
    for (const auto& f : r.findings()) duplicate |= f.code() == def.code();
    if (duplicate && !chance(invalid_percent)) continue;
    medius::v1::Finding* f = r.add_findings();
    f->set_code(chance(invalid_percent) ? "no_such_finding" : def.code());
    bool number = def.value_type() == medius::v1::VALUE_TYPE_NUMBER;
    if (chance(invalid_percent)) number = !number;
    if (number) {
      // Whole and half values, band edges included, now and then just
      // outside the valid range.
      double span = def.max_value() - def.min_value();
      double value = def.min_value() + (rng() % 201) * span / 200;
      value = std::round(value * 2) / 2;
      if (chance(invalid_percent)) value = def.max_value() + 1;
      f->set_number(value);
    } else {
      f->set_present(chance(50));
    }
  }
  return r;
}

// The deterministic wire form of a message (map and field order fixed).
std::string Deterministic(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  message.SerializeToCodedStream(&coded);
  coded.Trim();
  return out;
}

uint64_t Fnv1a(uint64_t hash, const std::string& bytes) {
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return hash;
}

}  // namespace
}  // namespace medius::bench

int main(int argc, char** argv) {
  using namespace medius::bench;  // NOLINT: a small tool
  int random = 20000;
  std::string dump;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (absl::StartsWith(arg, "--random=")) {
      if (!absl::SimpleAtoi(arg.substr(9), &random)) return 2;
    } else if (absl::StartsWith(arg, "--dump=")) {
      dump = arg.substr(7);
    } else {
      std::cerr << "usage: response_digest [--random=N] [--dump=FILE]\n";
      return 2;
    }
  }
  const std::string source = MEDIUS_SOURCE_DIR;
  auto kb = medius::kb::LoadKnowledgeBase(
      EnvOr("MEDIUS_KB_DIR", source + "/knowledge"));
  if (!kb.ok()) {
    std::cerr << kb.status() << "\n";
    return 1;
  }
  auto engine = medius::engine::Engine::Create(*std::move(kb));
  auto example = ReadJsonRequest(
      EnvOr("MEDIUS_EXAMPLE", source + "/examples/gluteal_tendinopathy.json"));
  if (!engine.ok() || !example.ok()) {
    std::cerr << engine.status() << " " << example.status() << "\n";
    return 1;
  }
  const auto& info = (*engine)->info();

  std::vector<medius::v1::AssessRequest> requests =
      CaseRequests(EnvOr("MEDIUS_CASES_DIR", source + "/tests/cases"));
  const size_t cases = requests.size();
  for (int size : {5, 30, 60}) {
    requests.push_back(SizedRequest(*example, info, size));
  }
  std::mt19937_64 rng(20240601);
  for (int i = 0; i < random; ++i) requests.push_back(RandomRequest(info, rng));

  std::ofstream out;
  if (!dump.empty()) out.open(dump);
  uint64_t hash = 14695981039346656037ULL;
  int ok = 0, spliced_differ = 0, basic_differ = 0;
  for (size_t i = 0; i < requests.size(); ++i) {
    auto response = (*engine)->Assess(requests[i]);
    std::string answer = response.ok()
                             ? Deterministic(*response)
                             : std::string(response.status().message());
    ok += response.ok();
    if (response.ok()) {
      auto spliced = (*engine)->Assess(requests[i], nullptr, {.spliced = true});
      absl::StatusOr<std::string> bytes =
          spliced.ok() ? (*engine)->SerializeSpliced(*spliced)
                       : absl::StatusOr<std::string>(spliced.status());
      medius::v1::AssessResponse parsed;
      if (!bytes.ok() || !parsed.ParseFromString(*bytes) ||
          Deterministic(parsed) != answer) {
        if (spliced_differ++ < 3) {
          std::cerr << "request " << i << ": the spliced bytes do not parse "
                    << "to the complete response\n";
        }
      }
      medius::v1::AssessRequest basic_request = requests[i];
      basic_request.set_view(medius::v1::ASSESS_VIEW_BASIC);
      medius::v1::AssessResponse expected = *response;
      medius::engine::StripToBasic(&expected);
      const std::string expected_bytes = Deterministic(expected);
      auto basic = (*engine)->Assess(basic_request);
      auto basic_spliced =
          (*engine)->Assess(basic_request, nullptr, {.spliced = true});
      absl::StatusOr<std::string> basic_bytes =
          basic_spliced.ok()
              ? (*engine)->SerializeSpliced(*basic_spliced)
              : absl::StatusOr<std::string>(basic_spliced.status());
      medius::v1::AssessResponse basic_parsed;
      if (!basic.ok() || Deterministic(*basic) != expected_bytes ||
          !basic_bytes.ok() || !basic_parsed.ParseFromString(*basic_bytes) ||
          Deterministic(basic_parsed) != expected_bytes) {
        if (basic_differ++ < 3) {
          std::cerr << "request " << i << ": the BASIC answer is not the "
                    << "complete one stripped\n";
        }
      }
    }
    hash = Fnv1a(hash, answer);
    if (out.is_open()) {
      out << "# request " << i << "\n";
      if (response.ok()) {
        std::string text;
        google::protobuf::TextFormat::PrintToString(*response, &text);
        out << text;
      } else {
        out << "error: " << response.status().message() << "\n";
      }
    }
  }
  std::cout << absl::StrFormat(
      "requests=%d (cases=%d) ok=%d invalid=%d digest=%016x "
      "spliced_differ=%d basic_differ=%d\n",
      requests.size(), cases, ok, requests.size() - ok, hash, spliced_differ,
      basic_differ);
  return spliced_differ == 0 && basic_differ == 0 ? 0 : 1;
}
