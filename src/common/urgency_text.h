// The words for an urgency, shared by the engine's disposition statement and
// the CLI report so the two never disagree.
#ifndef MEDIUS_COMMON_URGENCY_TEXT_H_
#define MEDIUS_COMMON_URGENCY_TEXT_H_

#include <string>

#include "medius/v1/types.pb.h"

namespace medius::common {

// "EMERGENCY", "SAME DAY", "URGENT", "SOON", "ROUTINE"; "" when unspecified.
inline std::string UrgencyText(medius::v1::Urgency urgency) {
  switch (urgency) {
    case medius::v1::URGENCY_EMERGENCY:
      return "EMERGENCY";
    case medius::v1::URGENCY_SAME_DAY:
      return "SAME DAY";
    case medius::v1::URGENCY_URGENT:
      return "URGENT";
    case medius::v1::URGENCY_SOON:
      return "SOON";
    case medius::v1::URGENCY_ROUTINE:
      return "ROUTINE";
    default:
      return "";
  }
}

}  // namespace medius::common

#endif  // MEDIUS_COMMON_URGENCY_TEXT_H_
