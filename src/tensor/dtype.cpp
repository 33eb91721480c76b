#include "tensor/dtype.h"

#include "tensor/quant_blocks.h"

namespace omni {
namespace {

struct Entry {
  uint32_t id;
  DTypeInfo info;
};

// Sizes of the IQ types are listed so that files using them can be inspected; this build does
// not compute with them.
constexpr Entry kEntries[] = {
    {0, {"f32", 1, 4, true, true}},
    {1, {"f16", 1, 2, true, true}},
    {2, {"q4_0", kQK4_0, sizeof(BlockQ4_0), true, true}},
    {3, {"q4_1", kQK4_1, sizeof(BlockQ4_1), true, true}},
    {6, {"q5_0", kQK5_0, sizeof(BlockQ5_0), true, true}},
    {7, {"q5_1", kQK5_1, sizeof(BlockQ5_1), true, true}},
    {8, {"q8_0", kQK8_0, sizeof(BlockQ8_0), true, true}},
    {9, {"q8_1", 32, 36, false, false}},
    {10, {"q2_k", kQK_K, sizeof(BlockQ2_K), true, false}},
    {11, {"q3_k", kQK_K, sizeof(BlockQ3_K), true, false}},
    {12, {"q4_k", kQK_K, sizeof(BlockQ4_K), true, true}},
    {13, {"q5_k", kQK_K, sizeof(BlockQ5_K), true, false}},
    {14, {"q6_k", kQK_K, sizeof(BlockQ6_K), true, true}},
    {15, {"q8_k", kQK_K, sizeof(BlockQ8_K), true, true}},
    {16, {"iq2_xxs", 256, 66, false, false}},
    {17, {"iq2_xs", 256, 74, false, false}},
    {18, {"iq3_xxs", 256, 98, false, false}},
    {19, {"iq1_s", 256, 50, false, false}},
    {20, {"iq4_nl", 32, 18, false, false}},
    {21, {"iq3_s", 256, 110, false, false}},
    {22, {"iq2_s", 256, 82, false, false}},
    {23, {"iq4_xs", 256, 136, false, false}},
    {24, {"i8", 1, 1, false, false}},
    {25, {"i16", 1, 2, false, false}},
    {26, {"i32", 1, 4, false, false}},
    {27, {"i64", 1, 8, false, false}},
    {28, {"f64", 1, 8, false, false}},
    {29, {"iq1_m", 256, 56, false, false}},
    {30, {"bf16", 1, 2, true, true}},
};

}  // namespace

const DTypeInfo* dtype_info(uint32_t id) {
  for (const Entry& e : kEntries) {
    if (e.id == id) return &e.info;
  }
  return nullptr;
}

StatusOr<DType> dtype_from_name(std::string_view name) {
  for (const Entry& e : kEntries) {
    if (name == e.info.name) return DType(e.id);
  }
  return InvalidArgument("unknown tensor type '%.*s'; known types: %s", int(name.size()),
                         name.data(), dtype_names(false).c_str());
}

std::string dtype_names(bool quantizable_only) {
  std::string out;
  for (const Entry& e : kEntries) {
    if (quantizable_only && !e.info.can_quantize) continue;
    if (!out.empty()) out += ", ";
    out += e.info.name;
  }
  return out;
}

}  // namespace omni

#include "tensor/tensor.h"

namespace omni {

TensorView make_contiguous_view(DType type, int n_dims, const int64_t* ne, const void* data) {
  TensorView t;
  t.type = type;
  t.n_dims = n_dims;
  for (int i = 0; i < n_dims; ++i) t.ne[size_t(i)] = ne[i];
  t.nb[0] = info(type).block_bytes;
  t.nb[1] = row_bytes(type, t.ne[0]);
  for (int i = 2; i < kMaxDims; ++i)
    t.nb[size_t(i)] = t.nb[size_t(i - 1)] * size_t(t.ne[size_t(i - 1)]);
  t.data = data;
  return t;
}

std::string shape_string(const TensorView& t) {
  std::string s = "[";
  for (int i = 0; i < t.n_dims; ++i) {
    if (i) s += ", ";
    s += std::to_string(t.ne[size_t(i)]);
  }
  return s + "]";
}

}  // namespace omni
