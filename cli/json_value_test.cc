#include "cli/json_value.h"

#include "gtest/gtest.h"

namespace hbamgr::cli {
namespace {

TEST(JsonValueTest, Scalars) {
  EXPECT_EQ(Json().Serialize(), "null");
  EXPECT_EQ(Json(true).Serialize(), "true");
  EXPECT_EQ(Json(-3).Serialize(), "-3");
  EXPECT_EQ(Json(uint64_t{18446744073709551615ull}).Serialize(), "18446744073709551615");
  EXPECT_EQ(Json(40.5).Serialize(), "40.5");
  EXPECT_EQ(Json(0.1).Serialize(), "0.1");
  EXPECT_EQ(Json("a\"b\\c\n\x01").Serialize(), R"("a\"b\\c\n\u0001")");
}

TEST(JsonValueTest, AbsentOptionalIsNull) {
  std::optional<uint32_t> none;
  std::optional<uint32_t> some = 7;
  EXPECT_EQ(Json(Json::Object{{"a", none}, {"b", some}}).Serialize(), R"({"a":null,"b":7})");
}

TEST(JsonValueTest, KeepsKeyOrderAndPrettyPrints) {
  Json value = Json::Object{
      {"z", 1}, {"a", Json::Array{1, "x"}}, {"e", Json::Array{}}, {"o", Json::Object{}}};
  EXPECT_EQ(value.Serialize(), R"({"z":1,"a":[1,"x"],"e":[],"o":{}})");
  EXPECT_EQ(value.Serialize(2),
            "{\n  \"z\": 1,\n  \"a\": [\n    1,\n    \"x\"\n  ],\n  \"e\": [],\n  \"o\": {}\n}");
}

}  // namespace
}  // namespace hbamgr::cli
