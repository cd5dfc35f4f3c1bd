// Einsum: any number of operands (with "..." for leading batch dims, broadcast from the right as
// in NumPy), an explicit or implicit output. That covers matmul, batched matmul, inner/outer
// products, transposes and sums over dropped labels; a label repeated within one operand takes
// that operand's diagonal first ("ii->i", a trace with "ii"). Operands are contracted left to
// right as batched matmuls (permute + reshape + matmul; diagonals by index_select), so autograd
// runs through it.
#include <algorithm>
#include <map>

#include "nabla/onnx/ops.hpp"
#include "nabla/ops/ops.hpp"

namespace nabla::onnx {
namespace {

using Outs = std::vector<Tensor>;

// An operand and one label per dim; '0'..'9' stand for the dims "..." covers (right-aligned).
struct Labeled {
  Tensor t;
  std::string labels;
};

bool is_letter(char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'); }

std::string strip_spaces(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), ' '), s.end());
  return s;
}

std::vector<std::string> split_terms(const std::string& lhs) {
  std::vector<std::string> terms(1);
  for (char ch : lhs) {
    if (ch == ',')
      terms.emplace_back();
    else
      terms.back().push_back(ch);
  }
  return terms;
}

// "..." replaced by the last `n` of `ell` placeholder labels; letters checked.
std::string expand_term(const OpContext& c, const std::string& term, int64_t n, int64_t ell) {
  std::string out;
  for (size_t i = 0; i < term.size(); ++i) {
    if (term.compare(i, 3, "...") == 0) {
      for (int64_t j = ell - n; j < ell; ++j) out.push_back(static_cast<char>('0' + j));
      i += 2;
    } else if (is_letter(term[i])) {
      out.push_back(term[i]);
    } else {
      c.fail("equation has '" + std::string(1, term[i]) + "' where a letter or ... belongs");
    }
  }
  return out;
}

// How many dims each operand's "..." covers, checked against its rank.
std::vector<int64_t> ellipsis_ranks(const OpContext& c, const std::vector<std::string>& terms) {
  std::vector<int64_t> n;
  for (size_t i = 0; i < terms.size(); ++i) {
    const std::string& s = terms[i];
    const bool ell = s.find("...") != std::string::npos;
    if (ell && s.find("...", s.find("...") + 3) != std::string::npos)
      c.fail("term '" + s + "' has more than one ...");
    const auto letters = static_cast<int64_t>(std::count_if(s.begin(), s.end(), is_letter));
    const int64_t rank = c.input(i).dim();
    if ((!ell && letters != rank) || (ell && letters > rank))
      c.fail("term '" + s + "' does not match operand " + std::to_string(i) + " of rank " +
             std::to_string(rank));
    n.push_back(ell ? rank - letters : 0);
  }
  return n;
}

// The output labels: explicit after "->", else "..." then the letters the equation uses once,
// sorted.
std::string output_labels(const OpContext& c, const std::string& eq,
                          const std::vector<Labeled>& ops, int64_t ell) {
  const auto arrow = eq.find("->");
  if (arrow != std::string::npos) {
    const std::string out = expand_term(c, eq.substr(arrow + 2), ell, ell);
    for (char l : out) {
      const bool known = std::any_of(ops.begin(), ops.end(), [&](const Labeled& o) {
        return o.labels.find(l) != std::string::npos;
      });
      if (!known || std::count(out.begin(), out.end(), l) > 1)
        c.fail("output label '" + std::string(1, l) + "' is unknown or repeated");
    }
    return out;
  }
  std::map<char, int> uses;  // in the equation, before diagonals merged repeats ("ii": a trace)
  for (char l : eq) ++uses[l];
  std::string out;
  for (int64_t j = 0; j < ell; ++j) out.push_back(static_cast<char>('0' + j));
  for (const auto& [l, n] : uses)  // std::map: sorted
    if (n == 1 && is_letter(l)) out.push_back(l);
  return out;
}

// The operand with each label it repeats reduced to one dim, its diagonal: the two dims moved
// last, flattened to n*n, every (n+1)-th element picked.
Labeled diagonals(const OpContext& c, Labeled a) {
  for (size_t d1 = 0; d1 < a.labels.size(); ++d1) {
    const size_t d2 = a.labels.find(a.labels[d1], d1 + 1);
    if (d2 == std::string::npos) continue;
    const int64_t n = a.t.size(static_cast<int64_t>(d1));
    if (a.t.size(static_cast<int64_t>(d2)) != n)
      c.fail("label '" + std::string(1, a.labels[d1]) + "' repeats with sizes " +
             std::to_string(n) + " and " + std::to_string(a.t.size(static_cast<int64_t>(d2))));
    std::vector<int64_t> perm;
    std::string rest;
    for (size_t d = 0; d < a.labels.size(); ++d)
      if (d != d1 && d != d2) {
        perm.push_back(static_cast<int64_t>(d));
        rest.push_back(a.labels[d]);
      }
    perm.insert(perm.end(), {static_cast<int64_t>(d1), static_cast<int64_t>(d2)});
    Shape flat;
    for (size_t k = 0; k + 2 < perm.size(); ++k) flat.push_back(a.t.size(perm[k]));
    flat.push_back(n * n);
    const Tensor picks =
        Tensor::arange(0, static_cast<double>(n * n), static_cast<double>(n + 1), DType::Int64);
    const auto last = static_cast<int64_t>(flat.size()) - 1;
    a = {index_select(reshape(permute(a.t, perm), flat), last, picks),
         rest + std::string(1, a.labels[d1])};
    d1 = static_cast<size_t>(-1);  // the labels moved: look again from the start
  }
  return a;
}

// Operands with their labels, size-1 dims broadcast to the label's size elsewhere.
std::vector<Labeled> parse(const OpContext& c, const std::string& eq, int64_t& ell) {
  const auto terms = split_terms(eq.substr(0, eq.find("->")));
  if (terms.size() != c.num_inputs())
    c.fail("equation has " + std::to_string(terms.size()) + " terms for " +
           std::to_string(c.num_inputs()) + " inputs");
  const auto n = ellipsis_ranks(c, terms);
  ell = *std::max_element(n.begin(), n.end());
  if (ell > 10) c.unsupported("more than 10 dims under ...");
  std::vector<Labeled> ops;
  std::map<char, int64_t> size;
  for (size_t i = 0; i < terms.size(); ++i) {
    ops.push_back(diagonals(c, {c.input(i), expand_term(c, terms[i], n[i], ell)}));
    const std::string& l = ops.back().labels;
    for (size_t d = 0; d < l.size(); ++d) {
      int64_t& s = size[l[d]];
      const int64_t have = ops.back().t.size(static_cast<int64_t>(d));
      if (s > 1 && have > 1 && s != have)
        c.fail("label '" + std::string(1, l[d]) + "' has sizes " + std::to_string(s) + " and " +
               std::to_string(have));
      s = std::max(s, have);
    }
  }
  for (auto& o : ops) {
    Shape want;
    for (char l : o.labels) want.push_back(size[l]);
    if (want != o.t.shape()) o.t = expand(o.t, want);
  }
  return ops;
}

// Sums away the labels of `a` that `keep` lacks.
Labeled sum_out(const Labeled& a, const std::string& keep) {
  std::vector<int64_t> dims;
  std::string left;
  for (size_t d = 0; d < a.labels.size(); ++d)
    keep.find(a.labels[d]) == std::string::npos ? dims.push_back(static_cast<int64_t>(d))
                                                : left.push_back(a.labels[d]);
  if (dims.empty()) return a;
  return {sum(a.t, dims), left};
}

// `a` permuted to the label order `order`, its dims grouped into `groups` products.
Tensor arrange(const Labeled& a, const std::vector<std::string>& groups) {
  std::vector<int64_t> perm;
  Shape grouped;
  for (const auto& g : groups) {
    int64_t n = 1;
    for (char l : g) {
      const auto d = static_cast<int64_t>(a.labels.find(l));
      perm.push_back(d);
      n *= a.t.size(d);
    }
    grouped.push_back(n);
  }
  return reshape(permute(a.t, perm), grouped);
}

// a x b as one batched matmul: (batch, a-only, shared) x (batch, shared, b-only); the shared
// labels that `keep` lacks are contracted, the kept ones are the batch.
Labeled contract(const Labeled& a0, const Labeled& b0, const std::string& keep) {
  const Labeled a = sum_out(a0, keep + b0.labels), b = sum_out(b0, keep + a0.labels);
  std::string batch, shared, aonly, bonly;
  for (char l : a.labels) {
    const bool in_b = b.labels.find(l) != std::string::npos;
    const bool kept = keep.find(l) != std::string::npos;
    (in_b ? (kept ? batch : shared) : aonly).push_back(l);
  }
  for (char l : b.labels)
    if (a.labels.find(l) == std::string::npos) bonly.push_back(l);
  const Tensor y = matmul(arrange(a, {batch, aonly, shared}), arrange(b, {batch, shared, bonly}));
  Shape s;
  const std::string labels = batch + aonly + bonly;
  for (char l : labels) {
    const bool from_a = a.labels.find(l) != std::string::npos;
    const Labeled& o = from_a ? a : b;
    s.push_back(o.t.size(static_cast<int64_t>(o.labels.find(l))));
  }
  return {reshape(y, s), labels};
}

Outs einsum_op(const OpContext& c) {
  const std::string eq = strip_spaces(c.attr_string("equation", ""));
  if (eq.empty()) c.fail("the equation attribute is required");
  for (size_t i = 0; i < c.num_inputs(); ++i)
    if (!is_floating(c.input(i).dtype())) c.unsupported("integer operands");
  int64_t ell = 0;
  std::vector<Labeled> ops = parse(c, eq, ell);
  const std::string out = output_labels(c, eq, ops, ell);
  Labeled acc = ops[0];
  for (size_t i = 1; i < ops.size(); ++i) {
    std::string keep = out;
    for (size_t j = i + 1; j < ops.size(); ++j) keep += ops[j].labels;
    acc = contract(acc, ops[i], keep);
  }
  acc = sum_out(acc, out);
  std::vector<int64_t> perm;
  for (char l : out) perm.push_back(static_cast<int64_t>(acc.labels.find(l)));
  return {permute(acc.t, perm)};
}

}  // namespace

void add_einsum_ops(OpTable& t) { t["Einsum"] = einsum_op; }

}  // namespace nabla::onnx
