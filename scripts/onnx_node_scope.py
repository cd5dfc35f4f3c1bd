#!/usr/bin/env python3
"""Counts the ONNX node tests whose ops are all in the ONNX issue's scope and how many of them
nabla passes, listing the others. Usage: /usr/bin/python3 scripts/onnx_node_scope.py build/apps/nabla/nabla
(needs python3-onnx and libonnx-testdata)."""
import onnx, glob, os, re, subprocess, sys
ops = """Conv ConvTranspose MaxPool AveragePool GlobalAveragePool GlobalMaxPool LpPool BatchNormalization
InstanceNormalization LayerNormalization GroupNormalization LRN Relu LeakyRelu PRelu Elu Selu Gelu Sigmoid
HardSigmoid Tanh Softmax LogSoftmax Hardmax Softplus Gemm MatMul Einsum Add Sub Mul Div Pow Sqrt Exp Log Neg
Abs Reciprocal Max Min Sum Mean Clip Erf Where Equal Less Greater Not And Or Reshape Flatten Transpose Squeeze
Unsqueeze Concat Split Slice Gather GatherElements ScatterElements Expand Tile Shape Size ConstantOfShape Range
Cast Constant Identity Pad Dropout ReduceMean ReduceSum ReduceMax ReduceMin ReduceProd ReduceL2 ReduceLogSumExp
ArgMax ArgMin TopK NegativeLogLikelihoodLoss SoftmaxCrossEntropyLoss RoiAlign NonMaxSuppression MaxUnpool
Upsample Resize LSTM GRU Adagrad Adam Momentum""".split()
ops = set(ops)
binary = sys.argv[1]
dirs = sorted(glob.glob('/usr/share/libonnx-testdata/data/node/*/'))
inscope = set()
for d in dirs:
    try:
        m = onnx.load(d + 'model.onnx')
    except Exception:
        continue
    if all(n.op_type in ops for n in m.graph.node):
        inscope.add(os.path.basename(d.rstrip('/')))
out = subprocess.run([binary, 'onnx-test'] + dirs, capture_output=True, text=True).stdout
res = {}
for line in out.splitlines():
    mm = re.match(r'(PASS|FAIL|UNSUPPORTED|UNREADABLE)\S* (\S+?):? ', line + ' ')
    if mm: res[mm.group(2).rstrip(':')] = mm.group(1)
print(out.strip().splitlines()[-1])
print('in scope', len(inscope), 'pass', sum(res.get(c) == 'PASS' for c in inscope))
for c in sorted(inscope):
    if res.get(c) != 'PASS': print('  ', c, res.get(c))
