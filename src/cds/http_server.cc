#include "cds/http_server.h"

#include <openssl/ssl.h>

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "httplib.h"

namespace medius::cds {
namespace {

// Worker threads bound the calls served at once; more wait in the queue.
class Pool final : public httplib::ThreadPool {
 public:
  explicit Pool(int threads)
      : httplib::ThreadPool(static_cast<size_t>(threads)) {}
};

HttpRequest FromHttplib(const httplib::Request& in) {
  HttpRequest request;
  request.method = in.method;
  request.path = in.path;
  request.body = in.body;
  request.peer_host = in.remote_addr;
  for (const auto& [name, value] : in.headers) {
    std::string key = name;
    absl::AsciiStrToLower(&key);
    request.headers[key] = value;
  }
  return request;
}

void ToHttplib(const HttpResponse& response, httplib::Response& out) {
  out.status = response.status;
  for (const auto& [name, value] : response.headers)
    out.set_header(name, value);
  out.set_header("Cache-Control", "no-store");
  out.set_header("X-Content-Type-Options", "nosniff");
  if (!response.body.empty() || !response.content_type.empty()) {
    out.set_content(response.body, response.content_type.c_str());
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    const CdsHandler& handler, HttpServerOptions options) {
  const bool tls = !options.tls_cert.empty() || !options.tls_key.empty();
  if (tls && (options.tls_cert.empty() || options.tls_key.empty())) {
    return absl::InvalidArgumentError(
        "TLS for --cds_listen needs both a certificate and its key");
  }
  const size_t colon = options.listen.rfind(':');
  int port = -1;
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(options.listen.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--cds_listen=", options.listen,
                     ": expected host:port (e.g. 0.0.0.0:8443)"));
  }
  std::string host = options.listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);  // [::1]:8443
  }
  std::unique_ptr<HttpServer> server(new HttpServer());
  if (tls) {
    const std::string cert = options.tls_cert, key = options.tls_key;
    server->server_ =
        std::make_unique<httplib::SSLServer>([cert, key](SSL_CTX& ctx) {
          return SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION) == 1 &&
                 SSL_CTX_use_certificate_chain_file(&ctx, cert.c_str()) == 1 &&
                 SSL_CTX_use_PrivateKey_file(&ctx, key.c_str(),
                                             SSL_FILETYPE_PEM) == 1 &&
                 SSL_CTX_check_private_key(&ctx) == 1;
        });
  } else {
    server->server_ = std::make_unique<httplib::Server>();
  }
  httplib::Server& http = *server->server_;
  if (!http.is_valid()) {
    return absl::UnavailableError(absl::StrCat(
        "--cds_listen: the certificate ", options.tls_cert, " and key ",
        options.tls_key, " do not load or do not match"));
  }
  const int threads = options.threads;
  http.new_task_queue = [threads] { return new Pool(threads); };
  http.set_payload_max_length(options.max_body_bytes);
  http.set_read_timeout(10);
  http.set_write_timeout(10);
  http.set_keep_alive_timeout(5);
  http.set_tcp_nodelay(true);
  // Every method and path goes to the handler, which routes and answers
  // 404 / 405 itself, so the answers look the same everywhere.
  // (Routes, not the pre-routing hook: that runs before the body is read.)
  const httplib::Server::Handler serve = [&handler](const httplib::Request& in,
                                                    httplib::Response& out) {
    ToHttplib(handler.Handle(FromHttplib(in)), out);
  };
  http.Get(".*", serve).Post(".*", serve).Options(".*", serve);
  http.Put(".*", serve).Patch(".*", serve).Delete(".*", serve);
  const int bound = port == 0 ? http.bind_to_any_port(host)
                              : (http.bind_to_port(host, port) ? port : -1);
  if (bound <= 0) {
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", options.listen, " (--cds_listen; in use?)"));
  }
  server->port_ = bound;
  server->tls_ = tls;
  server->thread_ = std::thread([&http] { http.listen_after_bind(); });
  return server;
}

HttpServer::~HttpServer() {
  if (server_ != nullptr) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace medius::cds
