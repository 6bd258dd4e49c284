// libFuzzer target: what the server parses from the outside besides
// requests (issue 11). The input is up to four parts separated by form feeds
// ('\f'): a token file, a published-code contract, a listen address and a
// string a client controls (header value, encounter id) that goes into the
// log. Contract checked: nothing crashes; a token file that loads has
// clients; the contract check on the shipped knowledge base reports issues
// only with a path and message; a logged string is always one valid JSON
// string, plain ASCII, and decodes back to itself when it was ASCII.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "auth/token_store.h"
#include "fuzz/fuzz_engine.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "kb/loader.h"
#include "kb/published_contract.h"
#include "observability/json_log.h"
#include "server/config.h"

namespace medius::fuzz {
namespace {

const medius::v1::KnowledgeBase& ShippedKb() {
  static const medius::v1::KnowledgeBase* kb = [] {
    auto loaded =
        kb::LoadKnowledgeBase(std::string(MEDIUS_SOURCE_DIR) + "/knowledge");
    Require(loaded.ok(), "shipped knowledge base loads");
    // The shipped base honours the contract compiled in.
    Require(
        kb::CheckPublishedCodes(*loaded, kb::EmbeddedPublishedCodes()).empty(),
        "shipped base honours the embedded contract");
    return new medius::v1::KnowledgeBase(*std::move(loaded));
  }();
  return *kb;
}

void CheckTokens(const std::string& text) {
  auto store = auth::TokenStore::Parse(text, "fuzz");
  if (!store.ok()) return;
  Require(store->size() > 0, "a token file that loads has clients");
  store->Authenticate("Bearer " + text.substr(0, 64));
}

void CheckContract(const std::string& text) {
  for (const kb::Issue& issue : kb::CheckPublishedCodes(ShippedKb(), text)) {
    Require(!issue.path.empty() && !issue.message.empty(),
            "contract issues have a path and a message");
  }
}

void CheckLogged(const std::string& value) {
  const std::string escaped = observability::JsonEscape(value);
  bool ascii = true;
  for (unsigned char c : value) ascii &= c >= 0x20 && c < 0x7f;
  for (unsigned char c : escaped) {
    Require(c >= 0x20 && c < 0x7f, "escaped text is printable ASCII");
  }
  google::protobuf::Struct json;
  Require(google::protobuf::util::JsonStringToMessage(
              "{\"m\":\"" + escaped + "\"}", &json)
              .ok(),
          "escaped text is one JSON string");
  if (ascii) {
    Require(json.fields().at("m").string_value() == value,
            "ASCII text decodes back to itself");
  }
}

}  // namespace
}  // namespace medius::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  medius::fuzz::QuietProtobuf();
  std::vector<std::string> parts = absl::StrSplit(
      absl::string_view(reinterpret_cast<const char*>(data), size),
      absl::MaxSplits('\f', 3));
  parts.resize(4);
  medius::fuzz::CheckTokens(parts[0]);
  medius::fuzz::CheckContract(parts[1]);
  medius::server::IsLoopbackAddress(parts[2]);
  medius::fuzz::CheckLogged(parts[3]);
  return 0;
}
