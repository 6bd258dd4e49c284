#include "audit/audit_record.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace medius::audit {
namespace {

// Each field as 8-byte big-endian length, then its bytes: unambiguous, so a
// byte moved from one field to the next changes the hash.
void Field(std::string& out, absl::string_view value) {
  uint64_t n = value.size();
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((n >> shift) & 0xff));
  }
  out.append(value.data(), value.size());
}

// The same encoding fed straight into the hash: a record's response is up
// to 270 KB, not worth copying to hash.
void HashField(EVP_MD_CTX* ctx, absl::string_view value) {
  unsigned char length[8];
  uint64_t n = value.size();
  for (int i = 0; i < 8; ++i) {
    length[i] = static_cast<unsigned char>((n >> (56 - 8 * i)) & 0xff);
  }
  EVP_DigestUpdate(ctx, length, sizeof(length));
  EVP_DigestUpdate(ctx, value.data(), value.size());
}

}  // namespace

absl::string_view KindName(RecordKind kind) {
  return kind == RecordKind::kOutcome ? "outcome" : "assessment";
}

bool ParseKind(absl::string_view name, RecordKind* kind) {
  if (name == "assessment") {
    *kind = RecordKind::kAssessment;
  } else if (name == "outcome") {
    *kind = RecordKind::kOutcome;
  } else {
    return false;
  }
  return true;
}

int64_t ToMicros(absl::Time t) { return absl::ToUnixMicros(t); }

std::string ChainHash(const AuditRecord& r) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  HashField(ctx, "medius-audit-record-v1");
  HashField(ctx, absl::StrCat(r.sequence));
  HashField(ctx, r.previous_hash);
  HashField(ctx, KindName(r.kind));
  HashField(ctx, r.assessment_id);
  HashField(ctx, r.encounter_id);
  HashField(ctx, absl::StrCat(ToMicros(r.recorded_at)));
  HashField(ctx, r.client);
  HashField(ctx, r.transport);
  HashField(ctx, r.knowledge_base_version);
  HashField(ctx, r.knowledge_base_digest);
  HashField(ctx, r.request);
  HashField(ctx, r.response);
  HashField(ctx, r.request_json);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx, digest, &length);
  EVP_MD_CTX_free(ctx);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

std::string CheckpointMac(const Checkpoint& c, absl::string_view key) {
  if (key.empty()) return "";
  std::string encoded;
  Field(encoded, "medius-audit-checkpoint-v1");
  Field(encoded, absl::StrCat(c.through_sequence));
  Field(encoded, c.through_hash);
  Field(encoded, absl::StrCat(c.purged_records));
  Field(encoded, absl::StrCat(ToMicros(c.created_at)));
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(encoded.data()), encoded.size(),
       mac, &length);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(mac), length));
}

}  // namespace medius::audit
