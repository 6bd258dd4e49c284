#include "server/cds_listener.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "cds/discovery.h"

namespace medius::server {

std::string CdsListener::description() const {
  return verifier_ != nullptr
             ? absl::StrCat(verifier_->issuers(),
                            " EHR issuer(s), signed JWTs required")
             : "no JWT check (--insecure)";
}

absl::StatusOr<std::unique_ptr<CdsListener>> StartCdsListener(
    const ServerFlags& flags, app::Application& application,
    std::function<void(const std::string&)> log_feedback) {
  auto listener = std::unique_ptr<CdsListener>(new CdsListener());
  if (!flags.cds_issuers_file.empty()) {
    const std::string service =
        absl::StrCat(absl::StripSuffix(flags.cds_public_url, "/"),
                     "/cds-services/", cds::kServiceId);
    absl::StatusOr<std::unique_ptr<cds::JwtVerifier>> verifier =
        cds::JwtVerifier::FromFile(
            flags.cds_issuers_file,
            {service, absl::StrCat(service, "/feedback")});
    if (!verifier.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--cds_issuers_file: ", verifier.status().message()));
    }
    listener->verifier_ = *std::move(verifier);
  }
  cds::CdsHandlerOptions options;
  for (absl::string_view origin :
       absl::StrSplit(flags.cds_allowed_origins, ',', absl::SkipWhitespace())) {
    options.allowed_origins.emplace_back(absl::StripAsciiWhitespace(origin));
  }
  options.authenticator = listener->verifier_.get();
  options.on_feedback = [log = std::move(log_feedback)](
                            const cds::CardFeedback& f) {
    if (!log) return;
    log(absl::StrCat(
        "card ", f.card, " ", f.outcome,
        f.override_reason.empty() ? ""
                                  : absl::StrCat(" (", f.override_reason, ")"),
        f.accepted_suggestions > 0 ? absl::StrCat(", ", f.accepted_suggestions,
                                                  " suggestion(s) accepted")
                                   : "",
        f.has_user_comment ? ", with a comment (not kept)" : "",
        f.client.empty() ? "" : absl::StrCat(", from ", f.client)));
  };
  listener->handler_ =
      std::make_unique<cds::CdsHandler>(application, std::move(options));
  cds::HttpServerOptions http;
  http.listen = flags.cds_listen;
  if (!flags.insecure) {
    http.tls_cert = flags.tls_cert_file;
    http.tls_key = flags.tls_key_file;
  }
  http.max_body_bytes = static_cast<size_t>(flags.max_request_bytes);
  absl::StatusOr<std::unique_ptr<cds::HttpServer>> server =
      cds::HttpServer::Start(*listener->handler_, std::move(http));
  if (!server.ok()) return server.status();
  listener->server_ = *std::move(server);
  return listener;
}

}  // namespace medius::server
