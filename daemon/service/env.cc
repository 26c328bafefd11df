#include "daemon/service/env.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "daemon/service/validate.h"

namespace hbamgr::service {

absl::StatusOr<adapter::Adapter*> ServiceEnv::FindAdapter(const std::string& name) const {
  auto it = adapters.find(name);
  if (it != adapters.end()) return it->second;
  if (absl::Status s = CheckLength("adapter", name, kMaxAdapterNameBytes, "adapter names");
      !s.ok()) {
    return s;
  }
  std::vector<std::string> known;
  for (const auto& [known_name, adapter] : adapters) known.push_back(known_name);
  return absl::NotFoundError(
      absl::StrCat("no adapter '", Echo(name), "' (known: ", absl::StrJoin(known, ", "), ")"));
}

}  // namespace hbamgr::service
