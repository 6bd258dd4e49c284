// medius: the command-line client for clinicians and integrators.
//
//   medius assess [FILE|-]   send an AssessRequest (protobuf JSON mapping)
//                            and print a readable report (--json: JSON)
//   medius catalog           print the knowledge base's codes (--json: JSON)
//   medius health            print the service's health; exit 0 if SERVING
//   medius token new NAME    make a client token and its token-file line
//
// Exit codes: 0 success; 1 the server answered with an error or is not
// serving; 2 bad usage or unreadable input.
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
#include "auth/token_store.h"
#include "common/flags_from_env.h"
#include "common/uuid.h"
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
#include "render/report.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051",
          "Medius server address, host:port. Env: MEDIUS_SERVER.");
ABSL_FLAG(bool, json, false, "Print the response as JSON instead of a report.");
ABSL_FLAG(bool, fhir, false,
          "assess: print the answer as a FHIR R4 Bundle (ServiceRequest per "
          "red flag, RiskAssessment, CarePlan), as the CDS Hooks service "
          "suggests them.");
ABSL_FLAG(bool, cards, false,
          "assess: print the answer as the CDS Hooks cards the CDS Hooks "
          "service would return (docs/INTEGRATION.md).");
ABSL_FLAG(int, timeout_seconds, 10, "Deadline for the call, in seconds.");
ABSL_FLAG(std::string, token, "",
          "Bearer token for servers that require one. Env: MEDIUS_TOKEN.");
ABSL_FLAG(bool, tls, false,
          "Connect with TLS, trusting the system's CA certificates (or "
          "--tls_ca_file). Implied by any --tls_* file flag.");
ABSL_FLAG(std::string, tls_ca_file, "",
          "PEM CA bundle to verify the server with. Env: MEDIUS_TLS_CA_FILE.");
ABSL_FLAG(std::string, tls_cert_file, "",
          "PEM client certificate, for servers that require mutual TLS. "
          "Env: MEDIUS_TLS_CERT_FILE.");
ABSL_FLAG(std::string, tls_key_file, "",
          "PEM private key of the client certificate. Env: "
          "MEDIUS_TLS_KEY_FILE.");

namespace {

constexpr int kOk = 0, kRpcError = 1, kUsage = 2;

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    std::cerr << "medius: cannot read " << path << "\n";
    std::exit(kUsage);
  }
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::shared_ptr<grpc::Channel> Channel() {
  const bool tls = absl::GetFlag(FLAGS_tls) ||
                   !absl::GetFlag(FLAGS_tls_ca_file).empty() ||
                   !absl::GetFlag(FLAGS_tls_cert_file).empty();
  std::shared_ptr<grpc::ChannelCredentials> credentials =
      grpc::InsecureChannelCredentials();
  if (tls) {
    grpc::SslCredentialsOptions ssl;
    if (!absl::GetFlag(FLAGS_tls_ca_file).empty()) {
      ssl.pem_root_certs = ReadFileOrDie(absl::GetFlag(FLAGS_tls_ca_file));
    }
    if (!absl::GetFlag(FLAGS_tls_cert_file).empty()) {
      ssl.pem_cert_chain = ReadFileOrDie(absl::GetFlag(FLAGS_tls_cert_file));
      ssl.pem_private_key = ReadFileOrDie(absl::GetFlag(FLAGS_tls_key_file));
    }
    credentials = grpc::SslCredentials(ssl);
  }
  return grpc::CreateChannel(absl::GetFlag(FLAGS_server), credentials);
}

void SetDeadline(grpc::ClientContext* context) {
  context->set_deadline(
      std::chrono::system_clock::now() +
      std::chrono::seconds(absl::GetFlag(FLAGS_timeout_seconds)));
  if (!absl::GetFlag(FLAGS_token).empty()) {
    context->AddMetadata("authorization",
                         "Bearer " + absl::GetFlag(FLAGS_token));
  }
}

int ReportRpcError(const grpc::Status& status) {
  std::cerr << "medius: "
            << medius::observability::StatusCodeName(status.error_code())
            << ": " << status.error_message() << "\n";
  // Field-by-field problems, when the server sent google.rpc.BadRequest.
  google::rpc::Status details;
  if (!status.error_details().empty() &&
      grpc::ExtractErrorDetails(status, &details).ok()) {
    for (const auto& any : details.details()) {
      google::rpc::BadRequest bad_request;
      if (!any.UnpackTo(&bad_request)) continue;
      for (const auto& v : bad_request.field_violations()) {
        std::cerr << "  " << v.field() << ": " << v.description() << "\n";
      }
    }
  }
  return kRpcError;
}

int PrintJson(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = false;
  auto status =
      google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) {
    std::cerr << "medius: cannot print JSON: " << status.ToString() << "\n";
    return kRpcError;
  }
  std::cout << json;
  return kOk;
}

// The answer as the CDS Hooks service renders it: cards (with the
// catalog's names for findings, one more call) or the FHIR Bundle.
int PrintStandard(const medius::v1::AssessRequest& request,
                  const medius::v1::AssessResponse& response) {
  medius::render::FhirContext fhir;
  fhir.new_id = medius::common::RandomUuid;
  const std::string& encounter = request.encounter_id();
  const bool fhir_id = !encounter.empty() && encounter.size() <= 64 &&
                       encounter.find_first_not_of(
                           "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
                           "qrstuvwxyz0123456789-.") == std::string::npos;
  if (fhir_id) fhir.encounter = "Encounter/" + encounter;
  if (absl::GetFlag(FLAGS_fhir)) {
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
  if (absl::GetFlag(FLAGS_json)) return PrintJson(response);
  if (absl::GetFlag(FLAGS_fhir) || absl::GetFlag(FLAGS_cards)) {
    return PrintStandard(request, response);
  }
  std::cout << medius::render::FormatAssessment(response);
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

int NewToken(const std::string& client) {
  std::string token = medius::auth::NewToken();
  std::cout << "Client token for " << client
            << " (give it to the client; it is not stored anywhere):\n  "
            << token << "\n"
            << "Line for the server's token file:\n  "
            << medius::auth::TokenFileLine(client, token) << "\n";
  return kOk;
}

}  // namespace

int main(int argc, char** argv) {
  medius::common::SetUsage(
      "src/cli/",
      "Medius command-line client.\n"
      "Usage:\n"
      "  medius [--server=HOST:PORT] [--json|--fhir|--cards] assess [FILE|-]\n"
      "  medius [--server=HOST:PORT] [--json] catalog\n"
      "  medius [--server=HOST:PORT] health\n"
      "  medius token new CLIENT_NAME\n"
      "Connection: --tls / --tls_ca_file=PEM, --tls_cert_file=PEM "
      "--tls_key_file=PEM (mutual TLS), --token=TOKEN (or MEDIUS_TOKEN).\n"
      "assess reads an AssessRequest in protobuf JSON (file, or stdin with "
      "-).");
  medius::common::ApplyEnvironmentDefaults(
      {{"server", "MEDIUS_SERVER"},
       {"token", "MEDIUS_TOKEN"},
       {"tls_ca_file", "MEDIUS_TLS_CA_FILE"},
       {"tls_cert_file", "MEDIUS_TLS_CERT_FILE"},
       {"tls_key_file", "MEDIUS_TLS_KEY_FILE"}});
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() < 2) {
    std::cerr << absl::ProgramUsageMessage() << "\n";
    return kUsage;
  }
  if (absl::GetFlag(FLAGS_json) + absl::GetFlag(FLAGS_fhir) +
          absl::GetFlag(FLAGS_cards) >
      1) {
    std::cerr << "medius: --json, --fhir and --cards are alternatives\n";
    return kUsage;
  }
  std::string command = args[1];
  if (command == "assess" && args.size() <= 3) {
    return Assess(args.size() == 3 ? args[2] : "-");
  }
  if (command == "catalog" && args.size() == 2) return Catalog();
  if (command == "health" && args.size() == 2) return Health();
  if (command == "token" && args.size() == 4 && std::string(args[2]) == "new") {
    return NewToken(args[3]);
  }
  std::cerr << "medius: unknown command\n"
            << absl::ProgramUsageMessage() << "\n";
  return kUsage;
}
