#include "daemon/health/snapshot.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace hbamgr::health {

absl::string_view HealthName(Health health) {
  switch (health) {
    case Health::kOk:
      return "OK";
    case Health::kWarning:
      return "WARNING";
    case Health::kCritical:
      return "CRITICAL";
    case Health::kFailed:
      return "FAILED";
  }
  return "UNKNOWN";
}

Health RollUp(Health a, Health b) { return std::max(a, b); }

void ObjectHealth::Add(std::string condition, Health level, std::string text) {
  health = RollUp(health, level);
  reasons.push_back(Reason{std::move(condition), level, std::move(text)});
}

bool ObjectHealth::Has(absl::string_view condition) const {
  return std::any_of(reasons.begin(), reasons.end(),
                     [&](const Reason& r) { return r.condition == condition; });
}

std::string AdapterPath(absl::string_view adapter) { return absl::StrCat("/", adapter); }

std::string EnclosurePath(absl::string_view adapter, uint32_t encl) {
  return absl::StrCat("/", adapter, "/e", encl);
}

std::string DrivePath(absl::string_view adapter, uint32_t encl, uint32_t slot) {
  return absl::StrCat("/", adapter, "/e", encl, "/s", slot);
}

std::string VirtualDrivePath(absl::string_view adapter, uint32_t vd) {
  return absl::StrCat("/", adapter, "/v", vd);
}

}  // namespace hbamgr::health
