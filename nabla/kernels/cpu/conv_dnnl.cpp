// oneDNN convolution primitives behind the plain NCHW interface of cpu/conv.hpp.
// Each distinct (shape, direction) builds its primitive and reorders once and keeps them in a
// bounded cache; the blocked-layout copies go to per-thread scratch buffers that only grow, so a
// training step neither rebuilds primitives nor allocates big buffers (fresh pages are expensive
// on the target VM, anchors/REPORT.md).
// oneDNN picks its own layout (format_tag::any, typically nChw8c on AVX2); we reorder from and to
// NCHW around each call, as PyTorch's mkldnn_convolution does for plain tensors.
#include "nabla/kernels/cpu/conv_dnnl.hpp"

#include "nabla/kernels/cpu/conv_gemm.hpp"

#ifdef NABLA_HAVE_DNNL
#include <array>
#include <map>
#include <memory>
#include <mutex>
#include <oneapi/dnnl/dnnl.hpp>
#include <unordered_map>
#endif

namespace nabla::kernels::cpu::detail {

#ifndef NABLA_HAVE_DNNL

bool dnnl_available() { return false; }
bool dnnl_conv2d_forward(const Conv2dParams&, const float*, const float*, const float*, float*) {
  return false;
}
bool dnnl_conv2d_backward_input(const Conv2dParams&, const float*, const float*, float*) {
  return false;
}
bool dnnl_conv2d_backward_weight(const Conv2dParams&, const float*, const float*, float*, float*) {
  return false;
}

#else

namespace {

using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

dnnl::engine& cpu_engine() {
  static dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  return eng;
}

// One tensor argument: the user's NCHW layout and, when the primitive wants another layout, the
// reorder between them. The blocked copy lives in this thread's scratch (`slot`), not in the
// cache entry, so a network with many layers holds one set of such buffers, not one per layer.
struct Arg {
  memory::desc user_md, prim_md;
  dnnl::primitive reorder;
  bool needs_reorder = false;
  int slot = 0;

  void init(const memory::desc& user, const memory::desc& prim, bool is_input, int scratch_slot) {
    user_md = user;
    prim_md = prim;
    slot = scratch_slot;
    needs_reorder = user != prim;
    if (needs_reorder) {
      const memory u(user, cpu_engine(), DNNL_MEMORY_NONE), p(prim, cpu_engine(), DNNL_MEMORY_NONE);
      reorder =
          is_input ? dnnl::primitive(dnnl::reorder(u, p)) : dnnl::primitive(dnnl::reorder(p, u));
    }
  }
  memory inner() const {
    return memory(prim_md, cpu_engine(), thread_scratch(slot, prim_md.get_size()));
  }
  // For an input: the user's data converted to the primitive's layout.
  memory in(dnnl::stream& s, const float* ptr) const {
    memory user(user_md, cpu_engine(), const_cast<float*>(ptr));
    if (!needs_reorder) return user;
    memory m = inner();
    reorder.execute(s, {{DNNL_ARG_FROM, user}, {DNNL_ARG_TO, m}});
    return m;
  }
  // For an output: where the primitive writes; finish_out() converts it back into ptr.
  memory out(float* ptr) const {
    return needs_reorder ? inner() : memory(user_md, cpu_engine(), ptr);
  }
  void finish_out(dnnl::stream& s, const memory& m, float* ptr) const {
    if (!needs_reorder) return;
    memory user(user_md, cpu_engine(), ptr);
    reorder.execute(s, {{DNNL_ARG_FROM, m}, {DNNL_ARG_TO, user}});
  }
};

struct Entry {
  std::mutex mu;  // one call per primitive at a time (oneDNN's scratchpad is per primitive)
  dnnl::primitive prim;
  Arg a, b, c;  // direction-specific: see the builders below
  memory::desc bias_md;
};

enum Dir : int64_t { kFwd = 0, kFwdBias = 1, kBwdData = 2, kBwdWeight = 3, kBwdWeightBias = 4 };
using Key = std::array<int64_t, 20>;
constexpr size_t kMaxCacheEntries = 256;

Key make_key(const Conv2dParams& p, Dir d) {
  return {d,          p.n,         p.c,          p.h,
          p.w,        p.k,         p.kh,         p.kw,
          p.stride_h, p.stride_w,  p.pad_top,    p.pad_bottom,
          p.pad_left, p.pad_right, p.dilation_h, p.dilation_w,
          p.groups,   p.oh,        p.ow,         0};
}

struct Geometry {
  memory::desc x, w, y, b;  // user layouts
  memory::desc xa, wa, ya;  // format any
  memory::dims strides, dilates, pad_l, pad_r;
};

// oneDNN checks (H + pl + pr - D(K-1) - 1)/S + 1 == OH exactly; our oh can come from a transposed
// conv's output_padding, so derive the bottom/right padding from oh when the given one disagrees.
int64_t pad_after(int64_t in, int64_t k, int64_t s, int64_t d, int64_t before, int64_t after,
                  int64_t out) {
  const int64_t span = in + before + after - d * (k - 1) - 1;
  if (span >= 0 && span / s + 1 == out) return after;
  return (out - 1) * s + d * (k - 1) + 1 - in - before;
}

Geometry geometry(const Conv2dParams& p) {
  Geometry g;
  const memory::dims xd = {p.n, p.c, p.h, p.w}, yd = {p.n, p.k, p.oh, p.ow};
  const memory::dims wd = p.groups == 1
                              ? memory::dims{p.k, p.c, p.kh, p.kw}
                              : memory::dims{p.groups, p.k / p.groups, p.c / p.groups, p.kh, p.kw};
  g.x = memory::desc(xd, dt::f32, tag::nchw);
  g.y = memory::desc(yd, dt::f32, tag::nchw);
  g.w = memory::desc(wd, dt::f32, p.groups == 1 ? tag::oihw : tag::goihw);
  g.b = memory::desc({p.k}, dt::f32, tag::x);
  g.xa = memory::desc(xd, dt::f32, tag::any);
  g.ya = memory::desc(yd, dt::f32, tag::any);
  g.wa = memory::desc(wd, dt::f32, tag::any);
  g.strides = {p.stride_h, p.stride_w};
  g.dilates = {p.dilation_h - 1, p.dilation_w - 1};
  g.pad_l = {p.pad_top, p.pad_left};
  g.pad_r = {pad_after(p.h, p.kh, p.stride_h, p.dilation_h, p.pad_top, p.pad_bottom, p.oh),
             pad_after(p.w, p.kw, p.stride_w, p.dilation_w, p.pad_left, p.pad_right, p.ow)};
  return g;
}

dnnl::convolution_forward::primitive_desc forward_pd(const Geometry& g, bool bias) {
  dnnl::convolution_forward::desc d(
      dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, g.xa, g.wa,
      bias ? g.b : memory::desc(), g.ya, g.strides, g.dilates, g.pad_l, g.pad_r);
  return dnnl::convolution_forward::primitive_desc(d, cpu_engine());
}

std::shared_ptr<Entry> build(const Conv2dParams& p, Dir dir) {
  const Geometry g = geometry(p);
  auto e = std::make_shared<Entry>();
  const bool bias = dir == kFwdBias || dir == kBwdWeightBias;
  auto fpd = forward_pd(g, dir == kFwdBias);
  if (dir == kFwd || dir == kFwdBias) {  // a = src, b = weights, c = dst
    e->prim = dnnl::convolution_forward(fpd);
    e->a.init(g.x, fpd.src_desc(), true, 2);
    e->b.init(g.w, fpd.weights_desc(), true, 3);
    e->c.init(g.y, fpd.dst_desc(), false, 1);
  } else if (dir == kBwdData) {  // a = diff_dst, b = weights, c = diff_src
    dnnl::convolution_backward_data::desc d(dnnl::algorithm::convolution_direct, g.xa, g.wa, g.ya,
                                            g.strides, g.dilates, g.pad_l, g.pad_r);
    dnnl::convolution_backward_data::primitive_desc pd(d, cpu_engine(), fpd);
    e->prim = dnnl::convolution_backward_data(pd);
    e->a.init(g.y, pd.diff_dst_desc(), true, 2);
    e->b.init(g.w, pd.weights_desc(), true, 3);
    e->c.init(g.x, pd.diff_src_desc(), false, 1);
  } else {  // a = src, b = diff_dst, c = diff_weights
    dnnl::convolution_backward_weights::desc d(dnnl::algorithm::convolution_direct, g.xa, g.wa,
                                               bias ? g.b : memory::desc(), g.ya, g.strides,
                                               g.dilates, g.pad_l, g.pad_r);
    dnnl::convolution_backward_weights::primitive_desc pd(d, cpu_engine(), fpd);
    e->prim = dnnl::convolution_backward_weights(pd);
    e->a.init(g.x, pd.src_desc(), true, 2);
    e->b.init(g.y, pd.diff_dst_desc(), true, 3);
    e->c.init(g.w, pd.diff_weights_desc(), false, 1);
    if (bias && pd.diff_bias_desc() != g.b) throw dnnl::error(dnnl_unimplemented, "bias layout");
  }
  e->bias_md = g.b;
  return e;
}

// Cached entry for (p, dir), or null when oneDNN cannot do it (remembered, so we ask once).
std::shared_ptr<Entry> lookup(const Conv2dParams& p, Dir dir) {
  static std::mutex mu;
  static std::map<Key, std::shared_ptr<Entry> > cache;
  const Key key = make_key(p, dir);
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  // Bounded: shapes that keep changing (detection crops, any-size FCN inputs) must not grow it
  // forever; rebuilding a primitive costs about a millisecond.
  if (cache.size() >= kMaxCacheEntries) cache.clear();
  std::shared_ptr<Entry> e;
  try {
    e = build(p, dir);
  } catch (const dnnl::error&) {
    e = nullptr;
  }
  cache.emplace(key, e);
  return e;
}

}  // namespace

bool dnnl_available() { return true; }

bool dnnl_conv2d_forward(const Conv2dParams& p, const float* x, const float* w, const float* b,
                         float* y) {
  auto e = lookup(p, b ? kFwdBias : kFwd);
  if (!e) return false;
  std::lock_guard<std::mutex> lock(e->mu);
  dnnl::stream s(cpu_engine());
  const memory dst = e->c.out(y);
  std::unordered_map<int, memory> args{
      {DNNL_ARG_SRC, e->a.in(s, x)}, {DNNL_ARG_WEIGHTS, e->b.in(s, w)}, {DNNL_ARG_DST, dst}};
  if (b) args[DNNL_ARG_BIAS] = memory(e->bias_md, cpu_engine(), const_cast<float*>(b));
  e->prim.execute(s, args);
  e->c.finish_out(s, dst, y);
  s.wait();
  return true;
}

bool dnnl_conv2d_backward_input(const Conv2dParams& p, const float* dy, const float* w, float* dx) {
  auto e = lookup(p, kBwdData);
  if (!e) return false;
  std::lock_guard<std::mutex> lock(e->mu);
  dnnl::stream s(cpu_engine());
  const memory dsrc = e->c.out(dx);
  e->prim.execute(s, {{DNNL_ARG_DIFF_DST, e->a.in(s, dy)},
                      {DNNL_ARG_WEIGHTS, e->b.in(s, w)},
                      {DNNL_ARG_DIFF_SRC, dsrc}});
  e->c.finish_out(s, dsrc, dx);
  s.wait();
  return true;
}

bool dnnl_conv2d_backward_weight(const Conv2dParams& p, const float* x, const float* dy, float* dw,
                                 float* db) {
  auto e = lookup(p, db ? kBwdWeightBias : kBwdWeight);
  if (!e) return false;
  std::lock_guard<std::mutex> lock(e->mu);
  dnnl::stream s(cpu_engine());
  const memory dwm = e->c.out(dw);
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, e->a.in(s, x)},
                                       {DNNL_ARG_DIFF_DST, e->b.in(s, dy)},
                                       {DNNL_ARG_DIFF_WEIGHTS, dwm}};
  if (db) args[DNNL_ARG_DIFF_BIAS] = memory(e->bias_md, cpu_engine(), db);
  e->prim.execute(s, args);
  e->c.finish_out(s, dwm, dw);
  s.wait();
  return true;
}

#endif  // NABLA_HAVE_DNNL

}  // namespace nabla::kernels::cpu::detail
