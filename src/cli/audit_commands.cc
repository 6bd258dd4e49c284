#include "cli/audit_commands.h"

#include <fstream>
#include <iostream>
#include <iterator>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "audit/audit_store.h"
#include "audit/outcome_report.h"
#include "audit/verify.h"
#include "cli/client.h"
#include "google/protobuf/util/json_util.h"
#include "medius/v1/assessment_service.grpc.pb.h"
#include "render/report.h"

ABSL_FLAG(std::string, audit_db, "medius-audit.db",
          "audit verify / report outcomes: the server's --audit_db (a SQLite "
          "file or a postgresql:// URI).");
ABSL_FLAG(std::string, audit_key_file, "",
          "audit verify: the server's --log_hash_key_file, to check the "
          "signature of retention checkpoints.");
ABSL_FLAG(std::string, svg, "",
          "report outcomes: also write the calibration plot to this SVG "
          "file.");

namespace medius::cli {

const char kRecordUsage[] =
    "  medius [--json] show ASSESSMENT_ID\n"
    "  medius list ENCOUNTER_ID\n"
    "  medius outcome ASSESSMENT_ID FILE|-   (a medius.v1.Outcome in JSON)\n"
    "  medius [--audit_db=DB] [--audit_key_file=KEY] audit verify\n"
    "  medius [--audit_db=DB] [--svg=FILE] report outcomes\n";

namespace {

using medius::v1::AssessmentService;

void PrintProvenance(const medius::v1::RecordProvenance& p) {
  std::cout << "  record " << p.sequence() << ", " << p.recorded_at()
            << (p.client().empty() ? "" : ", client " + p.client()) << ", "
            << p.transport() << "\n  hash " << p.hash() << "\n";
}

int Show(const std::string& id) {
  auto stub = AssessmentService::NewStub(Channel());
  grpc::ClientContext context;
  SetDeadline(&context);
  medius::v1::GetAssessmentRequest request;
  request.set_assessment_id(id);
  medius::v1::GetAssessmentResponse response;
  grpc::Status status = stub->GetAssessment(&context, request, &response);
  if (!status.ok()) return ReportRpcError(status);
  if (absl::GetFlag(FLAGS_json)) return PrintJson(response);
  std::cout << "Stored assessment " << id << "\n";
  PrintProvenance(response.provenance());
  std::cout << "\n" << medius::render::FormatAssessment(response.response());
  for (const auto& o : response.outcomes()) {
    std::string json;
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    (void)google::protobuf::util::MessageToJsonString(o.outcome(), &json,
                                                      options);
    std::cout << "\nOutcome: " << json << "\n";
    PrintProvenance(o.provenance());
  }
  return kOk;
}

int List(const std::string& encounter) {
  auto stub = AssessmentService::NewStub(Channel());
  medius::v1::ListAssessmentsRequest request;
  request.set_encounter_id(encounter);
  request.set_page_size(100);
  int shown = 0;
  do {
    grpc::ClientContext context;
    SetDeadline(&context);
    medius::v1::ListAssessmentsResponse page;
    grpc::Status status = stub->ListAssessments(&context, request, &page);
    if (!status.ok()) return ReportRpcError(status);
    for (const auto& a : page.assessments()) {
      std::cout << a.provenance().recorded_at() << "  " << a.assessment_id()
                << "  KB " << a.knowledge_base_version() << "  leading "
                << (a.leading_condition_code().empty()
                        ? "-"
                        : a.leading_condition_code())
                << (a.red_flag_codes_size() > 0
                        ? absl::StrCat("  RED FLAGS ", a.red_flag_codes_size())
                        : "")
                << "\n";
      ++shown;
    }
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  if (shown == 0) std::cout << "No assessments for this encounter.\n";
  return kOk;
}

int Outcome(const std::string& id, const std::string& path) {
  std::string text;
  if (path == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), {});
  } else {
    text = ReadFileOrDie(path);
  }
  medius::v1::RecordOutcomeRequest request;
  request.set_assessment_id(id);
  auto parsed = google::protobuf::util::JsonStringToMessage(
      text, request.mutable_outcome());
  if (!parsed.ok()) {
    std::cerr << "medius: " << path
              << " is not a medius.v1.Outcome in JSON: " << parsed.ToString()
              << "\n";
    return kUsage;
  }
  auto stub = AssessmentService::NewStub(Channel());
  grpc::ClientContext context;
  SetDeadline(&context);
  medius::v1::RecordOutcomeResponse response;
  grpc::Status status = stub->RecordOutcome(&context, request, &response);
  if (!status.ok()) return ReportRpcError(status);
  std::cout << "Outcome stored for " << id << "\n";
  PrintProvenance(response.provenance());
  return kOk;
}

std::unique_ptr<medius::audit::AuditStore> OpenStore(int* exit_code) {
  absl::StatusOr<std::unique_ptr<medius::audit::AuditStore>> store =
      medius::audit::OpenAuditStore(absl::GetFlag(FLAGS_audit_db));
  if (!store.ok()) {
    std::cerr << "medius: --audit_db: " << store.status().message() << "\n";
    *exit_code = kUsage;
    return nullptr;
  }
  return *std::move(store);
}

int Verify() {
  std::string key;
  if (!absl::GetFlag(FLAGS_audit_key_file).empty()) {
    key = std::string(absl::StripTrailingAsciiWhitespace(
        ReadFileOrDie(absl::GetFlag(FLAGS_audit_key_file))));
  }
  int code = kOk;
  std::unique_ptr<medius::audit::AuditStore> store = OpenStore(&code);
  if (store == nullptr) return code;
  absl::StatusOr<medius::audit::VerifyReport> report =
      medius::audit::VerifyChain(*store, key);
  if (!report.ok()) {
    std::cerr << "medius: " << report.status().message() << "\n";
    return kRpcError;
  }
  std::cout << "audit store (" << store->backend() << "): " << report->records
            << " record(s)"
            << (report->from_checkpoint
                    ? report->checkpoint_mac_checked
                          ? ", from a signed retention checkpoint"
                          : ", from a retention checkpoint (signature not "
                            "checked: no --audit_key_file)"
                    : "")
            << "\nchain head: sequence " << report->head_sequence << ", hash "
            << report->head_hash << "\n";
  if (report->ok()) {
    std::cout << "OK: the chain is intact\n";
    return kOk;
  }
  std::cout << "TAMPERED: " << report->problems.size() << " problem(s)\n";
  for (const std::string& p : report->problems) std::cout << "  " << p << "\n";
  return kTampered;
}

int ReportOutcomes() {
  int code = kOk;
  std::unique_ptr<medius::audit::AuditStore> store = OpenStore(&code);
  if (store == nullptr) return code;
  absl::StatusOr<medius::audit::OutcomeReport> report =
      medius::audit::BuildOutcomeReport(*store);
  if (!report.ok()) {
    std::cerr << "medius: " << report.status().message() << "\n";
    return kRpcError;
  }
  std::cout << medius::audit::FormatOutcomeReport(*report);
  if (const std::string svg = absl::GetFlag(FLAGS_svg); !svg.empty()) {
    std::ofstream out(svg);
    out << medius::audit::CalibrationSvg(*report);
    if (!out) {
      std::cerr << "medius: cannot write " << svg << "\n";
      return kUsage;
    }
    std::cout << "Calibration plot: " << svg << "\n";
  }
  return kOk;
}

}  // namespace

int RunRecordCommand(const std::vector<std::string>& args, bool* handled) {
  *handled = true;
  if (args.size() == 2 && args[0] == "show") return Show(args[1]);
  if (args.size() == 2 && args[0] == "list") return List(args[1]);
  if (args.size() == 3 && args[0] == "outcome") {
    return Outcome(args[1], args[2]);
  }
  if (args.size() == 2 && args[0] == "audit" && args[1] == "verify") {
    return Verify();
  }
  if (args.size() == 2 && args[0] == "report" && args[1] == "outcomes") {
    return ReportOutcomes();
  }
  *handled = false;
  return kUsage;
}

}  // namespace medius::cli
