#include "observability/json_log.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstdint>
#include <memory>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "observability/status_names.h"

namespace medius::observability {

// OpenSSL 3's one-shot HMAC() fetches the algorithm and schedules the key
// on every call (a sixth of the log line's cost); a context keyed once is
// duplicated per hash instead.
struct KeyedHasher::Impl {
  EVP_MAC* mac = nullptr;
  EVP_MAC_CTX* keyed = nullptr;
};

KeyedHasher::KeyedHasher(const std::string& key)
    : impl_(std::make_unique<Impl>()) {
  impl_->mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (impl_->mac == nullptr) return;
  impl_->keyed = EVP_MAC_CTX_new(impl_->mac);
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0),
                         OSSL_PARAM_construct_end()};
  if (impl_->keyed != nullptr &&
      EVP_MAC_init(impl_->keyed,
                   reinterpret_cast<const unsigned char*>(key.data()),
                   key.size(), params) != 1) {
    EVP_MAC_CTX_free(impl_->keyed);
    impl_->keyed = nullptr;
  }
}

KeyedHasher::~KeyedHasher() {
  EVP_MAC_CTX_free(impl_->keyed);
  EVP_MAC_free(impl_->mac);
}

std::string KeyedHasher::Hash(absl::string_view value) const {
  unsigned char digest[EVP_MAX_MD_SIZE];
  size_t length = 0;
  EVP_MAC_CTX* ctx =
      impl_->keyed != nullptr ? EVP_MAC_CTX_dup(impl_->keyed) : nullptr;
  const bool ok =
      ctx != nullptr &&
      EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(value.data()),
                     value.size()) == 1 &&
      EVP_MAC_final(ctx, digest, &length, sizeof digest) == 1 && length >= 8;
  EVP_MAC_CTX_free(ctx);
  // Never the value itself: without a hash the log says so.
  if (!ok) return "unavailable";
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<char*>(digest), 8));
}

std::string KeyedHash(const std::string& key, const std::string& value) {
  return KeyedHasher(key).Hash(value);
}

std::string LogTime(absl::Time t) {
  struct Cache {
    int64_t second = INT64_MIN;
    std::string text;  // "YYYY-MM-DDTHH:MM:SS"
  };
  thread_local Cache cache;
  const int64_t millis = absl::ToUnixMillis(t);
  const int64_t second = millis >= 0 ? millis / 1000 : (millis - 999) / 1000;
  if (second != cache.second) {
    cache.second = second;
    cache.text =
        absl::FormatTime("%Y-%m-%dT%H:%M:%S", absl::FromUnixSeconds(second),
                         absl::UTCTimeZone());
  }
  return absl::StrFormat("%s.%03dZ", cache.text, millis - second * 1000);
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
    : hasher_(hash_key), writer_(out, [](uint64_t dropped) {
        return absl::StrCat("{\"time\":\"", LogTime(absl::Now()),
                            "\",\"event\":\"log\",\"level\":\"warning\","
                            "\"message\":\"",
                            dropped,
                            " log line(s) dropped: the log writer could not "
                            "keep up\"}");
      }) {}

std::string JsonRpcLog::Format(const app::CallRecord& r) const {
  std::string flags;
  for (const std::string& code : r.red_flags) {
    absl::StrAppend(&flags, flags.empty() ? "" : ",", "\"", JsonEscape(code),
                    "\"");
  }
  std::string line = absl::StrCat(
      "{\"time\":\"", LogTime(absl::Now()),
      "\",\"event\":\"rpc\",\"method\":\"", JsonEscape(r.method),
      "\",\"transport\":\"", JsonEscape(r.transport), "\",\"code\":\"",
      StatusCodeName(r.code),
      "\",\"latency_ms\":", absl::StrFormat("%.3f", r.latency_seconds * 1000),
      ",\"client\":\"", JsonEscape(r.client), "\",\"assessment_id\":\"",
      JsonEscape(r.assessment_id), "\",\"knowledge_base_version\":\"",
      JsonEscape(r.knowledge_base_version), "\",\"red_flags\":[", flags, "]");
  if (!r.encounter_id.empty()) {
    absl::StrAppend(&line, ",\"encounter_hash\":\"",
                    hasher_.Hash(r.encounter_id), "\"");
  }
  line += "}";
  return line;
}

void JsonRpcLog::Event(const std::string& event, const std::string& level,
                       const std::string& message, const std::string& source) {
  std::string line =
      absl::StrCat("{\"time\":\"", LogTime(absl::Now()), "\",\"event\":\"",
                   JsonEscape(event), "\",\"level\":\"", JsonEscape(level),
                   "\",\"message\":\"", JsonEscape(message), "\"");
  if (!source.empty()) {
    absl::StrAppend(&line, ",\"source\":\"", JsonEscape(source), "\"");
  }
  line += "}";
  writer_.Write(std::move(line));
  // An error may be followed by an abort (gRPC asserts log first): it is
  // on disk before Event returns, not still in the queue.
  if (level == "error") writer_.Flush();
}

void JsonRpcLog::OnCall(const app::CallRecord& record) {
  writer_.Write(Format(record));
}

}  // namespace medius::observability
