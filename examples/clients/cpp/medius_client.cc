// Medius client example (C++, grpc++).
//
// Calls a Medius server the way an EMR integration would:
//   1. Assess: a first consultation for lateral hip pain; prints the leading
//      diagnoses with their probabilities and any red flags;
//   2. a deliberately malformed Assess: reads the google.rpc.BadRequest
//      field violations from the error details (the grpc-status-details-bin
//      trailer);
//   3. grpc.health.v1.Health/Check for "medius.v1.AssessmentService".
// Exits 0 when all three behave as documented, 1 otherwise.
//
// Usage: medius_client [--server HOST:PORT]   (env MEDIUS_SERVER;
//        default 127.0.0.1:50051)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "medius/v1/assessment_service.grpc.pb.h"

namespace {

constexpr char kService[] = "medius.v1.AssessmentService";

// Every call gets a deadline.
void SetDeadline(grpc::ClientContext* context) {
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(10));
  // With tokens (the server's --token_file), every call also needs:
  //   context->AddMetadata("authorization", "Bearer " + token);
  // or, once per channel, grpc::AccessTokenCredentials(token) composed with
  // the TLS credentials (see main).
}

bool Fail(const std::string& what) {
  std::cerr << "medius_client: unexpected: " << what << "\n";
  return false;
}

bool FailRpc(const grpc::Status& status) {
  std::cerr << "medius_client: gRPC status " << status.error_code() << ": "
            << status.error_message() << "\n";
  return false;
}

// A 54-year-old woman with 20 weeks of right lateral hip pain
// (examples/gluteal_tendinopathy.json). Only what was assessed is sent:
// present=false means "tested and absent".
medius::v1::AssessRequest ConsultationRequest() {
  const std::vector<std::pair<const char*, bool>> present = {
      {"lateral_hip_pain", true},
      {"groin_pain", false},
      {"pain_below_knee", false},
      {"low_back_pain", false},
      {"pain_lying_on_affected_side", true},
      {"pain_stairs", true},
      {"pain_crossing_legs", true},
      {"difficulty_shoes_socks", false},
      {"insidious_onset", true},
      // The core red-flag screen: asked, and all absent.
      {"fever_or_systemically_unwell", false},
      {"history_of_cancer", false},
      {"unexplained_weight_loss", false},
      {"saddle_anaesthesia", false},
      {"bladder_bowel_dysfunction", false},
      {"inability_to_weight_bear", false},
      {"night_pain", false},
      // Examination.
      {"greater_trochanter_tenderness", true},
      {"single_leg_stance_30s_pain", true},
      {"resisted_abduction_pain", true},
      {"trendelenburg_sign", false},
      {"faber_lateral_pain", true},
      {"hip_internal_rotation_restricted", false},
      {"slr_positive", false},
      {"neuro_deficit", false},
      {"pain_constant_unremitting", false},
      {"significant_trauma", false},
  };
  const std::vector<std::pair<const char*, double>> measured = {
      {"symptom_duration_weeks", 20}, {"pain_nrs", 6}};
  medius::v1::AssessRequest request;
  request.set_encounter_id("emr-encounter-0001");
  request.mutable_patient()->set_age_years(54);
  request.mutable_patient()->set_sex(medius::v1::SEX_FEMALE);
  request.mutable_patient()->set_affected_side(medius::v1::SIDE_RIGHT);
  for (const auto& [code, value] : present) {
    auto* finding = request.add_findings();
    finding->set_code(code);
    finding->set_present(value);
  }
  for (const auto& [code, value] : measured) {
    auto* finding = request.add_findings();
    finding->set_code(code);
    finding->set_number(value);
  }
  return request;
}

bool Assess(medius::v1::AssessmentService::Stub& stub) {
  grpc::ClientContext context;
  SetDeadline(&context);
  medius::v1::AssessResponse response;
  grpc::Status status = stub.Assess(&context, ConsultationRequest(), &response);
  if (!status.ok()) return FailRpc(status);
  std::cout << "Assess: assessment " << response.assessment_id()
            << " (knowledge base " << response.knowledge_base_version()
            << ")\n";
  if (response.red_flags().empty()) {
    std::cout << "Red flags: none\n";
  } else {
    std::cout << "Red flags:\n";
    for (const auto& flag : response.red_flags()) {
      std::cout << "  " << medius::v1::Urgency_Name(flag.urgency()) << "  "
                << flag.code() << ": "
                << medius::v1::ReferralDestination_Name(flag.refer_to()) << "; "
                << flag.action() << "\n";
    }
  }
  std::cout << "Disposition: " << response.disposition().statement() << "\n";
  if (response.differential().empty()) {
    return Fail("the response has no differential");
  }
  std::cout << "Leading diagnoses:\n";
  for (int i = 0; i < response.differential_size() && i < 3; ++i) {
    const auto& entry = response.differential(i);
    char probability[16];
    std::snprintf(probability, sizeof probability, "%.3f", entry.probability());
    std::cout << "  " << probability << "  " << entry.condition_code() << "  "
              << entry.display_name();
    // An entry that refines another (a tear of a tendinopathy) is a part of
    // that entry's probability, not an alternative to it.
    if (!entry.refines().empty()) {
      std::cout << "  (part of " << entry.refines() << ")";
    }
    std::cout << "\n";
  }
  return true;
}

// The google.rpc.BadRequest field violations of a failed call: the server
// puts a google.rpc.Status in the grpc-status-details-bin trailer, which
// grpc++ hands over (base64-decoded) as Status::error_details(), with the
// BadRequest packed in its details as a google.protobuf.Any.
// (grpcpp/support/error_details.h's grpc::ExtractErrorDetails does the
// first step too.)
std::vector<google::rpc::BadRequest::FieldViolation> BadRequestViolations(
    const grpc::Status& status) {
  std::vector<google::rpc::BadRequest::FieldViolation> violations;
  google::rpc::Status details;
  if (!details.ParseFromString(status.error_details())) return violations;
  for (const auto& any : details.details()) {
    google::rpc::BadRequest bad_request;
    if (!any.UnpackTo(&bad_request)) continue;
    violations.insert(violations.end(), bad_request.field_violations().begin(),
                      bad_request.field_violations().end());
  }
  return violations;
}

bool AssessMalformed(medius::v1::AssessmentService::Stub& stub) {
  medius::v1::AssessRequest request;
  request.set_encounter_id("emr-encounter-0002");
  request.mutable_patient()->set_age_years(540);  // a typo for 54
  auto* finding = request.add_findings();
  finding->set_code("lateral_hip_pain");
  finding->set_present(true);
  finding = request.add_findings();
  finding->set_code("trochanter_tenderness");  // no such code
  finding->set_present(true);

  grpc::ClientContext context;
  SetDeadline(&context);
  medius::v1::AssessResponse response;
  grpc::Status status = stub.Assess(&context, request, &response);
  if (status.ok()) return Fail("the malformed request was accepted");
  if (status.error_code() != grpc::StatusCode::INVALID_ARGUMENT) {
    return FailRpc(status);
  }
  std::cout << "Bad request rejected: INVALID_ARGUMENT: "
            << status.error_message() << "\n";
  std::set<std::string> fields;
  for (const auto& violation : BadRequestViolations(status)) {
    std::cout << "  field violation: " << violation.field() << ": "
              << violation.description() << "\n";
    fields.insert(violation.field());
  }
  for (const char* expected : {"patient.age_years", "findings[1].code"}) {
    if (fields.count(expected) == 0) {
      return Fail(std::string("expected a field violation for ") + expected);
    }
  }
  return true;
}

bool CheckHealth(const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  SetDeadline(&context);
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(kService);
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) return FailRpc(status);
  std::cout << "Health " << kService << ": "
            << grpc::health::v1::HealthCheckResponse::ServingStatus_Name(
                   response.status())
            << "\n";
  if (response.status() != grpc::health::v1::HealthCheckResponse::SERVING) {
    return Fail("the service is not serving");
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  const char* env = std::getenv("MEDIUS_SERVER");
  std::string server = env != nullptr ? env : "127.0.0.1:50051";
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--server") == 0 && i + 1 < argc) {
      server = argv[++i];
    } else if (std::strncmp(argv[i], "--server=", 9) == 0) {
      server = argv[i] + 9;
    } else {
      std::cerr << "usage: medius_client [--server HOST:PORT]\n";
      return 2;
    }
  }

  // Plaintext, for a local server started with --insecure (which it only
  // allows on loopback). In production the server has TLS
  // (--tls_cert_file/--tls_key_file, optionally --tls_client_ca_file for
  // mutual TLS) and tokens (--token_file; every call then needs
  // "authorization: Bearer <token>"):
  //
  //   grpc::SslCredentialsOptions tls;
  //   tls.pem_root_certs = ReadFile("ca.pem");
  //   // mutual TLS only: tls.pem_private_key, tls.pem_cert_chain
  //   auto credentials = grpc::CompositeChannelCredentials(
  //       grpc::SslCredentials(tls), grpc::AccessTokenCredentials(token));
  //
  // AccessTokenCredentials sends "authorization: Bearer <token>" on every
  // call (and only over TLS).
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateChannel(server, grpc::InsecureChannelCredentials());
  auto stub = medius::v1::AssessmentService::NewStub(channel);
  if (!Assess(*stub) || !AssessMalformed(*stub) || !CheckHealth(channel)) {
    return 1;
  }
  return 0;
}
