// A JSON value with ordered object keys, and its serializer: the data model
// of hbacli's --json output (render_json.h wraps it in the schema envelope).
#ifndef HBAMGR_CLI_JSON_VALUE_H_
#define HBAMGR_CLI_JSON_VALUE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace hbamgr::cli {

class Json {
 public:
  using Array = std::vector<Json>;
  // Keys in insertion order: the schema's documented order.
  using Object = std::vector<std::pair<std::string, Json>>;

  Json() = default;  // null
  Json(std::nullptr_t) {}
  Json(bool v) : value_(v) {}
  Json(int v) : value_(static_cast<int64_t>(v)) {}
  Json(int64_t v) : value_(v) {}
  Json(uint32_t v) : value_(static_cast<int64_t>(v)) {}
  Json(uint64_t v) : value_(v) {}
  Json(double v) : value_(v) {}
  Json(const char* v) : value_(std::string(v)) {}
  Json(std::string v) : value_(std::move(v)) {}
  Json(std::string_view v) : value_(std::string(v)) {}
  Json(Array v) : value_(std::move(v)) {}
  Json(Object v) : value_(std::move(v)) {}
  // An absent optional is null: keys are never dropped.
  template <typename T>
  Json(const std::optional<T>& v) {
    if (v) *this = Json(*v);
  }

  bool is_null() const { return std::holds_alternative<std::monostate>(value_); }
  const Object* object() const { return std::get_if<Object>(&value_); }
  const Array* array() const { return std::get_if<Array>(&value_); }

  // Compact ("{"a":1}") when indent is 0, else pretty with `indent` spaces.
  std::string Serialize(int indent = 0) const;

 private:
  void Write(std::string& out, int indent, int depth) const;

  std::variant<std::monostate, bool, int64_t, uint64_t, double, std::string, Array, Object> value_;
};

// A JSON string literal for `text`, quotes included.
std::string JsonQuote(std::string_view text);

}  // namespace hbamgr::cli

#endif  // HBAMGR_CLI_JSON_VALUE_H_
