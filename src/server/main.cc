// medius-server: loads and validates the knowledge base, then serves
// medius.v1.AssessmentService and grpc.health.v1.Health until SIGINT or
// SIGTERM.
//
// Start-up order is deliberate: the knowledge base is loaded and validated
// before any port is bound, so a broken knowledge base never serves (the
// server exits non-zero, listing every problem with file:line).
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "common/flags_from_env.h"
#include "engine/engine.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "kb/loader.h"
#include "server/transport.h"
#include "service/assessment_service.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "Address to serve on, host:port (port 0 picks a free port). "
          "Env: MEDIUS_LISTEN.");
ABSL_FLAG(std::string, kb_dir, "knowledge",
          "Knowledge-base directory (*.textproto files). Env: MEDIUS_KB_DIR.");
ABSL_FLAG(bool, reflection, false,
          "Enable gRPC server reflection (for grpcurl and similar tools). "
          "Env: MEDIUS_REFLECTION.");
ABSL_FLAG(std::string, port_file, "",
          "If set, write the bound port to this file once serving (for "
          "scripts and tests using port 0). Env: MEDIUS_PORT_FILE.");
ABSL_FLAG(bool, insecure, false,
          "Serve plaintext gRPC, without TLS. For local use only; the server "
          "says so loudly at start-up. Env: MEDIUS_INSECURE.");
ABSL_FLAG(std::string, tls_cert_file, "",
          "PEM server certificate chain (enables TLS). Env: "
          "MEDIUS_TLS_CERT_FILE.");
ABSL_FLAG(std::string, tls_key_file, "",
          "PEM private key of the server certificate. Env: "
          "MEDIUS_TLS_KEY_FILE.");
ABSL_FLAG(std::string, tls_client_ca_file, "",
          "PEM CA bundle: when set, clients must present a certificate "
          "signed by it (mutual TLS). Env: MEDIUS_TLS_CLIENT_CA_FILE.");
ABSL_FLAG(int, shutdown_grace_seconds, 10,
          "On SIGTERM/SIGINT, how long in-flight calls may run before they "
          "are cancelled. Env: MEDIUS_SHUTDOWN_GRACE_SECONDS.");

namespace {

constexpr char kServiceName[] = "medius.v1.AssessmentService";

int Run() {
  absl::StatusOr<medius::v1::KnowledgeBase> kb =
      medius::kb::LoadKnowledgeBase(absl::GetFlag(FLAGS_kb_dir));
  if (!kb.ok()) {
    std::cerr << "medius-server: cannot load the knowledge base from "
              << absl::GetFlag(FLAGS_kb_dir) << ":\n"
              << kb.status().message() << "\n";
    return 2;
  }
  absl::StatusOr<std::unique_ptr<const medius::engine::Engine>> engine =
      medius::engine::Engine::Create(*std::move(kb));
  if (!engine.ok()) {
    std::cerr << "medius-server: " << engine.status().message() << "\n";
    return 2;
  }

  // Block the shutdown signals before gRPC starts its threads, so they
  // inherit the mask and only sigwait below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  absl::StatusOr<medius::server::Transport> transport =
      medius::server::MakeTransport({absl::GetFlag(FLAGS_tls_cert_file),
                                     absl::GetFlag(FLAGS_tls_key_file),
                                     absl::GetFlag(FLAGS_tls_client_ca_file),
                                     absl::GetFlag(FLAGS_insecure)});
  if (!transport.ok()) {
    std::cerr << "medius-server: " << transport.status().message() << "\n";
    return 2;
  }

  medius::service::AssessmentServiceImpl service(**engine);
  grpc::EnableDefaultHealthCheckService(true);
  if (absl::GetFlag(FLAGS_reflection)) {
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  }
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(absl::GetFlag(FLAGS_listen), transport->credentials,
                           &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::cerr << "medius-server: cannot listen on "
              << absl::GetFlag(FLAGS_listen) << "\n";
    return 1;
  }
  grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
  health->SetServingStatus(kServiceName, true);

  if (transport->plaintext) {
    std::cerr << "medius-server: WARNING: " << transport->description << "\n";
  }
  std::cout << "medius-server: serving " << kServiceName << " on port " << port
            << " (" << absl::GetFlag(FLAGS_listen) << ", "
            << transport->description << "), knowledge base "
            << (*engine)->version() << " (" << (*engine)->info().date() << ")"
            << std::endl;
  if (!absl::GetFlag(FLAGS_port_file).empty()) {
    // Written whole under a temporary name, then renamed: a reader never
    // sees a partial port.
    std::string path = absl::GetFlag(FLAGS_port_file);
    std::string tmp = path + ".tmp";
    std::ofstream(tmp) << port << "\n";
    std::rename(tmp.c_str(), path.c_str());
  }

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  std::cout << "medius-server: received "
            << (signal_number == SIGTERM ? "SIGTERM" : "SIGINT")
            << ", shutting down" << std::endl;
  health->Shutdown();  // NOT_SERVING for every service from now on
  server->Shutdown(
      std::chrono::system_clock::now() +
      std::chrono::seconds(absl::GetFlag(FLAGS_shutdown_grace_seconds)));
  server->Wait();
  std::cout << "medius-server: stopped" << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  medius::common::SetUsage(
      "src/server/",

      "Medius clinical decision-support server.\n"
      "Usage: medius-server [--listen=HOST:PORT] [--kb_dir=DIR]\n"
      "         (--tls_cert_file=PEM --tls_key_file=PEM "
      "[--tls_client_ca_file=PEM] | --insecure)\n"
      "Every flag can also be set with its MEDIUS_* environment variable; "
      "a command-line flag wins.");
  medius::common::ApplyEnvironmentDefaults({
      {"listen", "MEDIUS_LISTEN"},
      {"kb_dir", "MEDIUS_KB_DIR"},
      {"reflection", "MEDIUS_REFLECTION"},
      {"port_file", "MEDIUS_PORT_FILE"},
      {"insecure", "MEDIUS_INSECURE"},
      {"tls_cert_file", "MEDIUS_TLS_CERT_FILE"},
      {"tls_key_file", "MEDIUS_TLS_KEY_FILE"},
      {"tls_client_ca_file", "MEDIUS_TLS_CLIENT_CA_FILE"},
      {"shutdown_grace_seconds", "MEDIUS_SHUTDOWN_GRACE_SECONDS"},
  });
  absl::ParseCommandLine(argc, argv);
  return Run();
}
