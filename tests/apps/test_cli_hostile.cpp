// What a hostile test found (issue 8): corrupted or NaN-holding weights, two processes in one
// run folder, --set on --resume, a failed resume rewriting the folder, splits of different
// image sizes, and the messages for --threads, a folder given as an image, state-dict
// mismatches and images of the wrong size.
#include <cmath>
#include <map>

#include "cli_runner.hpp"
#include "nabla/data/idx.hpp"
#include "nabla/data/image.hpp"
#include "nabla/io/safetensors.hpp"
#include "nabla/train/metrics_csv.hpp"

namespace nabla::test {
namespace {

namespace fs = std::filesystem;

void expect_error(const CliResult& r, int code, const std::vector<std::string>& needles) {
  EXPECT_EQ(r.code, code) << r.err;
  EXPECT_EQ(r.err_lines(), 1) << r.err;
  for (const auto& n : needles)
    EXPECT_NE(r.err.find(n), std::string::npos) << "expected '" << n << "' in: " << r.err;
}

// Every file of a folder with its bytes: what "nothing changed" compares.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    out[e.path().filename().string()] = slurp(e.path());
  return out;
}

void write_bytes(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
}

// Offset of tensor `name`'s data in a safetensors file.
size_t data_offset(const std::string& bytes, const std::string& name) {
  uint64_t len = 0;
  for (int i = 0; i < 8; ++i)
    len |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
  const std::string header = bytes.substr(8, len);
  const size_t at = header.find("\"" + name + "\"");
  const size_t offs = header.find("data_offsets\":[", at);
  return 8 + len + std::stoull(header.substr(offs + 15));
}

// Flips bytes inside tensor `name`'s data (a disk or copy error).
void flip_bytes(const fs::path& file, const std::string& name) {
  std::string b = slurp(file);
  const size_t at = data_offset(b, name);
  for (size_t i = 0; i < 8; ++i) b[at + i] = static_cast<char>(b[at + i] ^ 0x5a);
  write_bytes(file, b);
}

// The hostile test's other case: weights set to NaN by a writer that kept the checksums
// consistent (load, poison, save again).
void poison_with_nan(const fs::path& file, const std::string& name, int64_t count) {
  io::Metadata meta;
  io::TensorMap m = io::load_safetensors(file.string(), &meta);
  Tensor t = m.at(name).clone_data();
  float* p = t.data<float>();
  for (int64_t i = 0; i < std::min(count, t.numel()); ++i) p[i] = NAN;
  m[name] = t;
  io::save_safetensors(file.string(), m, meta);
}

TEST(CliHostile, CorruptOrNanWeightsAreRefusedByResumeEvalAndPredict) {
  CliSandbox box;
  box.write("c.toml", tiny_config(1));
  ASSERT_EQ(box.run("train c.toml --out run").code, 0);
  data::write_png(box.path("a.png"), Tensor::zeros({8, 8}));
  const auto pristine = snapshot(box.dir() / "run");

  // flipped bytes: the checksum names the tensor
  flip_bytes(box.dir() / "run/checkpoint.safetensors", "model.1.weight");
  flip_bytes(box.dir() / "run/model.safetensors", "1.weight");
  expect_error(box.run("train c.toml --out run --resume --epochs 2"), 4,
               {"run/checkpoint.safetensors", "'model.1.weight'", "CRC32"});
  expect_error(box.run("eval run"), 4, {"run/model.safetensors", "'1.weight'", "CRC32"});
  expect_error(box.run("predict run a.png"), 4, {"run/model.safetensors", "'1.weight'", "CRC32"});

  // 1000 NaN weights (linear 64 -> 16 has 1024): refused, naming file and tensor
  for (const auto& [f, bytes] : pristine) write_bytes(box.dir() / "run" / f, bytes);
  poison_with_nan(box.dir() / "run/checkpoint.safetensors", "model.1.weight", 1000);
  poison_with_nan(box.dir() / "run/model.safetensors", "1.weight", 1000);
  expect_error(box.run("train c.toml --out run --resume --epochs 2"), 4,
               {"run/checkpoint.safetensors", "'model.1.weight'", "1000 NaN/Inf"});
  expect_error(box.run("eval run"), 4, {"run/model.safetensors", "'1.weight'", "1000 NaN/Inf"});
  expect_error(box.run("predict run a.png"), 4, {"run/model.safetensors", "'1.weight'", "NaN"});
}

TEST(CliHostile, FailedResumeChangesNothingInTheRunFolder) {
  CliSandbox box;
  box.write("c.toml", tiny_config(1));
  ASSERT_EQ(box.run("train c.toml --out run").code, 0);
  const std::string ckpt = slurp(box.dir() / "run/checkpoint.safetensors");
  write_bytes(box.dir() / "run/checkpoint.safetensors",
              ckpt.substr(0, ckpt.size() - 100));  // truncated
  const auto before = snapshot(box.dir() / "run");
  expect_error(box.run("train c.toml --out run --resume --epochs 3 --set optimizer.lr=0.5"), 4,
               {"run/checkpoint.safetensors"});
  EXPECT_EQ(snapshot(box.dir() / "run"), before)
      << "a failed resume must leave every file as it was";
}

TEST(CliHostile, ResumeOverridesAreAppliedAndRecorded) {
  CliSandbox box;
  box.write("c.toml", tiny_config(1));
  ASSERT_EQ(box.run("train c.toml --out run").code, 0);
  CliResult r = box.run("train c.toml --out run --resume --epochs 2 --set optimizer.lr=0.0025");
  ASSERT_EQ(r.code, 0) << r.err;
  // what ran: epoch 2's lr in metrics.csv (the optimizer's rate after its last step)
  const auto rows = train::read_metrics_csv(box.path("run/metrics.csv"));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_DOUBLE_EQ(rows[0].lr, 0.01);
  EXPECT_DOUBLE_EQ(rows[1].lr, 0.0025);
  // what is recorded: the config and the resume list agree with it
  const std::string cfg = slurp(box.dir() / "run/config.toml");
  EXPECT_NE(cfg.find("lr = 0.0025"), std::string::npos) << cfg;
  const std::string info = slurp(box.dir() / "run/run.json");
  EXPECT_NE(info.find("optimizer.lr=0.0025"), std::string::npos) << info;
  EXPECT_NE(info.find("\"epochs_done\": 1"), std::string::npos) << info;
  // the checkpoint stores the same config, so a further resume keeps the new rate
  io::Metadata meta;
  io::load_safetensors(box.path("run/checkpoint.safetensors"), &meta);
  EXPECT_NE(meta.at("config").find("lr = 0.0025"), std::string::npos);
  // keys that give the checkpoint its meaning are refused, and nothing is written
  const auto before = snapshot(box.dir() / "run");
  for (const char* key :
       {"model.layers[1].out=8", "data.noise=0.1", "seed=3", "optimizer.name=sgd"})
    expect_error(box.run(std::string("train c.toml --out run --resume --set ") + key), 2,
                 {"cannot change"});
  EXPECT_EQ(snapshot(box.dir() / "run"), before);
}

TEST(CliHostile, ASecondTrainingIntoABusyRunFolderIsRefused) {
  CliSandbox box;
  box.write("c.toml", tiny_config(100000));
  Child first(box.spawn("train c.toml --out run --threads 1"));
  ASSERT_TRUE(wait_for_file(box.dir() / "run" / "run.json"))
      << box.bg_err();  // written last before step 1
  expect_error(box.run("train c.toml --out run --resume --threads 1"), 1,
               {"run", "in use by another nabla process"});
  expect_error(box.run("train c.toml --out run --force --threads 1"), 1,
               {"in use by another nabla process"});
  EXPECT_TRUE(fs::exists(box.dir() / "run/config.toml"))
      << "--force must not delete a busy run's files";
  ASSERT_EQ(::kill(first.pid(), SIGINT), 0);
  EXPECT_EQ(first.wait(), 130) << box.bg_err();
  // once the first process is gone the folder is free again
  CliResult resumed = box.run("train c.toml --out run --resume --epochs 1 --threads 1");
  EXPECT_EQ(resumed.code, 0) << resumed.err;
}

// IDX files of Fashion-MNIST's layout with `size` x `size` images.
void write_idx_split(const fs::path& dir, const std::string& prefix, int64_t n, int64_t size) {
  data::IdxArray images{
      data::IdxType::UInt8, {n, size, size}, std::vector<uint8_t>(n * size * size, 7)};
  data::IdxArray labels{data::IdxType::UInt8, {n}, std::vector<uint8_t>(n)};
  for (int64_t i = 0; i < n; ++i) labels.bytes[i] = static_cast<uint8_t>(i % 10);
  data::write_idx((dir / (prefix + "-images-idx3-ubyte.gz")).string(), images);
  data::write_idx((dir / (prefix + "-labels-idx1-ubyte.gz")).string(), labels);
}

TEST(CliHostile, SplitsOfDifferentImageSizesFailBeforeTraining) {
  CliSandbox box;
  fs::create_directories(box.dir() / "fm");
  write_idx_split(box.dir() / "fm", "train", 40, 28);
  write_idx_split(box.dir() / "fm", "t10k", 20, 32);
  box.write("c.toml",
            "[data]\nroot = \"fm\"\n[model]\nlayers = [ { type = \"flatten\" }, { type = "
            "\"linear\", out = 10 } ]\n"
            "[train]\nepochs = 2\nbatch_size = 8\n");
  CliResult r = box.run("train c.toml --out run");
  expect_error(r, 4, {"28x28", "32x32", "t10k-images-idx3-ubyte.gz"});
  EXPECT_EQ(r.err.find("epoch 1"), std::string::npos) << "no training before the check: " << r.err;
  EXPECT_FALSE(fs::exists(box.dir() / "run"));
}

TEST(CliHostile, MessagesNameTheProblem) {
  CliSandbox box;
  box.write("c.toml", tiny_config(1));
  expect_error(box.run("train c.toml --threads 0"), 2,
               {"--threads", "between 1 and 1024", "got 0"});
  expect_error(box.run("train c.toml --threads 100000"), 2, {"between 1 and 1024", "got 100000"});
  expect_error(box.run("eval run --threads -1"), 2, {"--threads"});
  EXPECT_LT(box.run("train c.toml --epochs -1").err.size(), 200u) << "no 309-digit ranges";
  ASSERT_EQ(box.run("train c.toml --out run").code, 0);

  fs::create_directories(box.dir() / "pictures");
  expect_error(box.run("predict run pictures"), 4, {"pictures", "is a folder"});
  expect_error(box.run("eval c.toml"), 4, {"c.toml: is a file, expected a run folder"});

  // a config that no longer fits the weights: the state-dict error names the weights file
  std::string cfg = slurp(box.dir() / "run/config.toml");
  const size_t at = cfg.find("out = 16");
  ASSERT_NE(at, std::string::npos) << cfg;
  write_bytes(box.dir() / "run/config.toml", cfg.replace(at, 8, "out = 12"));
  expect_error(box.run("eval run"), 1, {"run/model.safetensors", "1.weight"});
}

TEST(CliHostile, ImagesOfAnotherSizeOrColourAreConvertedWithANote) {
  CliSandbox box;
  box.write("c.toml", tiny_config(1));
  ASSERT_EQ(box.run("train c.toml --out run").code, 0);
  data::write_png(box.path("exact.png"), Tensor::zeros({1, 8, 8}));
  data::write_png(box.path("big_rgb.png"), Tensor::full({3, 20, 30}, 0.2));
  CliResult r = box.run("predict run exact.png big_rgb.png --invert no");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("exact.png: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("big_rgb.png: "), std::string::npos) << r.out;
  EXPECT_EQ(r.err.find("exact.png"), std::string::npos)
      << "no note for an image of the model's size: " << r.err;
  EXPECT_NE(
      r.err.find("note: big_rgb.png is 30x20 RGB; converted to the model's 8x8 grayscale input"),
      std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace nabla::test
