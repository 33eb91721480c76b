#include <gtest/gtest.h>

#include <sys/stat.h>

#include "base/mapped_file.h"
#include "formats/safetensors.h"
#include "tensor/fp16.h"
#include "test_util.h"

namespace omni {
namespace {

// header JSON padded with spaces to a multiple of 8 bytes, as writers do, then the data.
std::vector<uint8_t> make_file(std::string header, const std::vector<uint8_t>& data) {
  while ((8 + header.size()) % 8) header += ' ';
  const uint64_t n = header.size();
  std::vector<uint8_t> out(8 + header.size() + data.size());
  std::memcpy(out.data(), &n, 8);
  std::memcpy(out.data() + 8, header.data(), header.size());
  if (!data.empty()) std::memcpy(out.data() + 8 + header.size(), data.data(), data.size());
  return out;
}

std::vector<uint8_t> sample() {
  // "w": F32 [2, 3] (rows of 3), "h": F16 [4], "b": BF16 [1, 2]
  std::vector<uint8_t> data(24 + 8 + 4);
  const float w[6] = {1, 2, 3, 4, 5, 6};
  std::memcpy(data.data(), w, 24);
  for (int i = 0; i < 4; ++i) {
    const uint16_t h = f32_to_fp16(float(i) / 2);
    std::memcpy(&data[24 + 2 * size_t(i)], &h, 2);
  }
  const uint16_t b[2] = {f32_to_bf16(-1.0f), f32_to_bf16(3.0f)};
  std::memcpy(&data[32], b, 4);
  return make_file(R"({"__metadata__":{"format":"pt"},)"
                   R"("w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},)"
                   R"("h":{"dtype":"F16","shape":[4],"data_offsets":[24,32]},)"
                   R"("b":{"dtype":"BF16","shape":[1,2],"data_offsets":[32,36]}})",
                   data);
}

TEST(Safetensors, ReadsTensorsWithTheProjectsAxisOrder) {
  auto bytes = sample();
  auto st = SafetensorsFile::parse(bytes.data(), bytes.size(), "s.safetensors");
  ASSERT_TRUE(st.ok()) << st.status().to_string();
  ASSERT_EQ(st->tensors().size(), 3u);
  const auto* w = st->find("w");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(w->view.ne[0], 3);  // innermost first
  EXPECT_EQ(w->view.ne[1], 2);
  EXPECT_EQ(static_cast<const float*>(w->view.row(1))[2], 6.0f);
  EXPECT_EQ(fp16_to_f32(static_cast<const uint16_t*>(st->find("h")->view.data)[3]), 1.5f);
  EXPECT_EQ(bf16_to_f32(static_cast<const uint16_t*>(st->find("b")->view.data)[1]), 3.0f);
  EXPECT_EQ(st->metadata().at("format"), "pt");
}

TEST(Safetensors, ModelDirectoryWithConfigAndShards) {
  const std::string dir = test::tmp_path("st-model");
  mkdir(dir.c_str(), 0755);
  auto bytes = sample();
  ASSERT_TRUE(
      write_file_atomic(dir + "/model-00001-of-00001.safetensors", bytes.data(), bytes.size())
          .ok());
  const std::string index =
      R"({"metadata":{},"weight_map":{"w":"model-00001-of-00001.safetensors"}})";
  ASSERT_TRUE(
      write_file_atomic(dir + "/model.safetensors.index.json", index.data(), index.size()).ok());
  const std::string config = R"({"model_type":"qwen2"})";
  ASSERT_TRUE(write_file_atomic(dir + "/config.json", config.data(), config.size()).ok());
  auto m = SafetensorsModel::open(dir);
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  EXPECT_EQ(m->n_files(), 1u);
  EXPECT_EQ(m->tensors().size(), 3u);
  EXPECT_NE(m->find("h"), nullptr);
  EXPECT_EQ(m->config_json(), config);
  auto missing = SafetensorsModel::open(test::tmp_path(""));
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

void expect_error(const std::vector<uint8_t>& bytes, const std::string& fragment) {
  std::vector<uint8_t> copy(bytes);
  auto st = SafetensorsFile::parse(copy.data(), copy.size(), "bad.safetensors");
  ASSERT_FALSE(st.ok()) << "accepted; expected: " << fragment;
  EXPECT_NE(st.status().message().find("bad.safetensors: "), std::string::npos);
  EXPECT_NE(st.status().message().find(fragment), std::string::npos) << st.status().message();
}

TEST(Safetensors, MalformedFilesAreErrors) {
  const std::vector<uint8_t> four(4, 0);
  expect_error({1, 2, 3}, "not a safetensors file");
  std::vector<uint8_t> huge(16, 0xff);
  expect_error(huge, "100 MiB limit");
  std::vector<uint8_t> past(8, 0);
  past[0] = 100;
  expect_error(past, "past the end of the file");
  expect_error(make_file("[1,2]", {}), "not a JSON object");
  expect_error(make_file("{\"a\":", {}), "not valid JSON");
  expect_error(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", {0, 0, 0, 0}),
               "outside");
  expect_error(make_file(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})",
                         std::vector<uint8_t>(8)),
               "need 12");
  expect_error(make_file(R"({"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}})",
                         std::vector<uint8_t>(8)),
               "dtype I64");
  expect_error(make_file(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", four),
               "non-negative");
  expect_error(make_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}})", four),
               "outside");
  expect_error(make_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0]}})", four),
               "two non-negative");
  expect_error(make_file(R"({"a":{"dtype":"F32","shape":[1,1,1,1,1],"data_offsets":[0,4]}})", four),
               "5 dimensions");
  expect_error(make_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                         R"("b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
                         four),
               "overlap");
  expect_error(make_file(R"({"a":{"dtype":"F16","shape":[1],"data_offsets":[1,3]}})", four),
               "not aligned");
  expect_error(make_file(R"({"__metadata__":{"k":1}})", {}), "not a string");
  expect_error(make_file(R"({"a":3})", {}), "not an object");
}

}  // namespace
}  // namespace omni
