#include "cds/http_server.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "civetweb.h"

namespace medius::cds {
namespace {

// "ipv4:..." style is gRPC's; civetweb takes "host:port", and "s" after
// the port for TLS.
absl::StatusOr<std::string> ListeningPort(const std::string& listen, bool tls) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon + 1 == listen.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--cds_listen=", listen, ": expected host:port (e.g. 0.0.0.0:8443)"));
  }
  return absl::StrCat(listen, tls ? "s" : "");
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::UnavailableError(absl::StrCat("cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// civetweb wants the certificate and its key in one PEM file: written to a
// private directory, read by civetweb at start, then removed.
class CombinedPem {
 public:
  static absl::StatusOr<CombinedPem> Write(const std::string& cert,
                                           const std::string& key) {
    absl::StatusOr<std::string> cert_text = ReadFile(cert);
    if (!cert_text.ok()) return cert_text.status();
    absl::StatusOr<std::string> key_text = ReadFile(key);
    if (!key_text.ok()) return key_text.status();
    const char* tmp = std::getenv("TMPDIR");
    std::string dir =
        absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/medius-cds-XXXXXX");
    if (mkdtemp(dir.data()) == nullptr) {
      return absl::UnavailableError("cannot create a private directory");
    }
    CombinedPem pem;
    pem.dir_ = dir;
    pem.path_ = dir + "/server.pem";
    const mode_t old = umask(077);
    std::ofstream out(pem.path_, std::ios::binary);
    umask(old);
    out << *key_text << "\n" << *cert_text;
    if (!out.good()) return absl::UnavailableError("cannot write the PEM file");
    return pem;
  }
  CombinedPem(CombinedPem&& other) noexcept
      : dir_(std::move(other.dir_)), path_(std::move(other.path_)) {
    other.dir_.clear();
  }
  ~CombinedPem() {
    if (dir_.empty()) return;
    unlink(path_.c_str());
    rmdir(dir_.c_str());
  }
  const std::string& path() const { return path_; }

 private:
  CombinedPem() = default;
  std::string dir_, path_;
};

void Send(struct mg_connection* conn, const HttpResponse& response) {
  mg_response_header_start(conn, response.status);
  if (!response.content_type.empty()) {
    mg_response_header_add(conn, "Content-Type", response.content_type.c_str(),
                           -1);
  }
  const std::string length = absl::StrCat(response.body.size());
  mg_response_header_add(conn, "Content-Length", length.c_str(), -1);
  mg_response_header_add(conn, "Cache-Control", "no-store", -1);
  mg_response_header_add(conn, "X-Content-Type-Options", "nosniff", -1);
  for (const auto& [name, value] : response.headers) {
    mg_response_header_add(conn, name.c_str(), value.c_str(), -1);
  }
  mg_response_header_send(conn);
  if (!response.body.empty()) {
    mg_write(conn, response.body.data(), response.body.size());
  }
}

}  // namespace

int HttpServer::OnRequest(struct mg_connection* conn, void* self_ptr) {
  const HttpServer& self = *static_cast<const HttpServer*>(self_ptr);
  const struct mg_request_info* info = mg_get_request_info(conn);
  HttpRequest request;
  request.method = info->request_method != nullptr ? info->request_method : "";
  request.path = info->local_uri != nullptr ? info->local_uri : "";
  request.peer_host = info->remote_addr;
  for (int i = 0; i < info->num_headers; ++i) {
    std::string name = info->http_headers[i].name;
    absl::AsciiStrToLower(&name);
    request.headers[name] = info->http_headers[i].value != nullptr
                                ? info->http_headers[i].value
                                : "";
  }
  // Read at most one byte past the limit: enough to know it is too large.
  const size_t limit = self.max_body_bytes_;
  if (info->content_length > static_cast<long long>(limit)) {
    request.too_large = true;
  } else {
    char buffer[16384];
    int n;
    while (!request.too_large &&
           (n = mg_read(conn, buffer, sizeof(buffer))) > 0) {
      request.body.append(buffer, static_cast<size_t>(n));
      request.too_large = request.body.size() > limit;  // chunked, unsized
    }
  }
  // The rest of an oversized body is not read: the connection closes
  // after the answer instead of draining it.
  if (request.too_large) mg_disable_keep_alive(conn);
  HttpResponse response = self.handler_.Handle(request);
  Send(conn, response);
  // A status civetweb should log as handled.
  return response.status;
}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    const CdsHandler& handler, HttpServerOptions options) {
  const bool tls = !options.tls_cert.empty() || !options.tls_key.empty();
  if (tls && (options.tls_cert.empty() || options.tls_key.empty())) {
    return absl::InvalidArgumentError(
        "TLS for --cds_listen needs both a certificate and its key");
  }
  absl::StatusOr<std::string> ports = ListeningPort(options.listen, tls);
  if (!ports.ok()) return ports.status();
  std::optional<CombinedPem> pem;
  if (tls) {
    if ((mg_init_library(MG_FEATURES_TLS) & MG_FEATURES_TLS) == 0) {
      return absl::UnavailableError(
          "civetweb cannot load OpenSSL (libssl.so) for --cds_listen");
    }
    absl::StatusOr<CombinedPem> written =
        CombinedPem::Write(options.tls_cert, options.tls_key);
    if (!written.ok()) return written.status();
    pem.emplace(*std::move(written));
  } else {
    mg_init_library(0);
  }
  std::unique_ptr<HttpServer> server(
      new HttpServer(handler, options.max_body_bytes));
  const std::string threads = absl::StrCat(options.threads);
  std::vector<const char*> config = {
      "listening_ports",    ports->c_str(),
      "num_threads",        threads.c_str(),
      "request_timeout_ms", "10000",
      "enable_keep_alive",  "yes",
      "tcp_nodelay",        "1",
      "max_request_size",   "16384",  // the request line and headers
  };
  if (tls) {
    for (const char* option : {"ssl_certificate", pem->path().c_str(),
                               // TLS 1.2 and later only.
                               "ssl_protocol_version", "4"}) {
      config.push_back(option);
    }
  }
  config.push_back(nullptr);
  struct mg_callbacks callbacks = {};
  // civetweb's own messages (a bad certificate, a port in use) come back
  // in the error text; nothing is printed behind our log's back.
  callbacks.log_message = [](const struct mg_connection*, const char*) {
    return 1;
  };
  struct mg_init_data init = {};
  init.callbacks = &callbacks;
  init.user_data = server.get();
  init.configuration_options = config.data();
  char text[256] = {};
  unsigned code = 0;
  struct mg_error_data error = {};
  error.code = &code;
  error.text = text;
  error.text_buffer_size = sizeof(text);
  server->context_ = mg_start2(&init, &error);
  if (server->context_ == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve CDS Hooks on ", options.listen, ": ",
                     text[0] != '\0' ? text : "civetweb did not start"));
  }
  mg_set_request_handler(server->context_, "/", &HttpServer::OnRequest,
                         server.get());
  struct mg_server_port bound[4] = {};
  const int n = mg_get_server_ports(server->context_, 4, bound);
  if (n > 0) server->port_ = bound[0].port;
  server->tls_ = tls;
  return server;
}

HttpServer::~HttpServer() {
  if (context_ != nullptr) mg_stop(context_);
}

}  // namespace medius::cds
