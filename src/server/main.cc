// medius-server: loads and validates the knowledge base, then serves
// medius.v1.AssessmentService and grpc.health.v1.Health until SIGINT or
// SIGTERM.
//
// Start-up order is deliberate: the optional health-only port comes up
// first (NOT_SERVING), then the knowledge base is loaded and validated, and
// only then is the main port bound and health turned SERVING. A broken
// knowledge base or configuration never serves: the server exits 2, listing
// every problem (with file:line for the knowledge base).
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/escaping.h"
#include "auth/token_store.h"
#include "common/flags_from_env.h"
#include "engine/engine.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "kb/loader.h"
#include "kb/published_contract.h"
#include "observability/fanout.h"
#include "observability/json_log.h"
#include "observability/metrics.h"
#include "prometheus/exposer.h"
#include "prometheus/registry.h"
#include "server/health_port.h"
#include "server/transport.h"
#include "service/assessment_service.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "Address to serve on, host:port (port 0 picks a free port). "
          "Env: MEDIUS_LISTEN.");
ABSL_FLAG(std::string, kb_dir, "knowledge",
          "Knowledge-base directory (*.textproto files). Env: MEDIUS_KB_DIR.");
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
ABSL_FLAG(std::string, token_file, "",
          "Client token file (\"client_name salt_hex sha256_hex\" lines; make "
          "entries with `medius token new NAME`). When set, every call needs "
          "'authorization: Bearer <token>'. Env: MEDIUS_TOKEN_FILE.");
ABSL_FLAG(std::string, health_listen, "",
          "Also serve grpc.health.v1.Health/Check, plaintext, on this "
          "address, for orchestrator probes when the main port needs mutual "
          "TLS. Empty: off. Env: MEDIUS_HEALTH_LISTEN.");
ABSL_FLAG(std::string, metrics_listen, "",
          "Serve Prometheus metrics over HTTP on this address (path "
          "/metrics). Empty: off. Env: MEDIUS_METRICS_LISTEN.");
ABSL_FLAG(std::string, log_hash_key_file, "",
          "Secret for the keyed hash of encounter ids in the logs; the same "
          "key across restarts lets support correlate an encounter. Empty: a "
          "random key per process. Env: MEDIUS_LOG_HASH_KEY_FILE.");
ABSL_FLAG(int, max_request_bytes, 256 * 1024,
          "Largest request accepted; larger ones get RESOURCE_EXHAUSTED. "
          "Env: MEDIUS_MAX_REQUEST_BYTES.");
ABSL_FLAG(int, max_concurrent_streams, 100,
          "Most concurrent calls per client connection. Env: "
          "MEDIUS_MAX_CONCURRENT_STREAMS.");
ABSL_FLAG(bool, reflection, false,
          "Enable gRPC server reflection (for grpcurl and similar tools). "
          "Env: MEDIUS_REFLECTION.");
ABSL_FLAG(std::string, port_file, "",
          "If set, write the bound ports here once serving: the main port on "
          "the first line, then 'health_port N' / 'metrics_port N' lines. "
          "Env: MEDIUS_PORT_FILE.");
ABSL_FLAG(int, drain_seconds, 0,
          "On SIGTERM/SIGINT, report NOT_SERVING this long while still "
          "answering, so load balancers stop sending first. Env: "
          "MEDIUS_DRAIN_SECONDS.");
ABSL_FLAG(int, shutdown_grace_seconds, 10,
          "After draining, how long in-flight calls may run before they are "
          "cancelled. Env: MEDIUS_SHUTDOWN_GRACE_SECONDS.");

namespace {

constexpr char kServiceName[] = "medius.v1.AssessmentService";
constexpr int kConfigError = 2;

std::string LogHashKey() {
  std::string path = absl::GetFlag(FLAGS_log_hash_key_file);
  if (path.empty()) return medius::auth::NewToken();
  std::ifstream in(path);
  std::stringstream key;
  key << in.rdbuf();
  return key.str();
}

void WritePortFile(int port, int health_port, int metrics_port) {
  const std::string path = absl::GetFlag(FLAGS_port_file);
  if (path.empty()) return;
  // Written whole under a temporary name, then renamed: a reader never sees
  // a partial file.
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << port << "\n";
    if (health_port > 0) out << "health_port " << health_port << "\n";
    if (metrics_port > 0) out << "metrics_port " << metrics_port << "\n";
  }
  std::rename(tmp.c_str(), path.c_str());
}

int Fail(const std::string& message) {
  std::cerr << "medius-server: " << message << "\n";
  return kConfigError;
}

int Run() {
  // Block the shutdown signals before any thread starts, so every thread
  // inherits the mask and only sigwait below receives them.
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
  if (!transport.ok()) return Fail(std::string(transport.status().message()));
  std::optional<medius::auth::TokenStore> tokens;
  if (!absl::GetFlag(FLAGS_token_file).empty()) {
    auto loaded =
        medius::auth::TokenStore::LoadFile(absl::GetFlag(FLAGS_token_file));
    if (!loaded.ok()) return Fail(std::string(loaded.status().message()));
    tokens = *std::move(loaded);
  }

  // The health-only port answers NOT_SERVING while the knowledge base loads.
  medius::server::HealthState health_state;
  medius::server::HealthCheckService health_port_service(health_state,
                                                         kServiceName);
  std::unique_ptr<grpc::Server> health_server;
  int health_port = 0;
  if (!absl::GetFlag(FLAGS_health_listen).empty()) {
    health_server = medius::server::StartHealthServer(
        absl::GetFlag(FLAGS_health_listen), &health_port_service, &health_port);
    if (health_server == nullptr) {
      std::cerr << "medius-server: cannot listen on "
                << absl::GetFlag(FLAGS_health_listen) << "\n";
      return 1;
    }
  }

  absl::StatusOr<medius::v1::KnowledgeBase> kb = medius::kb::LoadKnowledgeBase(
      absl::GetFlag(FLAGS_kb_dir),
      {.published_codes = medius::kb::EmbeddedPublishedCodes()});
  if (!kb.ok()) {
    return Fail("cannot load the knowledge base from " +
                absl::GetFlag(FLAGS_kb_dir) + ":\n" +
                std::string(kb.status().message()));
  }
  absl::StatusOr<std::unique_ptr<const medius::engine::Engine>> engine =
      medius::engine::Engine::Create(*std::move(kb));
  if (!engine.ok()) return Fail(std::string(engine.status().message()));

  auto registry = std::make_shared<prometheus::Registry>();
  medius::observability::PrometheusMetrics metrics(
      *registry, (*engine)->version(), (*engine)->info().date());
  std::unique_ptr<prometheus::Exposer> exposer;
  int metrics_port = 0;
  if (!absl::GetFlag(FLAGS_metrics_listen).empty()) {
    exposer = std::make_unique<prometheus::Exposer>(
        absl::GetFlag(FLAGS_metrics_listen));
    exposer->RegisterCollectable(registry);
    if (!exposer->GetListeningPorts().empty()) {
      metrics_port = exposer->GetListeningPorts().front();
    }
  }
  medius::observability::JsonRpcLog log(std::cerr, LogHashKey());
  medius::observability::Fanout observers({&log, &metrics});

  medius::service::ServiceOptions options;
  options.tokens = tokens.has_value() ? &*tokens : nullptr;
  options.observer = &observers;
  medius::service::AssessmentServiceImpl service(**engine, options);

  grpc::EnableDefaultHealthCheckService(true);
  if (absl::GetFlag(FLAGS_reflection)) {
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  }
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(absl::GetFlag(FLAGS_listen), transport->credentials,
                           &port);
  builder.SetMaxReceiveMessageSize(absl::GetFlag(FLAGS_max_request_bytes));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             absl::GetFlag(FLAGS_max_concurrent_streams));
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::cerr << "medius-server: cannot listen on "
              << absl::GetFlag(FLAGS_listen) << "\n";
    return 1;
  }
  grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
  health->SetServingStatus(kServiceName, true);
  health_state.SetServing(true);

  if (transport->plaintext) {
    std::cerr << "medius-server: WARNING: " << transport->description << "\n";
  }
  if (!tokens.has_value()) {
    std::cerr << "medius-server: WARNING: no --token_file: clients are not "
                 "authenticated\n";
  }
  std::cout << "medius-server: serving " << kServiceName << " on port " << port
            << " (" << absl::GetFlag(FLAGS_listen) << ", "
            << transport->description << "), knowledge base "
            << (*engine)->version() << " (" << (*engine)->info().date() << ", "
            << (*engine)->info().content_digest() << ")"
            << (tokens.has_value() ? ", bearer tokens required" : "")
            << std::endl;
  if (health_port > 0) {
    std::cout << "medius-server: health-only port " << health_port << std::endl;
  }
  if (metrics_port > 0) {
    std::cout << "medius-server: metrics on http port " << metrics_port
              << "/metrics" << std::endl;
  }
  WritePortFile(port, health_port, metrics_port);

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  std::cout << "medius-server: received "
            << (signal_number == SIGTERM ? "SIGTERM" : "SIGINT")
            << ", shutting down" << std::endl;
  health->Shutdown();  // NOT_SERVING for every service from now on
  health_state.SetServing(false);
  std::this_thread::sleep_for(
      std::chrono::seconds(absl::GetFlag(FLAGS_drain_seconds)));
  server->Shutdown(
      std::chrono::system_clock::now() +
      std::chrono::seconds(absl::GetFlag(FLAGS_shutdown_grace_seconds)));
  server->Wait();
  if (health_server != nullptr) health_server->Shutdown();
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
      "         [--token_file=FILE] [--health_listen=HOST:PORT] "
      "[--metrics_listen=HOST:PORT]\n"
      "Every flag can also be set with its MEDIUS_* environment variable; "
      "a command-line flag wins.");
  medius::common::ApplyEnvironmentDefaults({
      {"listen", "MEDIUS_LISTEN"},
      {"kb_dir", "MEDIUS_KB_DIR"},
      {"insecure", "MEDIUS_INSECURE"},
      {"tls_cert_file", "MEDIUS_TLS_CERT_FILE"},
      {"tls_key_file", "MEDIUS_TLS_KEY_FILE"},
      {"tls_client_ca_file", "MEDIUS_TLS_CLIENT_CA_FILE"},
      {"token_file", "MEDIUS_TOKEN_FILE"},
      {"health_listen", "MEDIUS_HEALTH_LISTEN"},
      {"metrics_listen", "MEDIUS_METRICS_LISTEN"},
      {"log_hash_key_file", "MEDIUS_LOG_HASH_KEY_FILE"},
      {"max_request_bytes", "MEDIUS_MAX_REQUEST_BYTES"},
      {"max_concurrent_streams", "MEDIUS_MAX_CONCURRENT_STREAMS"},
      {"reflection", "MEDIUS_REFLECTION"},
      {"port_file", "MEDIUS_PORT_FILE"},
      {"drain_seconds", "MEDIUS_DRAIN_SECONDS"},
      {"shutdown_grace_seconds", "MEDIUS_SHUTDOWN_GRACE_SECONDS"},
  });
  absl::ParseCommandLine(argc, argv);
  return Run();
}
