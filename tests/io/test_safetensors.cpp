// safetensors checksums: written for every tensor, verified on load, optional for files from
// other writers, and a mismatch names the tensor.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "../data/temp_dir.hpp"
#include "nabla/core/error.hpp"
#include "nabla/io/safetensors.hpp"

namespace nabla::test {
namespace {

std::string error_of(const std::string& bytes) {
  try {
    io::parse_safetensors(bytes);
  } catch (const IoError& e) {
    return e.what();
  }
  return "";
}

// A file as PyTorch's safetensors writes it: no nabla checksums.
std::string foreign_file(const std::vector<float>& values, const std::string& meta_json = "") {
  std::string header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[" + std::to_string(values.size()) +
                       "],\"data_offsets\":[0," + std::to_string(values.size() * 4) + "]}" +
                       (meta_json.empty() ? "" : ",\"__metadata__\":" + meta_json) + "}";
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i)
    out[i] = static_cast<char>(static_cast<uint64_t>(header.size()) >> (8 * i));
  out += header;
  out.append(reinterpret_cast<const char*>(values.data()), values.size() * 4);
  return out;
}

TEST(Safetensors, Crc32IsZlibs) {
  EXPECT_EQ(io::crc32("123456789", 9), 0xCBF43926u);  // the standard check value
  EXPECT_EQ(io::crc32("", 0), 0u);
  EXPECT_EQ(io::crc32("6789", 4, io::crc32("12345", 5)), 0xCBF43926u);
}

TEST(Safetensors, EveryTensorGetsAChecksumThatIsNotReturnedAsMetadata) {
  TempDir dir;
  const std::string path = dir.file("a.safetensors");
  io::save_safetensors(path, {{"a", Tensor::ones({3})}, {"b", Tensor::zeros({2, 2})}},
                       {{"note", "x"}});
  const std::string bytes = read_bytes(path);
  uint64_t len = 0;
  for (int i = 0; i < 8; ++i)
    len |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
  const auto header = nlohmann::json::parse(bytes.substr(8, len));
  const auto sums =
      nlohmann::json::parse(header["__metadata__"][io::kChecksumKey].get<std::string>());
  EXPECT_EQ(sums.size(), 2u);
  EXPECT_TRUE(sums.contains("a") && sums.contains("b"));
  io::Metadata meta;
  io::TensorMap m = io::load_safetensors(path, &meta);
  EXPECT_EQ(meta, (io::Metadata{{"note", "x"}}));
  EXPECT_EQ(m.at("a").to_vector<float>(), std::vector<float>(3, 1.0f));
}

TEST(Safetensors, AFlippedByteIsRefusedNamingFileAndTensor) {
  TempDir dir;
  const std::string path = dir.file("w.safetensors");
  io::save_safetensors(path,
                       {{"layer.weight", Tensor::ones({64})}, {"layer.bias", Tensor::ones({4})}});
  std::string bytes = read_bytes(path);
  bytes[bytes.size() - 10] ^= 0x01;  // inside layer.weight, the last tensor in the file
  write_bytes(path, bytes);
  try {
    io::load_safetensors(path);
    FAIL() << "a corrupted file was accepted";
  } catch (const IoError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find("'layer.weight'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("CRC32"), std::string::npos) << msg;
  }
}

TEST(Safetensors, FilesWithoutChecksumsStillLoad) {
  io::TensorMap m = io::parse_safetensors(foreign_file({1, 2, 3}));
  EXPECT_EQ(m.at("w").to_vector<float>(), (std::vector<float>{1, 2, 3}));
  io::Metadata meta;
  io::parse_safetensors(foreign_file({1}, "{\"format\":\"pt\"}"), &meta);
  EXPECT_EQ(meta.at("format"), "pt");
}

TEST(Safetensors, MalformedOrIncompleteChecksumsAreCorruption) {
  EXPECT_NE(error_of(foreign_file({1}, "{\"nabla.crc32\":\"{not json\"}")).find("not valid JSON"),
            std::string::npos);
  EXPECT_NE(error_of(foreign_file({1}, "{\"nabla.crc32\":\"{\\\"w\\\":\\\"xyz\\\"}\"}"))
                .find("malformed"),
            std::string::npos);
  // a checksum list that does not cover the file's tensors, or names one it lacks
  EXPECT_NE(error_of(foreign_file({1}, "{\"nabla.crc32\":\"{}\"}")).find("'w' has no checksum"),
            std::string::npos);
  const uint32_t good = io::crc32(std::vector<float>{1}.data(), 4);
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", good);
  const std::string both = std::string("{\"nabla.crc32\":\"{\\\"w\\\":\\\"") + hex +
                           "\\\",\\\"v\\\":\\\"00000000\\\"}\"}";
  EXPECT_NE(error_of(foreign_file({1}, both)).find("'v' is listed"), std::string::npos);
  const std::string ok = std::string("{\"nabla.crc32\":\"{\\\"w\\\":\\\"") + hex + "\\\"}\"}";
  EXPECT_EQ(error_of(foreign_file({1}, ok)), "");
}

// The fuzz seeds were written by Python (zlib.crc32): the same checksums from another tool.
TEST(Safetensors, FuzzSeedsWrittenByPythonVerify) {
  const std::string dir = std::string(NABLA_SOURCE_DIR) + "/fuzz/corpus/fuzz_safetensors/";
  io::Metadata meta;
  io::TensorMap m = io::load_safetensors(dir + "checksummed.safetensors", &meta);
  EXPECT_EQ(m.at("model.w").to_vector<float>(), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(meta.count(io::kChecksumKey), 0u);
  EXPECT_THROW(io::load_safetensors(dir + "checksum-mismatch.safetensors"), IoError);
}

}  // namespace
}  // namespace nabla::test
