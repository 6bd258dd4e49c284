// medius-server: loads and validates the knowledge base, then serves
// medius.v1.AssessmentService and grpc.health.v1.Health until SIGINT or
// SIGTERM.
//
// Start-up fails closed and in a deliberate order: every flag is checked
// (CheckServerFlags), the log is opened, the TLS files and token file are
// read, the knowledge base is loaded and validated, and only then are the
// metrics, health-only and main ports bound and health turned SERVING. A
// broken knowledge base or configuration never binds anything: the server
// exits 2, listing every problem (with file:line for the knowledge base). A
// port it cannot bind (in use) exits 1.
//
// Signals: SIGTERM/SIGINT drain and stop; SIGHUP re-reads the token file
// (a file that no longer loads keeps the current tokens).
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/cleanup/cleanup.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "app/application.h"
#include "app/rate_limiter.h"
#include "auth/token_store.h"
#include "common/flags_from_env.h"
#include "common/version.h"
#include "engine/engine.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "kb/loader.h"
#include "kb/published_contract.h"
#include "observability/audit_metrics.h"
#include "observability/fanout.h"
#include "observability/json_log.h"
#include "observability/metrics.h"
#include "prometheus/exposer.h"
#include "prometheus/registry.h"
#include "server/audit_setup.h"
#include "server/cds_listener.h"
#include "server/config.h"
#include "server/grpc_log.h"
#include "server/health_port.h"
#include "server/reflection_v1.h"
#include "server/server_limits.h"
#include "server/transport.h"
#include "service/assessment_service.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "Address to serve on, host:port (port 0 picks a free port).");
ABSL_FLAG(std::string, kb_dir, "knowledge",
          "Knowledge-base directory (*.textproto files).");
ABSL_FLAG(bool, insecure, false,
          "Serve plaintext gRPC, without TLS. For local use only: refused on "
          "a non-loopback --listen unless --insecure_allow_remote; the server "
          "says so loudly at start-up.");
ABSL_FLAG(bool, insecure_allow_remote, false,
          "Allow --insecure on a non-loopback address, when a TLS-terminating "
          "proxy (or a service mesh) is the only way in.");
ABSL_FLAG(std::string, tls_cert_file, "",
          "PEM server certificate chain (enables TLS).");
ABSL_FLAG(std::string, tls_key_file, "",
          "PEM private key of the server certificate.");
ABSL_FLAG(std::string, tls_client_ca_file, "",
          "PEM CA bundle: when set, clients must present a certificate "
          "signed by it (mutual TLS).");
ABSL_FLAG(std::string, token_file, "",
          "Client token file (\"client_name salt_hex sha256_hex\" lines; make "
          "entries with `medius token new NAME`). When set, every call needs "
          "'authorization: Bearer <token>'.");
ABSL_FLAG(std::string, health_listen, "",
          "Also serve grpc.health.v1.Health/Check, plaintext, on this "
          "address, for orchestrator probes when the main port needs mutual "
          "TLS. Empty: off.");
ABSL_FLAG(std::string, metrics_listen, "",
          "Serve Prometheus metrics over HTTP on this address (path "
          "/metrics). Empty: off.");
ABSL_FLAG(std::string, log_hash_key_file, "",
          "Secret (at least 16 bytes) for the keyed hash of encounter ids in "
          "the logs; the same key across restarts lets support correlate an "
          "encounter. A missing, unreadable or short file stops the server. "
          "Empty: a random key per process (with a warning).");
ABSL_FLAG(std::string, log_file, "",
          "Append the JSON log (one line per call, warnings, gRPC's own "
          "messages) to this file instead of stderr.");
ABSL_FLAG(int, max_request_bytes, 256 * 1024,
          "Largest request accepted; larger ones get RESOURCE_EXHAUSTED (and "
          "an rpc log line up to twice this; gRPC refuses larger ones before "
          "any handler).");
ABSL_FLAG(int, max_concurrent_streams, 100,
          "Most concurrent calls per client connection (1-10000).");
ABSL_FLAG(int, max_memory_mb, 1024,
          "Memory gRPC may use for connections and calls (a resource quota); "
          "past it new work is refused instead of growing.");
ABSL_FLAG(int, max_calls_in_flight, 512,
          "Most calls in flight at once, server-wide, until each response "
          "has been sent; more get RESOURCE_EXHAUSTED with RetryInfo. Bounds "
          "the memory clients that do not read their responses can hold.");
ABSL_FLAG(int, max_calls_in_flight_per_client, 64,
          "Most of those calls one client (token name, or peer host without "
          "tokens) may hold, so that one client cannot take them all.");
ABSL_FLAG(int, rate_limit_per_second, 0,
          "Calls per second each client (token name, or peer host without "
          "tokens) may make on average; more get RESOURCE_EXHAUSTED with "
          "google.rpc.RetryInfo. 0: no limit.");
ABSL_FLAG(int, rate_limit_burst, 100,
          "Calls a client may make at once above its rate.");
ABSL_FLAG(bool, reflection, false,
          "Enable gRPC server reflection on the main port (for grpcurl and "
          "similar tools); never on the health-only port.");
ABSL_FLAG(std::string, port_file, "",
          "If set, write the bound ports here once serving: the main port on "
          "the first line, then 'health_port N' / 'metrics_port N' / 'cds_port "
          "N' lines.");
ABSL_FLAG(int, drain_seconds, 5,
          "On SIGTERM/SIGINT, report NOT_SERVING this long while still "
          "answering, so load balancers stop sending first.");
ABSL_FLAG(int, shutdown_grace_seconds, 10,
          "After draining, how long in-flight calls may run before they are "
          "cancelled.");
ABSL_FLAG(std::string, cds_listen, "",
          "Also serve CDS Hooks 2.0 (GET /cds-services, POST "
          "/cds-services/medius-hip-assessment) and the assessment form as "
          "FHIR (GET /fhir/Questionnaire/medius-hip-assessment) over HTTPS on "
          "this address, with the --tls_cert_file certificate. Empty: off.");
ABSL_FLAG(std::string, cds_issuers_file, "",
          "JSON list of the EHRs allowed to call CDS Hooks, each with its "
          "public keys: {\"issuers\": [{\"iss\": URL, \"jwks\": {\"keys\": "
          "[...]}}]}. Required with --cds_listen unless --insecure.");
ABSL_FLAG(std::string, cds_public_url, "",
          "The URL EHRs call, before /cds-services (e.g. "
          "https://medius.example.org): the audience their JWTs must name.");
ABSL_FLAG(std::string, cds_allowed_origins, "",
          "Comma-separated browser origins allowed to call CDS Hooks (CORS), "
          "for browser-based EHRs; '*' allows any. Empty: none.");

ABSL_FLAG(std::string, audit, "required",
          "The assessment record: 'required' (an answer goes out only once "
          "its record is stored; UNAVAILABLE when it cannot be), "
          "'best_effort' (answers go out regardless; drops are counted and "
          "logged) or 'off' (nothing is recorded).");
ABSL_FLAG(std::string, audit_db, "medius-audit.db",
          "Where the record lives: a SQLite file (created on first start; "
          "relative to the working directory) or a postgresql:// URI shared "
          "by several replicas.");
ABSL_FLAG(int, audit_queue_records, 1024,
          "Records waiting for the audit writer; past it, --audit=required "
          "answers UNAVAILABLE and best_effort drops.");
ABSL_FLAG(int, audit_retention_days, 3650,
          "Days a record is kept; older ones are purged at start-up and "
          "daily, leaving a signed checkpoint (with --log_hash_key_file) so "
          "the rest still verifies. 0: keep forever. The default, ten years, "
          "is longer than the adult-record minimum of most health systems "
          "(e.g. eight years after the last treatment in England's Records "
          "Management Code of Practice 2021); set your own policy.");

namespace {

constexpr char kServiceName[] = "medius.v1.AssessmentService";
constexpr int kConfigError = 2;
constexpr int kCannotListen = 1;

medius::server::ServerFlags FlagsFromCommandLine() {
  medius::server::ServerFlags f;
  f.listen = absl::GetFlag(FLAGS_listen);
  f.kb_dir = absl::GetFlag(FLAGS_kb_dir);
  f.insecure = absl::GetFlag(FLAGS_insecure);
  f.insecure_allow_remote = absl::GetFlag(FLAGS_insecure_allow_remote);
  f.tls_cert_file = absl::GetFlag(FLAGS_tls_cert_file);
  f.tls_key_file = absl::GetFlag(FLAGS_tls_key_file);
  f.tls_client_ca_file = absl::GetFlag(FLAGS_tls_client_ca_file);
  f.token_file = absl::GetFlag(FLAGS_token_file);
  f.health_listen = absl::GetFlag(FLAGS_health_listen);
  f.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  f.log_hash_key_file = absl::GetFlag(FLAGS_log_hash_key_file);
  f.log_file = absl::GetFlag(FLAGS_log_file);
  f.max_request_bytes = absl::GetFlag(FLAGS_max_request_bytes);
  f.max_concurrent_streams = absl::GetFlag(FLAGS_max_concurrent_streams);
  f.max_memory_mb = absl::GetFlag(FLAGS_max_memory_mb);
  f.max_calls_in_flight = absl::GetFlag(FLAGS_max_calls_in_flight);
  f.max_calls_in_flight_per_client =
      absl::GetFlag(FLAGS_max_calls_in_flight_per_client);
  f.rate_limit_per_second = absl::GetFlag(FLAGS_rate_limit_per_second);
  f.rate_limit_burst = absl::GetFlag(FLAGS_rate_limit_burst);
  f.reflection = absl::GetFlag(FLAGS_reflection);
  f.port_file = absl::GetFlag(FLAGS_port_file);
  f.drain_seconds = absl::GetFlag(FLAGS_drain_seconds);
  f.shutdown_grace_seconds = absl::GetFlag(FLAGS_shutdown_grace_seconds);
  f.cds_listen = absl::GetFlag(FLAGS_cds_listen);
  f.cds_issuers_file = absl::GetFlag(FLAGS_cds_issuers_file);
  f.cds_public_url = absl::GetFlag(FLAGS_cds_public_url);
  f.cds_allowed_origins = absl::GetFlag(FLAGS_cds_allowed_origins);
  f.audit = absl::GetFlag(FLAGS_audit);
  f.audit_db = absl::GetFlag(FLAGS_audit_db);
  f.audit_queue_records = absl::GetFlag(FLAGS_audit_queue_records);
  f.audit_retention_days = absl::GetFlag(FLAGS_audit_retention_days);
  return f;
}

void WritePortFile(const std::string& path, int port, int health_port,
                   int metrics_port, int cds_port) {
  if (path.empty()) return;
  // Written whole under a temporary name, then renamed: a reader never sees
  // a partial file.
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << port << "\n";
    if (health_port > 0) out << "health_port " << health_port << "\n";
    if (metrics_port > 0) out << "metrics_port " << metrics_port << "\n";
    if (cds_port > 0) out << "cds_port " << cds_port << "\n";
  }
  std::rename(tmp.c_str(), path.c_str());
}

int Fail(const std::string& message, int code = kConfigError) {
  std::cerr << "medius-server: " << message << "\n";
  return code;
}

int Run() {
  // Block the signals we handle before any thread starts, so every thread
  // inherits the mask and only sigwait below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  absl::StatusOr<medius::server::ServerConfig> config =
      medius::server::CheckServerFlags(FlagsFromCommandLine());
  if (!config.ok()) return Fail(std::string(config.status().message()));
  const medius::server::ServerFlags& flags = config->flags;

  // The log first, so that everything after it, gRPC's own messages
  // included, is a JSON line of ours.
  std::ofstream log_file;
  if (!flags.log_file.empty()) {
    log_file.open(flags.log_file, std::ios::app);
    if (!log_file) return Fail("--log_file: cannot open " + flags.log_file);
  }
  medius::observability::JsonRpcLog log(
      flags.log_file.empty() ? std::cerr : log_file, config->log_hash_key);
  medius::server::RouteGrpcLogs(&log);
  // Every early return below destroys `log` (and its writer thread):
  // gRPC's threads must stop writing to it first.
  absl::Cleanup unroute_grpc_logs = [] {
    medius::server::RouteGrpcLogs(nullptr);
  };
  for (const std::string& warning : config->warnings) {
    log.Event("server", "warning", warning);
  }

  absl::StatusOr<medius::server::Transport> transport =
      medius::server::MakeTransport({flags.tls_cert_file, flags.tls_key_file,
                                     flags.tls_client_ca_file, flags.insecure});
  if (!transport.ok()) return Fail(std::string(transport.status().message()));
  std::unique_ptr<medius::auth::ReloadableTokens> tokens;
  if (!flags.token_file.empty()) {
    auto loaded = medius::auth::ReloadableTokens::Load(flags.token_file);
    if (!loaded.ok()) return Fail(std::string(loaded.status().message()));
    tokens = *std::move(loaded);
  }

  absl::StatusOr<medius::v1::KnowledgeBase> kb = medius::kb::LoadKnowledgeBase(
      flags.kb_dir, {.published_codes = medius::kb::EmbeddedPublishedCodes()});
  if (!kb.ok()) {
    return Fail("cannot load the knowledge base from " + flags.kb_dir + ":\n" +
                std::string(kb.status().message()));
  }
  absl::StatusOr<std::unique_ptr<const medius::engine::Engine>> engine =
      medius::engine::Engine::Create(*std::move(kb));
  if (!engine.ok()) return Fail(std::string(engine.status().message()));
  absl::StatusOr<std::unique_ptr<medius::server::AuditRuntime>> audit =
      medius::server::StartAudit(
          *config, [&log](const std::string& level, const std::string& m) {
            log.Event("audit", level, m);
          });
  if (!audit.ok()) {
    return Fail(absl::StrCat("--audit_db: ", audit.status().message()));
  }

  // Everything is checked: now bind, metrics first (civetweb throws when the
  // address is taken).
  auto registry = std::make_shared<prometheus::Registry>();
  medius::observability::PrometheusMetrics metrics(
      *registry, (*engine)->version(), (*engine)->info().date());
  std::unique_ptr<prometheus::Exposer> exposer;
  int metrics_port = 0;
  if (!flags.metrics_listen.empty()) {
    try {
      exposer = std::make_unique<prometheus::Exposer>(flags.metrics_listen);
    } catch (const std::exception& e) {
      return Fail("cannot listen on " + flags.metrics_listen +
                      " (--metrics_listen): " + e.what(),
                  kCannotListen);
    }
    exposer->RegisterCollectable(registry);
    if (!exposer->GetListeningPorts().empty()) {
      metrics_port = exposer->GetListeningPorts().front();
    }
  }
  std::shared_ptr<medius::observability::AuditMetrics> audit_metrics;
  if (exposer != nullptr && (*audit)->writer != nullptr) {
    audit_metrics = std::make_shared<medius::observability::AuditMetrics>(
        *(*audit)->writer);
    exposer->RegisterCollectable(audit_metrics);
  }
  medius::observability::Fanout observers({&log, &metrics});

  std::optional<medius::app::RateLimiter> rate_limiter;
  if (flags.rate_limit_per_second > 0) {
    rate_limiter.emplace(medius::app::RateLimit{
        .per_second = static_cast<double>(flags.rate_limit_per_second),
        .burst = static_cast<double>(flags.rate_limit_burst)});
  }
  medius::app::AppOptions options;
  options.tokens = tokens.get();
  options.rate_limiter = rate_limiter.has_value() ? &*rate_limiter : nullptr;
  options.observer = &observers;
  options.max_calls_in_flight = flags.max_calls_in_flight;
  options.max_request_bytes = static_cast<size_t>(flags.max_request_bytes);
  options.max_calls_in_flight_per_client = flags.max_calls_in_flight_per_client;
  options.audit_writer = (*audit)->writer.get();
  options.audit_reader = (*audit)->reader.get();
  medius::app::Application application(**engine, options);
  medius::service::AssessmentServiceImpl service(application);

  const medius::server::ServerLimits limits{
      .max_memory_mb = flags.max_memory_mb,
      .max_concurrent_streams = flags.max_concurrent_streams,
      .reflection = flags.reflection};
  medius::server::HealthState health_state;
  medius::server::HealthCheckService health_port_service(health_state,
                                                         kServiceName);
  std::unique_ptr<grpc::Server> health_server;
  int health_port = 0;
  if (!flags.health_listen.empty()) {
    medius::server::ServerLimits health_limits = limits;
    health_limits.reflection = false;
    health_server = medius::server::StartHealthServer(
        flags.health_listen, &health_port_service, &health_port, health_limits);
    if (health_server == nullptr) {
      return Fail("cannot listen on " + flags.health_listen +
                      " (--health_listen; in use?)",
                  kCannotListen);
    }
  }

  grpc::EnableDefaultHealthCheckService(true);
  // Reflection in both versions: v1alpha from grpc++ (a builder plugin),
  // v1 our own (Debian's gRPC predates it).
  if (flags.reflection) {
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  }
  medius::server::ReflectionV1Service reflection_v1(
      {kServiceName, "grpc.health.v1.Health",
       "grpc.reflection.v1.ServerReflection",
       "grpc.reflection.v1alpha.ServerReflection"});
  grpc::ServerBuilder builder;
  medius::server::ApplyServerLimits(limits, builder);
  int port = 0;
  builder.AddListeningPort(flags.listen, transport->credentials, &port);
  // The service checks --max_request_bytes itself (a refusal is then
  // logged and counted); gRPC's hard limit, at twice that, stops larger
  // requests before they are read whole.
  builder.SetMaxReceiveMessageSize(2 * flags.max_request_bytes);
  builder.RegisterService(&service);
  if (flags.reflection) builder.RegisterService(&reflection_v1);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return Fail("cannot listen on " + flags.listen + " (--listen; in use?)",
                kCannotListen);
  }
  grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
  health->SetServingStatus(kServiceName, true);
  health_state.SetServing(true);

  if (transport->plaintext) {
    log.Event("server", "warning", transport->description);
  }
  if (tokens == nullptr) {
    log.Event("server", "warning",
              "no --token_file: clients are not authenticated, and any "
              "client may read the assessment record and record outcomes");
  }
  std::cout << "medius-server: serving " << kServiceName << " on port " << port
            << " (" << flags.listen << ", " << transport->description
            << "), knowledge base " << (*engine)->version() << " ("
            << (*engine)->info().date() << ", "
            << (*engine)->info().content_digest() << ")"
            << (tokens != nullptr ? ", bearer tokens required" : "")
            << std::endl;
  std::cout << "medius-server: " << (*audit)->description << std::endl;
  if (health_port > 0) {
    std::cout << "medius-server: health-only port " << health_port << std::endl;
  }
  if (metrics_port > 0) {
    std::cout << "medius-server: metrics on http port " << metrics_port
              << "/metrics" << std::endl;
  }
  std::unique_ptr<medius::server::CdsListener> cds;
  if (!flags.cds_listen.empty()) {
    absl::StatusOr<std::unique_ptr<medius::server::CdsListener>> started =
        medius::server::StartCdsListener(
            flags, application, [&log](const std::string& message) {
              log.Event("cds_feedback", "info", message);
            });
    if (!started.ok()) {
      return Fail(std::string(started.status().message()),
                  started.status().code() == absl::StatusCode::kInvalidArgument
                      ? kConfigError
                      : kCannotListen);
    }
    cds = *std::move(started);
    if (!cds->tls()) {
      log.Event(
          "server", "warning",
          "CDS Hooks over plaintext HTTP (--insecure): for local use only");
    }
    std::cout << "medius-server: CDS Hooks on "
              << (cds->tls() ? "https" : "http") << " port " << cds->port()
              << " (/cds-services, " << cds->description() << ")" << std::endl;
  }
  WritePortFile(flags.port_file, port, health_port, metrics_port,
                cds != nullptr ? cds->port() : 0);

  int signal_number = 0;
  while (true) {
    sigwait(&signals, &signal_number);
    if (signal_number != SIGHUP) break;
    if (tokens == nullptr) {
      log.Event("server", "info", "SIGHUP: no --token_file to reload");
      continue;
    }
    absl::StatusOr<size_t> reloaded = tokens->Reload();
    if (reloaded.ok()) {
      log.Event("server", "info",
                absl::StrCat("SIGHUP: token file reloaded, ", *reloaded,
                             " client(s)"));
    } else {
      log.Event("server", "error",
                absl::StrCat("SIGHUP: token file not reloaded, the current "
                             "tokens stay in force: ",
                             reloaded.status().message()));
    }
  }
  std::cout << "medius-server: received "
            << (signal_number == SIGTERM ? "SIGTERM" : "SIGINT")
            << ", shutting down" << std::endl;
  health->Shutdown();  // NOT_SERVING for every service from now on
  health_state.SetServing(false);
  std::this_thread::sleep_for(std::chrono::seconds(flags.drain_seconds));
  cds.reset();  // stops accepting; waits for the calls it is answering
  server->Shutdown(std::chrono::system_clock::now() +
                   std::chrono::seconds(flags.shutdown_grace_seconds));
  server->Wait();
  if (health_server != nullptr) health_server->Shutdown();
  // Every answered call has handed over its record: write them all.
  if (std::string head = (*audit)->Stop(); !head.empty()) {
    log.Event("server", "info", head);
  }
  std::cout << "medius-server: stopped" << std::endl;
  medius::server::RouteGrpcLogs(nullptr);
  return 0;
}

// --version: this build, and the knowledge base --kb_dir holds (what the
// server would serve), with its content digest.
std::string VersionText() {
  std::string text =
      absl::StrCat("medius-server ", medius::common::kMediusVersion, "\n");
  const std::string dir = absl::GetFlag(FLAGS_kb_dir);
  absl::StatusOr<medius::v1::KnowledgeBase> kb = medius::kb::LoadKnowledgeBase(
      dir, {.published_codes = medius::kb::EmbeddedPublishedCodes()});
  if (kb.ok()) {
    auto engine = medius::engine::Engine::Create(*std::move(kb));
    if (engine.ok()) {
      return absl::StrCat(text, "knowledge base ", (*engine)->version(), " (",
                          (*engine)->info().content_digest(), ") in ", dir);
    }
    kb = engine.status();
  }
  return absl::StrCat(text, "knowledge base: none loadable in ", dir, " (",
                      kb.status().message(), "); this release ships ",
                      medius::common::kBundledKnowledgeBaseVersion);
}

}  // namespace

int main(int argc, char** argv) {
  // Debian's Abseil checks every mutex acquisition for lock-order cycles
  // (a debugging aid with a cost on every call); the tests and sanitizer
  // builds are where lock order is checked.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  medius::common::SetUsage(
      "src/server/",
      "Medius clinical decision-support server.\n"
      "Usage: medius-server [--listen=HOST:PORT] [--kb_dir=DIR]\n"
      "         (--tls_cert_file=PEM --tls_key_file=PEM "
      "[--tls_client_ca_file=PEM] | --insecure)\n"
      "         [--token_file=FILE] [--health_listen=HOST:PORT] "
      "[--metrics_listen=HOST:PORT]\n"
      "Every flag can also be set with its MEDIUS_* environment variable "
      "(in brackets below); a command-line flag wins.",
      VersionText);
  medius::common::ApplyEnvironmentDefaults({
      {"listen", "MEDIUS_LISTEN"},
      {"kb_dir", "MEDIUS_KB_DIR"},
      {"insecure", "MEDIUS_INSECURE"},
      {"insecure_allow_remote", "MEDIUS_INSECURE_ALLOW_REMOTE"},
      {"tls_cert_file", "MEDIUS_TLS_CERT_FILE"},
      {"tls_key_file", "MEDIUS_TLS_KEY_FILE"},
      {"tls_client_ca_file", "MEDIUS_TLS_CLIENT_CA_FILE"},
      {"token_file", "MEDIUS_TOKEN_FILE"},
      {"health_listen", "MEDIUS_HEALTH_LISTEN"},
      {"metrics_listen", "MEDIUS_METRICS_LISTEN"},
      {"log_hash_key_file", "MEDIUS_LOG_HASH_KEY_FILE"},
      {"log_file", "MEDIUS_LOG_FILE"},
      {"max_request_bytes", "MEDIUS_MAX_REQUEST_BYTES"},
      {"max_concurrent_streams", "MEDIUS_MAX_CONCURRENT_STREAMS"},
      {"max_memory_mb", "MEDIUS_MAX_MEMORY_MB"},
      {"max_calls_in_flight", "MEDIUS_MAX_CALLS_IN_FLIGHT"},
      {"max_calls_in_flight_per_client",
       "MEDIUS_MAX_CALLS_IN_FLIGHT_PER_CLIENT"},
      {"rate_limit_per_second", "MEDIUS_RATE_LIMIT_PER_SECOND"},
      {"rate_limit_burst", "MEDIUS_RATE_LIMIT_BURST"},
      {"reflection", "MEDIUS_REFLECTION"},
      {"port_file", "MEDIUS_PORT_FILE"},
      {"drain_seconds", "MEDIUS_DRAIN_SECONDS"},
      {"shutdown_grace_seconds", "MEDIUS_SHUTDOWN_GRACE_SECONDS"},
      {"cds_listen", "MEDIUS_CDS_LISTEN"},
      {"cds_issuers_file", "MEDIUS_CDS_ISSUERS_FILE"},
      {"cds_public_url", "MEDIUS_CDS_PUBLIC_URL"},
      {"cds_allowed_origins", "MEDIUS_CDS_ALLOWED_ORIGINS"},
      {"audit", "MEDIUS_AUDIT"},
      {"audit_db", "MEDIUS_AUDIT_DB"},
      {"audit_queue_records", "MEDIUS_AUDIT_QUEUE_RECORDS"},
      {"audit_retention_days", "MEDIUS_AUDIT_RETENTION_DAYS"},
  });
  medius::common::HandleCommandLine(argc, argv);
  absl::ParseCommandLine(argc, argv);
  return Run();
}
