// CdsListener: medius-server's CDS Hooks listener, assembled from checked
// flags (config.h): the EHRs' JWT verifier (--cds_issuers_file, audience
// from --cds_public_url), the handler over the application core, and the
// HTTPS listener with the gRPC port's certificate (plaintext only with
// --insecure). Card feedback goes to `log_feedback` as a line without free
// text.
//
// Example:
//   auto cds = StartCdsListener(flags, application, [&](const std::string& m) {
//     log.Event("cds_feedback", "info", m);
//   });
//   if (cds.ok()) std::cout << (*cds)->port();
//
// Thread-safety: start and destroy from one thread; calls are served on
// the listener's threads.
#ifndef MEDIUS_SERVER_CDS_LISTENER_H_
#define MEDIUS_SERVER_CDS_LISTENER_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "app/application.h"
#include "cds/cds_handler.h"
#include "cds/http_server.h"
#include "cds/jwt.h"
#include "server/config.h"

namespace medius::server {

class CdsListener {
 public:
  int port() const { return server_->port(); }
  bool tls() const { return server_->tls(); }
  // "2 EHR issuer(s)" or "no JWT check (--insecure)".
  std::string description() const;

 private:
  friend absl::StatusOr<std::unique_ptr<CdsListener>> StartCdsListener(
      const ServerFlags&, app::Application&,
      std::function<void(const std::string&)>);
  std::unique_ptr<cds::JwtVerifier> verifier_;
  std::unique_ptr<cds::CdsHandler> handler_;
  std::unique_ptr<cds::HttpServer> server_;  // last: stopped first
};

absl::StatusOr<std::unique_ptr<CdsListener>> StartCdsListener(
    const ServerFlags& flags, app::Application& application,
    std::function<void(const std::string&)> log_feedback);

}  // namespace medius::server

#endif  // MEDIUS_SERVER_CDS_LISTENER_H_
