#include "observability/json_log.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "observability/status_names.h"

namespace medius::observability {

std::string KeyedHash(const std::string& key, const std::string& value) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(value.data()), value.size(),
       digest, &length);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<char*>(digest), 8));
}

std::string JsonEscape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c >= 0x7f) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

JsonRpcLog::JsonRpcLog(std::ostream& out, std::string hash_key)
    : out_(out), hash_key_(std::move(hash_key)) {}

std::string JsonRpcLog::Format(const service::RpcRecord& r) const {
  std::string flags;
  for (const std::string& code : r.red_flags) {
    absl::StrAppend(&flags, flags.empty() ? "" : ",", "\"", JsonEscape(code),
                    "\"");
  }
  std::string line = absl::StrCat(
      "{\"time\":\"",
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                       absl::UTCTimeZone()),
      "\",\"event\":\"rpc\",\"method\":\"", JsonEscape(r.method),
      "\",\"code\":\"", StatusCodeName(r.code),
      "\",\"latency_ms\":", absl::StrFormat("%.3f", r.latency_seconds * 1000),
      ",\"client\":\"", JsonEscape(r.client), "\",\"assessment_id\":\"",
      JsonEscape(r.assessment_id), "\",\"knowledge_base_version\":\"",
      JsonEscape(r.knowledge_base_version), "\",\"red_flags\":[", flags, "]");
  if (!r.encounter_id.empty()) {
    absl::StrAppend(&line, ",\"encounter_hash\":\"",
                    KeyedHash(hash_key_, r.encounter_id), "\"");
  }
  line += "}";
  return line;
}

void JsonRpcLog::Event(const std::string& event, const std::string& level,
                       const std::string& message, const std::string& source) {
  std::string line = absl::StrCat(
      "{\"time\":\"",
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                       absl::UTCTimeZone()),
      "\",\"event\":\"", JsonEscape(event), "\",\"level\":\"",
      JsonEscape(level), "\",\"message\":\"", JsonEscape(message), "\"");
  if (!source.empty()) {
    absl::StrAppend(&line, ",\"source\":\"", JsonEscape(source), "\"");
  }
  line += "}";
  absl::MutexLock lock(&mu_);
  out_ << line << '\n';
  out_.flush();
}

void JsonRpcLog::OnRpc(const service::RpcRecord& record) {
  std::string line = Format(record);
  absl::MutexLock lock(&mu_);
  out_ << line << '\n';
  out_.flush();
}

}  // namespace medius::observability
