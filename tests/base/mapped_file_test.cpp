#include <gtest/gtest.h>

#include "base/mapped_file.h"
#include "test_util.h"

namespace omni {
namespace {

TEST(MappedFile, MapsWhatWasWritten) {
  const std::string path = test::tmp_path("mapped.bin");
  ASSERT_TRUE(write_file_atomic(path, "hello", 5).ok());
  auto f = MappedFile::open(path);
  ASSERT_TRUE(f.ok()) << f.status().to_string();
  ASSERT_EQ(f->size(), 5u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(f->data()), 5), "hello");
  MappedFile moved = std::move(*f);
  EXPECT_EQ(moved.size(), 5u);
}

TEST(MappedFile, EmptyFileAndMissingFile) {
  const std::string path = test::tmp_path("empty.bin");
  ASSERT_TRUE(write_file_atomic(path, "", 0).ok());
  auto f = MappedFile::open(path);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->size(), 0u);
  auto missing = MappedFile::open(test::tmp_path("does-not-exist.bin"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kIoError);
  EXPECT_NE(missing.status().message().find("does-not-exist.bin: cannot open"), std::string::npos);
  auto dir = MappedFile::open(OMNI_TEST_TMP);
  EXPECT_FALSE(dir.ok());
}

}  // namespace
}  // namespace omni
