#include "formats/gguf_value.h"

#include <cstdio>

namespace omni {

const char* gguf_type_name(GgufType type) {
  switch (type) {
    case GgufType::kUint8:
      return "uint8";
    case GgufType::kInt8:
      return "int8";
    case GgufType::kUint16:
      return "uint16";
    case GgufType::kInt16:
      return "int16";
    case GgufType::kUint32:
      return "uint32";
    case GgufType::kInt32:
      return "int32";
    case GgufType::kFloat32:
      return "float32";
    case GgufType::kBool:
      return "bool";
    case GgufType::kString:
      return "string";
    case GgufType::kArray:
      return "array";
    case GgufType::kUint64:
      return "uint64";
    case GgufType::kInt64:
      return "int64";
    case GgufType::kFloat64:
      return "float64";
  }
  return "?";
}

size_t gguf_scalar_size(GgufType type) {
  switch (type) {
    case GgufType::kUint8:
    case GgufType::kInt8:
    case GgufType::kBool:
      return 1;
    case GgufType::kUint16:
    case GgufType::kInt16:
      return 2;
    case GgufType::kUint32:
    case GgufType::kInt32:
    case GgufType::kFloat32:
      return 4;
    case GgufType::kUint64:
    case GgufType::kInt64:
    case GgufType::kFloat64:
      return 8;
    default:
      return 0;
  }
}

GgufValue GgufValue::u32(uint32_t v) {
  GgufValue out;
  out.type = GgufType::kUint32;
  out.i = v;
  return out;
}
GgufValue GgufValue::i32(int32_t v) {
  GgufValue out;
  out.type = GgufType::kInt32;
  out.i = v;
  return out;
}
GgufValue GgufValue::u64(uint64_t v) {
  GgufValue out;
  out.type = GgufType::kUint64;
  out.i = int64_t(v);
  return out;
}
GgufValue GgufValue::f32(float v) {
  GgufValue out;
  out.type = GgufType::kFloat32;
  out.f = v;
  return out;
}
GgufValue GgufValue::boolean(bool v) {
  GgufValue out;
  out.type = GgufType::kBool;
  out.i = v ? 1 : 0;
  return out;
}
GgufValue GgufValue::string(std::string v) {
  GgufValue out;
  out.type = GgufType::kString;
  out.str = std::move(v);
  return out;
}
GgufValue GgufValue::string_array(const std::vector<std::string>& v) {
  GgufValue out;
  out.type = GgufType::kArray;
  out.elem_type = GgufType::kString;
  out.array.reserve(v.size());
  for (const auto& s : v) out.array.push_back(string(s));
  return out;
}
GgufValue GgufValue::f32_array(const std::vector<float>& v) {
  GgufValue out;
  out.type = GgufType::kArray;
  out.elem_type = GgufType::kFloat32;
  for (float x : v) out.array.push_back(f32(x));
  return out;
}
GgufValue GgufValue::i32_array(const std::vector<int32_t>& v) {
  GgufValue out;
  out.type = GgufType::kArray;
  out.elem_type = GgufType::kInt32;
  for (int32_t x : v) out.array.push_back(i32(x));
  return out;
}

bool GgufValue::is_integer() const {
  switch (type) {
    case GgufType::kUint8:
    case GgufType::kInt8:
    case GgufType::kUint16:
    case GgufType::kInt16:
    case GgufType::kUint32:
    case GgufType::kInt32:
    case GgufType::kUint64:
    case GgufType::kInt64:
      return true;
    default:
      return false;
  }
}

std::string GgufValue::summary(size_t max_items) const {
  char buf[64];
  switch (type) {
    case GgufType::kString: {
      std::string s = str.size() > 60 ? str.substr(0, 57) + "..." : str;
      for (char& c : s) {
        if (c == '\n') c = ' ';
      }
      std::string quoted(1, '"');
      quoted += s;
      quoted += '"';
      return quoted;
    }
    case GgufType::kBool:
      return i ? "true" : "false";
    case GgufType::kFloat32:
    case GgufType::kFloat64:
      std::snprintf(buf, sizeof(buf), "%g", f);
      return buf;
    case GgufType::kUint64:
      std::snprintf(buf, sizeof(buf), "%llu", (unsigned long long)i);
      return buf;
    case GgufType::kArray: {
      if (array.size() > max_items) {
        std::snprintf(buf, sizeof(buf), "[%zu %s]", array.size(), gguf_type_name(elem_type));
        return buf;
      }
      std::string s = "[";
      for (size_t k = 0; k < array.size(); ++k) {
        if (k) s += ", ";
        s += array[k].summary(max_items);
      }
      s += ']';
      return s;
    }
    default:
      std::snprintf(buf, sizeof(buf), "%lld", (long long)i);
      return buf;
  }
}

bool GgufValue::operator==(const GgufValue& o) const {
  if (type != o.type) return false;
  switch (type) {
    case GgufType::kString:
      return str == o.str;
    case GgufType::kFloat32:
    case GgufType::kFloat64:
      return f == o.f || (f != f && o.f != o.f);
    case GgufType::kArray:
      return elem_type == o.elem_type && array == o.array;
    default:
      return i == o.i;
  }
}

}  // namespace omni
