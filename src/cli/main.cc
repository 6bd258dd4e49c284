// medius: the command-line client for clinicians and integrators.
//
//   medius assess [FILE|-]   send an AssessRequest (protobuf JSON mapping)
//                            and print a readable report (--json: JSON)
//   medius catalog           print the knowledge base's codes (--json: JSON)
//   medius health            print the service's health; exit 0 if SERVING
//   medius token new NAME    make a client token and its token-file line
//   medius show|list|outcome, audit verify, report outcomes: the
//                            assessment record (cli/audit_commands.h)
//
// Exit codes (cli/client.h): 0 success; 1 the server answered with an error
// or is not serving; 2 bad usage or unreadable input; 3 the audit record
// was tampered with.
#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "auth/token_store.h"
#include "cli/audit_commands.h"
#include "cli/client.h"
#include "common/flags_from_env.h"
#include "common/uuid.h"
#include "common/version.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/support/error_details.h"
#include "medius/v1/assessment_service.grpc.pb.h"
#include "observability/status_names.h"
#include "render/cds_cards.h"
#include "render/fhir.h"
#include "render/handout.h"
#include "render/report.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051",
          "Medius server address, host:port.");
ABSL_FLAG(bool, json, false, "Print the response as JSON instead of a report.");
ABSL_FLAG(std::string, format, "text",
          "assess: text (the clinician's report), json, fhir, cards, or the "
          "patient's one-page handout: markdown or html (print it from a "
          "browser).");
ABSL_FLAG(bool, fhir, false,
          "assess: print the answer as a FHIR R4 Bundle (ServiceRequest per "
          "red flag, RiskAssessment, CarePlan), as the CDS Hooks service "
          "suggests them.");
ABSL_FLAG(bool, cards, false,
          "assess: print the answer as the CDS Hooks cards the CDS Hooks "
          "service would return (docs/INTEGRATION.md).");
ABSL_FLAG(int, timeout_seconds, 10, "Deadline for the call, in seconds.");
ABSL_FLAG(std::string, token, "", "Bearer token for servers that require one.");
ABSL_FLAG(bool, tls, false,
          "Connect with TLS, trusting the system's CA certificates (or "
          "--tls_ca_file). Implied by any --tls_* file flag.");
ABSL_FLAG(std::string, tls_ca_file, "",
          "PEM CA bundle to verify the server with.");
ABSL_FLAG(std::string, tls_cert_file, "",
          "PEM client certificate, for servers that require mutual TLS.");
ABSL_FLAG(std::string, tls_key_file, "",
          "PEM private key of the client certificate.");

using medius::cli::Channel;
using medius::cli::kOk;
using medius::cli::kRpcError;
using medius::cli::kUsage;
using medius::cli::PrintJson;
using medius::cli::ReportRpcError;
using medius::cli::SetDeadline;

namespace {

// The answer as the CDS Hooks service renders it: cards (with the
// catalog's names for findings, one more call) or the FHIR Bundle.
int PrintStandard(const medius::v1::AssessRequest& request,
                  const medius::v1::AssessResponse& response, bool bundle) {
  medius::render::FhirContext fhir;
  fhir.new_id = medius::common::RandomUuid;
  const std::string& encounter = request.encounter_id();
  const bool fhir_id = !encounter.empty() && encounter.size() <= 64 &&
                       encounter.find_first_not_of(
                           "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
                           "qrstuvwxyz0123456789-.") == std::string::npos;
  if (fhir_id) fhir.encounter = "Encounter/" + encounter;
  if (bundle) {
    std::cout << medius::render::AssessmentBundle(response, fhir).dump(2)
              << "\n";
    return kOk;
  }
  auto stub = medius::v1::AssessmentService::NewStub(Channel());
  grpc::ClientContext context;
  SetDeadline(&context);
  medius::v1::KnowledgeBaseInfo info;
  grpc::Status status = stub->GetKnowledgeBase(&context, {}, &info);
  if (!status.ok()) return ReportRpcError(status);
  medius::render::CardContext cards;
  cards.fhir = fhir;
  cards.catalog = &info;
  std::cout << medius::render::AssessmentCards(response, cards).dump(2) << "\n";
  return kOk;
}

int Assess(const std::string& path) {
  std::string text;
  if (path == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), {});
  } else {
    std::ifstream in(path);
    if (!in) {
      std::cerr << "medius: cannot read " << path << "\n";
      return kUsage;
    }
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  medius::v1::AssessRequest request;
  auto parsed = google::protobuf::util::JsonStringToMessage(text, &request);
  if (!parsed.ok()) {
    std::cerr << "medius: " << path
              << " is not a valid AssessRequest in JSON: " << parsed.ToString()
              << "\n";
    return kUsage;
  }
  auto stub = medius::v1::AssessmentService::NewStub(Channel());
  grpc::ClientContext context;
  SetDeadline(&context);
  medius::v1::AssessResponse response;
  grpc::Status status = stub->Assess(&context, request, &response);
  if (!status.ok()) return ReportRpcError(status);
  const std::string format = absl::GetFlag(FLAGS_format);
  if (format == "json") return PrintJson(response);
  if (format == "fhir" || format == "cards") {
    return PrintStandard(request, response, format == "fhir");
  }
  if (format == "markdown") {
    std::cout << medius::render::HandoutMarkdown(response);
    return kOk;
  }
  if (format == "html") {
    std::cout << medius::render::HandoutHtml(response);
    return kOk;
  }
  // The catalog names the codes the answer carries bare (screening
  // questions, exercises left out); the report still prints without it.
  medius::v1::KnowledgeBaseInfo info;
  grpc::ClientContext catalog_context;
  SetDeadline(&catalog_context);
  const bool named = stub->GetKnowledgeBase(&catalog_context, {}, &info).ok();
  std::cout << medius::render::FormatAssessment(
      response, {.catalog = named ? &info : nullptr});
  return kOk;
}

int Catalog() {
  auto stub = medius::v1::AssessmentService::NewStub(Channel());
  grpc::ClientContext context;
  SetDeadline(&context);
  medius::v1::KnowledgeBaseInfo info;
  grpc::Status status = stub->GetKnowledgeBase(&context, {}, &info);
  if (!status.ok()) return ReportRpcError(status);
  if (absl::GetFlag(FLAGS_json)) return PrintJson(info);
  std::cout << medius::render::FormatCatalog(info);
  return kOk;
}

int Health() {
  auto stub = grpc::health::v1::Health::NewStub(Channel());
  grpc::ClientContext context;
  SetDeadline(&context);
  grpc::health::v1::HealthCheckRequest request;
  request.set_service("medius.v1.AssessmentService");
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) return ReportRpcError(status);
  std::cout << "medius.v1.AssessmentService: "
            << grpc::health::v1::HealthCheckResponse::ServingStatus_Name(
                   response.status())
            << "\n";
  return response.status() == grpc::health::v1::HealthCheckResponse::SERVING
             ? kOk
             : kRpcError;
}

int NewToken(const std::string& client, const std::string& permissions) {
  std::string token = medius::auth::NewToken();
  std::cout << "Client token for " << client
            << " (give it to the client; it is not stored anywhere):\n  "
            << token << "\n"
            << "Line for the server's token file:\n  "
            << medius::auth::TokenFileLine(client, token, permissions) << "\n";
  return kOk;
}

}  // namespace

int main(int argc, char** argv) {
  static const std::string usage =
      "Medius command-line client.\n"
      "Usage:\n"
      "  medius [--server=HOST:PORT] [--format=FORMAT] assess [FILE|-]\n"
      "    (FORMAT: text, json, fhir, cards; markdown or html: the patient's\n"
      "    handout)\n"
      "  medius [--server=HOST:PORT] [--json] catalog\n"
      "  medius [--server=HOST:PORT] health\n"
      "  medius token new CLIENT_NAME [PERMISSIONS]\n"
      "    (PERMISSIONS: comma-separated assess, audit:read, outcome:write)\n"
      "The assessment record:\n" +
      std::string(medius::cli::kRecordUsage) +
      "Connection: --tls / --tls_ca_file=PEM, --tls_cert_file=PEM "
      "--tls_key_file=PEM (mutual TLS), --token=TOKEN (or MEDIUS_TOKEN).\n"
      "assess reads an AssessRequest in protobuf JSON (file, or stdin with "
      "-).";
  medius::common::SetUsage("src/cli/", usage, [] {
    return absl::StrCat("medius ", medius::common::kMediusVersion,
                        "\nknowledge base ",
                        medius::common::kBundledKnowledgeBaseVersion,
                        " shipped with this release (`medius catalog` shows "
                        "the one a server uses)");
  });
  medius::common::ApplyEnvironmentDefaults(
      {{"server", "MEDIUS_SERVER"},
       {"token", "MEDIUS_TOKEN"},
       {"tls_ca_file", "MEDIUS_TLS_CA_FILE"},
       {"tls_cert_file", "MEDIUS_TLS_CERT_FILE"},
       {"tls_key_file", "MEDIUS_TLS_KEY_FILE"},
       {"audit_db", "MEDIUS_AUDIT_DB"}});
  medius::common::HandleCommandLine(argc, argv);
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() < 2) {
    std::cerr << "medius: no command\n" << medius::common::HelpText();
    return kUsage;
  }
  // --json, --fhir and --cards are the older spellings of --format.
  const int aliases = absl::GetFlag(FLAGS_json) + absl::GetFlag(FLAGS_fhir) +
                      absl::GetFlag(FLAGS_cards);
  if (aliases > 1 || (aliases == 1 && absl::GetFlag(FLAGS_format) != "text")) {
    std::cerr << "medius: --format, --json, --fhir and --cards are "
                 "alternatives\n";
    return kUsage;
  }
  if (absl::GetFlag(FLAGS_json)) absl::SetFlag(&FLAGS_format, "json");
  if (absl::GetFlag(FLAGS_fhir)) absl::SetFlag(&FLAGS_format, "fhir");
  if (absl::GetFlag(FLAGS_cards)) absl::SetFlag(&FLAGS_format, "cards");
  static const char* const kFormats[] = {"text",  "json",     "fhir",
                                         "cards", "markdown", "html"};
  if (std::find(std::begin(kFormats), std::end(kFormats),
                absl::GetFlag(FLAGS_format)) == std::end(kFormats)) {
    std::cerr << "medius: --format=" << absl::GetFlag(FLAGS_format)
              << ": not one of text, json, fhir, cards, markdown, html\n";
    return kUsage;
  }
  // catalog and the record's commands know --json only.
  if (absl::GetFlag(FLAGS_format) == "json") absl::SetFlag(&FLAGS_json, true);
  std::string command = args[1];
  if (command == "assess" && args.size() <= 3) {
    return Assess(args.size() == 3 ? args[2] : "-");
  }
  if (command == "catalog" && args.size() == 2) return Catalog();
  if (command == "health" && args.size() == 2) return Health();
  if (command == "token" && (args.size() == 4 || args.size() == 5) &&
      std::string(args[2]) == "new") {
    return NewToken(args[3], args.size() == 5 ? args[4] : "");
  }
  bool handled = false;
  int code = medius::cli::RunRecordCommand(
      std::vector<std::string>(args.begin() + 1, args.end()), &handled);
  if (handled) return code;
  std::cerr << "medius: unknown command \"" << command
            << "\" (medius --help lists them)\n";
  return kUsage;
}
