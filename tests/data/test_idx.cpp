#include <gtest/gtest.h>
#include <zlib.h>

#include <cstring>

#include "nabla/data/idx.hpp"
#include "temp_dir.hpp"

using namespace nabla;
using namespace nabla::data;

namespace {

std::string gzip_bytes(const std::string& raw) {
  z_stream zs;
  std::memset(&zs, 0, sizeof zs);
  EXPECT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, raw.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
  zs.avail_in = static_cast<uInt>(raw.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

IdxArray make_u8(const Shape& shape) {
  IdxArray a;
  a.type = IdxType::UInt8;
  a.shape = shape;
  a.bytes.resize(static_cast<size_t>(shape_numel(shape)));
  for (size_t i = 0; i < a.bytes.size(); ++i)
    a.bytes[i] = static_cast<uint8_t>((i * 37 + 11) % 256);
  return a;
}

// Header bytes {0, 0, type, ndims, dims...} as IDX writes them (big-endian).
std::string header(uint8_t type, const std::vector<uint32_t>& dims) {
  std::string h = {0, 0, static_cast<char>(type), static_cast<char>(dims.size())};
  for (uint32_t d : dims)
    for (int s = 24; s >= 0; s -= 8) h.push_back(static_cast<char>((d >> s) & 0xff));
  return h;
}

void expect_io_error(const std::string& bytes, const std::string& needle) {
  try {
    parse_idx(bytes, "bad.idx");
    FAIL() << "expected IoError containing '" << needle << "'";
  } catch (const IoError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("bad.idx"), std::string::npos) << msg;
    EXPECT_NE(msg.find(needle), std::string::npos) << msg;
  }
}

}  // namespace

TEST(Idx, RoundTripGzipAndPlain) {
  test::TempDir dir;
  const IdxArray a = make_u8({3, 4, 5});
  for (bool gz : {true, false}) {
    const std::string path = dir.file(gz ? "a.idx.gz" : "a.idx");
    write_idx(path, a, gz);
    const std::string on_disk = test::read_bytes(path);
    EXPECT_EQ(on_disk.size() >= 2 && static_cast<uint8_t>(on_disk[0]) == 0x1f, gz);
    const IdxArray b = read_idx(path);
    EXPECT_EQ(b.type, IdxType::UInt8);
    EXPECT_EQ(b.shape, (Shape{3, 4, 5}));
    EXPECT_EQ(b.bytes, a.bytes);
  }
  const Tensor t = a.to_tensor(DType::Float32);
  EXPECT_EQ(t.shape(), (Shape{3, 4, 5}));
  EXPECT_EQ(t.at({0, 0, 1}), (1 * 37 + 11) % 256);
  const Tensor l = a.to_tensor(DType::Int64);
  EXPECT_EQ(l.to_vector<int64_t>()[59], (59 * 37 + 11) % 256);
}

TEST(Idx, MultiByteTypesAreBigEndian) {
  IdxArray a;
  a.type = IdxType::Int32;
  a.shape = {3};
  const int32_t vals[3] = {-2, 0x01020304, 70000};
  a.bytes.resize(12);
  std::memcpy(a.bytes.data(), vals, 12);
  const std::string enc = encode_idx(a);
  ASSERT_EQ(enc.size(), 4u + 4u + 12u);
  // 0x01020304 is stored most significant byte first.
  EXPECT_EQ(enc.substr(12, 4), std::string("\x01\x02\x03\x04", 4));
  const IdxArray b = parse_idx(enc);
  EXPECT_EQ(b.to_tensor(DType::Int64).to_vector<int64_t>(),
            (std::vector<int64_t>{-2, 0x01020304, 70000}));

  IdxArray d;
  d.type = IdxType::Float64;
  d.shape = {2};
  const double dv[2] = {-1.5, 3.25e10};
  d.bytes.resize(16);
  std::memcpy(d.bytes.data(), dv, 16);
  const IdxArray e = parse_idx(gzip_bytes(encode_idx(d)));
  EXPECT_EQ(e.to_tensor(DType::Float64).to_vector<double>(), (std::vector<double>{-1.5, 3.25e10}));
}

TEST(Idx, ConcatenatedGzipMembersAreOneStream) {
  const std::string raw = encode_idx(make_u8({10, 7}));
  const std::string two = gzip_bytes(raw.substr(0, 30)) + gzip_bytes(raw.substr(30));
  EXPECT_EQ(parse_idx(two).bytes, make_u8({10, 7}).bytes);
}

TEST(Idx, RejectsBadMagicTypeAndDims) {
  std::string good = encode_idx(make_u8({2, 2}));
  std::string bad = good;
  bad[0] = 1;
  expect_io_error(bad, "bad magic");
  bad = good;
  bad[2] = 0x07;
  expect_io_error(bad, "unknown element type 0x07");
  bad = good;
  bad[3] = 0;
  expect_io_error(bad, "number of dimensions 0");
  expect_io_error(std::string("\0\0", 2), "shorter than the 4-byte magic");
  expect_io_error(header(0x08, {5, 5}).substr(0, 7), "truncated header");
  expect_io_error("", "shorter than");
}

TEST(Idx, RejectsTruncatedAndOverlongPayload) {
  const std::string good = encode_idx(make_u8({4, 4}));
  expect_io_error(good.substr(0, good.size() - 1), "needs 16 bytes of data, found 15");
  expect_io_error(good + "x", "more data than the header");
  expect_io_error(gzip_bytes(good + "xy"), "more data than the header");
  // gzip cut short: the stream ends before the payload does.
  const std::string gz = gzip_bytes(encode_idx(make_u8({64, 64})));
  expect_io_error(gz.substr(0, gz.size() / 2), "truncated");
  // gzip with its CRC damaged: zlib notices.
  std::string crc = gz;
  crc[crc.size() - 6] ^= 0x55;
  expect_io_error(crc, "corrupt gzip data");
  expect_io_error(gz + "garbage", "unexpected bytes after the end of the gzip stream");
}

TEST(Idx, RefusesHugeDimensionsWithoutAllocating) {
  // 4G x 4G bytes: would overflow or exhaust memory if trusted.
  expect_io_error(header(0x08, {0xFFFFFFFFu, 0xFFFFFFFFu}), "limit");
  // Product overflows 64 bits only after several dimensions.
  expect_io_error(header(0x0E, {65536, 65536, 65536, 65536, 65536}), "limit");
  // Just over a small caller-given limit, with a complete payload behind it.
  const std::string ok = encode_idx(make_u8({32, 32}));
  EXPECT_THROW(parse_idx(ok, "small", 1000), IoError);
  EXPECT_NO_THROW(parse_idx(ok, "small", 1024));
  // A gzip bomb: tiny compressed, header claims more than the limit.
  const std::string bomb = gzip_bytes(header(0x08, {1u << 30, 4}) + std::string(1 << 16, '\0'));
  expect_io_error(bomb, "limit");
}

TEST(Idx, ZeroSizedArraysAreFine) {
  const IdxArray z = parse_idx(header(0x08, {0, 28, 28}));
  EXPECT_EQ(z.shape, (Shape{0, 28, 28}));
  EXPECT_TRUE(z.bytes.empty());
}

TEST(Idx, MissingFileNamesThePath) {
  try {
    read_idx("/nonexistent/dir/x-idx1-ubyte.gz");
    FAIL();
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/dir/x-idx1-ubyte.gz"), std::string::npos);
  }
}
