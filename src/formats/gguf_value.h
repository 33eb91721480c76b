// GGUF metadata values (the key/value section of a GGUF file).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace omni {

// Value type ids as stored in GGUF files.
enum class GgufType : uint32_t {
  kUint8 = 0,
  kInt8 = 1,
  kUint16 = 2,
  kInt16 = 3,
  kUint32 = 4,
  kInt32 = 5,
  kFloat32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kUint64 = 10,
  kInt64 = 11,
  kFloat64 = 12,
};

const char* gguf_type_name(GgufType type);
// Bytes of one scalar of `type` in a file; 0 for strings and arrays (variable size).
size_t gguf_scalar_size(GgufType type);

// One value: a scalar, a string, or an array whose elements all have type `elem_type` (arrays may
// nest). Integers are held in `i` (signed types sign-extended, uint64 reinterpreted), floats in f.
struct GgufValue {
  GgufType type = GgufType::kUint32;
  GgufType elem_type = GgufType::kUint8;  // arrays only
  int64_t i = 0;
  double f = 0.0;
  std::string str;
  std::vector<GgufValue> array;

  static GgufValue u32(uint32_t v);
  static GgufValue i32(int32_t v);
  static GgufValue u64(uint64_t v);
  static GgufValue f32(float v);
  static GgufValue boolean(bool v);
  static GgufValue string(std::string v);
  static GgufValue string_array(const std::vector<std::string>& v);
  static GgufValue f32_array(const std::vector<float>& v);
  static GgufValue i32_array(const std::vector<int32_t>& v);

  bool is_integer() const;
  bool is_float() const { return type == GgufType::kFloat32 || type == GgufType::kFloat64; }
  // Short human-readable rendering; long arrays are summarized ("[151936 strings]").
  std::string summary(size_t max_items = 8) const;
  bool operator==(const GgufValue& other) const;
};

}  // namespace omni
