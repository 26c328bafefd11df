#include "daemon/service/env.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace hbamgr::service {

absl::StatusOr<adapter::Adapter*> ServiceEnv::FindAdapter(const std::string& name) const {
  auto it = adapters.find(name);
  if (it != adapters.end()) return it->second;
  std::vector<std::string> known;
  for (const auto& [known_name, adapter] : adapters) known.push_back(known_name);
  return absl::NotFoundError(
      absl::StrCat("no adapter '", name, "' (known: ", absl::StrJoin(known, ", "), ")"));
}

}  // namespace hbamgr::service
