// Malformed GGUF input: every case must give a Status whose message names the problem, never a
// crash or an out-of-bounds read (these tests also run under AddressSanitizer).
#include <gtest/gtest.h>

#include "formats/gguf.h"
#include "formats/gguf_bytes.h"
#include "test_util.h"

namespace omni {
namespace {

using test::GgufBytes;

void expect_error(const std::vector<uint8_t>& bytes, const std::string& fragment) {
  // Parse from a heap copy of exactly the file's size, so ASan catches any read past the end.
  std::vector<uint8_t> copy(bytes);
  auto g = GgufFile::parse(copy.data(), copy.size(), "bad.gguf");
  ASSERT_FALSE(g.ok()) << "accepted a file that should fail with: " << fragment;
  EXPECT_NE(g.status().message().find("bad.gguf: "), std::string::npos) << g.status().message();
  EXPECT_NE(g.status().message().find(fragment), std::string::npos)
      << "message: " << g.status().message() << "\nexpected to contain: " << fragment;
}

GgufBytes valid_file() {
  GgufBytes f;
  f.header(2, 2).kv_u32("general.alignment", 32);
  f.str("name").pod<uint32_t>(8).str("tiny");
  f.tensor("a", {32, 2}, 8, 0);  // q8_0, 2 blocks = 68 bytes
  f.tensor("b", {4}, 0, 96);     // f32, 16 bytes
  f.align().zeros(96 + 16);
  return f;
}

TEST(GgufMalformed, TheBaseCaseIsValid) {
  auto f = valid_file();
  auto g = GgufFile::parse(f.b.data(), f.b.size(), "ok.gguf");
  ASSERT_TRUE(g.ok()) << g.status().to_string();
  EXPECT_EQ(g->tensors().size(), 2u);
}

TEST(GgufMalformed, EveryTruncationIsAnError) {
  const auto f = valid_file().b;
  for (size_t n = 0; n < f.size(); ++n) {
    std::vector<uint8_t> cut(f.begin(), f.begin() + long(n));
    auto g = GgufFile::parse(cut.data(), cut.size(), "cut.gguf");
    EXPECT_FALSE(g.ok()) << "a file cut to " << n << " of " << f.size() << " bytes was accepted";
  }
}

TEST(GgufMalformed, HeaderProblems) {
  expect_error({}, "not a GGUF file");
  expect_error({'G', 'G', 'M', 'L', 0, 0, 0, 0}, "not a GGUF file");
  expect_error(GgufBytes().header(0, 0, 1).b, "GGUF version 1");
  expect_error(GgufBytes().header(0, 0, 4).b, "GGUF version 4");
  expect_error(GgufBytes().header(0, 0, 0x03000000).b, "big-endian");
  expect_error(GgufBytes().header(0, 1ull << 60).b, "metadata entries");
  expect_error(GgufBytes().header(1ull << 60, 0).b, "tensors, more than the file can hold");
}

TEST(GgufMalformed, MetadataProblems) {
  expect_error(GgufBytes().header(0, 1).str("k").pod<uint32_t>(13).pod<uint32_t>(0).b,
               "unknown value type 13");
  expect_error(GgufBytes().header(0, 1).str("k").pod<uint32_t>(8).pod<uint64_t>(1ull << 40).b,
               "length");
  expect_error(GgufBytes()
                   .header(0, 1)
                   .str("k")
                   .pod<uint32_t>(9)
                   .pod<uint32_t>(4)
                   .pod<uint64_t>(1ull << 62)
                   .b,
               "claims 4611686018427387904 elements");
  expect_error(
      GgufBytes().header(0, 1).str("k").pod<uint32_t>(9).pod<uint32_t>(77).pod<uint64_t>(1).b,
      "unknown element type 77");
  expect_error(GgufBytes().header(0, 1).str("k").pod<uint32_t>(7).pod<uint8_t>(2).b,
               "must be 0 or 1");
  expect_error(GgufBytes().header(0, 2).kv_u32("k", 1).kv_u32("k", 2).b, "'k' appears twice");
  expect_error(GgufBytes().header(0, 1).kv_u32("general.alignment", 24).b, "power of two");
  expect_error(GgufBytes().header(0, 1).str("general.alignment").pod<uint32_t>(8).str("32").b,
               "must be uint32");
  // Arrays nested deeper than the limit.
  GgufBytes deep;
  deep.header(0, 1).str("k").pod<uint32_t>(9);
  for (int i = 0; i < 20; ++i) deep.pod<uint32_t>(9).pod<uint64_t>(1);
  deep.pod<uint32_t>(4).pod<uint64_t>(1).pod<uint32_t>(0);
  expect_error(deep.b, "nested deeper");
}

TEST(GgufMalformed, TensorInfoProblems) {
  auto one = [](const std::string& name, std::vector<uint64_t> ne, uint32_t type, uint64_t offset,
                size_t data) {
    GgufBytes f;
    f.header(1, 0).tensor(name, ne, type, offset).align().zeros(data);
    return f.b;
  };
  expect_error(one("t", {}, 0, 0, 64), "0 dimensions");
  expect_error(one("t", {1, 1, 1, 1, 1}, 0, 0, 64), "5 dimensions");
  expect_error(one("t", {0}, 0, 0, 64), "dimension 0 of size 0");
  expect_error(one("t", {1ull << 41}, 0, 0, 64), "dimension 0 of size");
  expect_error(one("t", {1ull << 30, 1ull << 30}, 0, 0, 64), "absurd element count");
  expect_error(one("t", {4}, 99, 0, 64), "unknown type id 99");
  expect_error(one("t", {33}, 8, 0, 64), "not a multiple of q8_0's block size 32");
  expect_error(one("t", {4}, 0, 16, 64), "not a multiple of the alignment");
  expect_error(one("t", {32}, 0, 0, 64), "outside the data section");
  expect_error(one("t", {4}, 0, 1ull << 63, 64), "outside the data section");
  expect_error(one("t", {4}, 0, ~0ull - 31, 64), "outside the data section");
  expect_error(one(std::string(300, 'x'), {4}, 0, 0, 64), "length 300");
  GgufBytes dup;
  dup.header(2, 0).tensor("t", {4}, 0, 0).tensor("t", {4}, 0, 32).align().zeros(64);
  expect_error(dup.b, "'t' appears twice");
  GgufBytes overlap;
  overlap.header(2, 0).tensor("t", {16}, 0, 0).tensor("u", {4}, 0, 32).align().zeros(64);
  expect_error(overlap.b, "overlap");
}

TEST(GgufMalformed, OpenReportsMissingFiles) {
  auto g = GgufFile::open(test::tmp_path("no-such-model.gguf"));
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.status().message().find("no-such-model.gguf: cannot open"), std::string::npos);
}

}  // namespace
}  // namespace omni
