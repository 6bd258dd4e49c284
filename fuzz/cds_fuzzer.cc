// libFuzzer target: bytes as the body of a CDS Hooks call, what the
// --cds_listen port does for every POST, through the handler (JSON parse,
// prefetch reader, the application core, the engine, the cards) on the
// shipped knowledge base. The first byte picks the service or its feedback
// endpoint. Besides crashes and sanitizer reports it checks the contract:
// only 200, 400 or 412 come back, every answer is JSON with an error or
// cards, and red-flag cards come first.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "app/application.h"
#include "cds/cds_handler.h"
#include "fuzz/fuzz_engine.h"
#include "nlohmann/json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using medius::fuzz::Require;
  medius::fuzz::QuietProtobuf();
  static medius::app::Application* app =
      new medius::app::Application(medius::fuzz::ShippedEngine());
  static medius::cds::CdsHandler* handler = [] {
    medius::cds::CdsHandlerOptions options;
    options.today = [] { return absl::CivilDay(2026, 12, 1); };
    return new medius::cds::CdsHandler(*app, std::move(options));
  }();
  if (size == 0) return 0;
  const bool feedback = data[0] == 'F';
  medius::cds::HttpRequest request;
  request.method = "POST";
  request.path = feedback ? "/cds-services/medius-hip-assessment/feedback"
                          : "/cds-services/medius-hip-assessment";
  request.body.assign(reinterpret_cast<const char*>(data) + 1, size - 1);
  const medius::cds::HttpResponse response = handler->Handle(request);
  Require(response.status == 200 || response.status == 400 ||
              response.status == 412,
          "only 200, 400 or 412 for a body from an authenticated caller");
  const nlohmann::json body =
      nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  Require(!body.is_discarded() && body.is_object(), "answers are JSON objects");
  if (response.status != 200) {
    Require(body.contains("error") && body["error"].contains("message"),
            "errors are explained");
    return 0;
  }
  if (feedback) return 0;
  Require(body.contains("cards") && body["cards"].is_array(),
          "cards come back");
  bool past_red_flags = false;
  for (const auto& card : body["cards"]) {
    Require(card.contains("summary") &&
                card["summary"].get<std::string>().size() < 140 * 4,
            "every card has a summary");
    const bool red_flag =
        card.contains("suggestions") &&
        card["suggestions"][0]["actions"][0]["resource"]["resourceType"] ==
            "ServiceRequest";
    Require(!(red_flag && past_red_flags), "red-flag cards come first");
    past_red_flags = past_red_flags || !red_flag;
  }
  return 0;
}
