#include <gtest/gtest.h>

#include "base/status.h"

namespace omni {
namespace {

StatusOr<int> half(int x) {
  if (x % 2) return InvalidArgument("%d is odd", x);
  return x / 2;
}

Status quarter(int x, int* out) {
  OMNI_ASSIGN_OR_RETURN(int h, half(x));
  OMNI_ASSIGN_OR_RETURN(*out, half(h));
  return Status::Ok();
}

TEST(Status, CarriesCodeAndMessage) {
  Status s = Corrupt("tensor '%s' ends at %d", "x", 7);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kCorrupt);
  EXPECT_EQ(s.to_string(), "corrupt: tensor 'x' ends at 7");
  EXPECT_EQ(s.with_context("m.gguf").to_string(), "corrupt: m.gguf: tensor 'x' ends at 7");
  EXPECT_TRUE(Status::Ok().ok());
}

TEST(Status, MacrosPropagateTheFirstError) {
  int out = 0;
  EXPECT_TRUE(quarter(8, &out).ok());
  EXPECT_EQ(out, 2);
  Status s = quarter(6, &out);
  EXPECT_EQ(s.message(), "3 is odd");
}

}  // namespace
}  // namespace omni
