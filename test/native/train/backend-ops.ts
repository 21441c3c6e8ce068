// Which op/type combinations of a training graph the CUDA and Metal backends run: predicates transcribed from the
// vendored ggml's ggml_backend_cuda_device_supports_op (ggml/src/ggml-cuda/ggml-cuda.cu) and
// ggml_metal_device_supports_op (ggml/src/ggml-metal/ggml-metal-device.m), for the ops a training graph can hold.
// Anything not transcribed is rejected, so a new op or type in the graph fails the test until it is checked here.
// Where the source asks for ggml_is_contiguous_1/_2 these ask for a fully contiguous source (stricter); Metal is
// taken to have simdgroup reduction and matrix multiply (every Apple GPU that runs llama.cpp's Metal backend).
import type { GraphOp } from '../../../lib/train/trainer.js';

type Layout = GraphOp['sources'][number]['layout'];

const floats = new Set(['f32', 'f16']);
const contiguous = (l: Layout | undefined) => l === 'contiguous';
const rows = (l: Layout | undefined) => l === 'contiguous' || l === 'rows';

const CUDA_UNARY = new Set(['ABS', 'SGN', 'NEG', 'STEP', 'GELU', 'SILU', 'RELU', 'SIGMOID', 'HARDSIGMOID', 'HARDSWISH', 'GELU_ERF',
  'GELU_QUICK', 'TANH', 'EXP', 'EXPM1', 'SOFTPLUS', 'ELU', 'XIELU', 'FLOOR', 'CEIL', 'ROUND', 'TRUNC']);
const METAL_UNARY = new Set(['TANH', 'RELU', 'SIGMOID', 'GELU', 'GELU_ERF', 'GELU_QUICK', 'SILU', 'ELU', 'NEG', 'ABS', 'SGN', 'STEP',
  'HARDSWISH', 'HARDSIGMOID', 'EXP', 'SOFTPLUS', 'EXPM1', 'FLOOR', 'CEIL', 'ROUND', 'TRUNC', 'XIELU']);
const GLU = new Set(['REGLU', 'GEGLU', 'SWIGLU', 'SWIGLU_OAI', 'GEGLU_ERF', 'GEGLU_QUICK', 'SWIGLU_CLAMP']);
const VIEWS = new Set(['NONE', 'RESHAPE', 'VIEW', 'PERMUTE', 'TRANSPOSE']);

const CUDA_MUL_MAT_SRC0 = new Set(['f32', 'f16', 'q1_0', 'q2_0', 'q4_0', 'q4_1', 'q5_0', 'q5_1', 'q8_0', 'mxfp4', 'nvfp4', 'q2_K', 'q3_K',
  'q4_K', 'q5_K', 'q6_K', 'q8_K', 'iq1_m', 'iq1_s', 'iq2_s', 'iq2_xs', 'iq2_xxs', 'iq3_s', 'iq3_xxs', 'iq4_nl', 'iq4_xs', 'bf16']);
// GET_ROWS sources (iq4_nl and mxfp4 only for rows that are a multiple of 256, which the inventory does not say)
const CUDA_GET_ROWS_SRC0 = new Set(['f16', 'f32', 'bf16', 'i32', 'q1_0', 'q2_0', 'q4_0', 'q4_1', 'q5_0', 'q5_1', 'q8_0', 'q2_K', 'q3_K',
  'q4_K', 'q5_K', 'q6_K', 'iq2_xxs', 'iq2_xs', 'iq2_s', 'iq3_xxs', 'iq3_s', 'iq1_s', 'iq1_m', 'iq4_xs']);
const CUDA_CPY = new Set(['f32>q8_0', 'q8_0>f32', 'f32>q4_0', 'q4_0>f32', 'f32>q4_1', 'q4_1>f32', 'f32>q5_0', 'q5_0>f32', 'f32>q5_1',
  'q5_1>f32', 'f32>iq4_nl', 'f32>i32', 'i32>f32', 'i32>i32']);
// Metal SET/CPY/DUP/CONT: source type -> result types
const METAL_CPY: Record<string, string[]> = {
  f32: ['f32', 'f16', 'bf16', 'q8_0', 'q1_0', 'q2_0', 'q4_0', 'q4_1', 'q5_0', 'q5_1', 'iq4_nl', 'tq2_0', 'i32'],
  f16: ['f32', 'f16'],
  bf16: ['f32', 'bf16'],
  ...Object.fromEntries(['q1_0', 'q2_0', 'q4_0', 'q4_1', 'q5_0', 'q5_1', 'q8_0', 'tq2_0'].map((t) => [t, ['f32', 'f16']])),
  i32: ['f32', 'i32'],
};

/** ggml_backend_cuda_device_supports_op for one inventory entry (false for anything not transcribed). */
export function cudaSupports(e: GraphOp): boolean {
  const [s0, s1] = e.sources;
  if (VIEWS.has(e.op)) return true;
  if (CUDA_UNARY.has(e.op)) return contiguous(s0?.layout);
  if (GLU.has(e.op)) return contiguous(s0?.layout);
  switch (e.op) {
    case 'MUL_MAT':
      return s0!.layout !== 'strided' && s1!.layout !== 'strided' && !(s1!.type === 'f16' && s0!.type !== 'f16') && CUDA_MUL_MAT_SRC0.has(s0!.type);
    case 'OUT_PROD': return e.type === 'f32' && s0!.type === 'f32' && s1!.type === 'f32';
    case 'GET_ROWS': return CUDA_GET_ROWS_SRC0.has(s0!.type);
    case 'GET_ROWS_BACK': return false;  // needs result ne[2] = ne[3] = 1, which the inventory does not say
    case 'SET': return (e.type === 'f32' || e.type === 'i32') && s0!.type === e.type && s1!.type === e.type;
    case 'SET_ROWS': return s0!.type === 'f32' && e.type === 'f32' && (s1!.type === 'i32' || s1!.type === 'i64');  // F32 rows, as the trainer writes them
    case 'CPY': {
      const [a, b] = [s0!.type, s1!.type];
      const plain = new Set(['f32', 'bf16', 'f16']);
      return (plain.has(a) && plain.has(b)) || CUDA_CPY.has(`${a}>${b}`) || (a === b && contiguous(s0!.layout) && contiguous(s1!.layout));
    }
    case 'DUP': case 'CONT': return true;
    case 'REPEAT': return floats.has(s0!.type);
    case 'REPEAT_BACK': return e.type === 'f32';
    case 'SILU_BACK': return contiguous(s0!.layout) && s0!.type === 'f32';
    case 'NORM': case 'RMS_NORM': return rows(s0!.layout);
    case 'RMS_NORM_BACK': return contiguous(s0!.layout);
    case 'ADD1': case 'SCALE': case 'SQR': case 'SQRT': case 'CLAMP': case 'LOG': return true;
    case 'ADD': case 'SUB': case 'MUL': case 'DIV': return floats.has(s0!.type) && floats.has(s1!.type) && floats.has(e.type);
    case 'SOFT_MAX': case 'SOFT_MAX_BACK': return true;  // SOFT_MAX_BACK: max_bias 0, as the trainer builds it
    case 'ROPE': case 'ROPE_BACK': return contiguous(s0!.layout);
    case 'ACC': return contiguous(s0!.layout) && contiguous(s1!.layout);
    case 'SUM': return rows(s0!.layout);
    case 'SUM_ROWS': case 'MEAN': return s0!.type === 'f32' && e.type === 'f32' && rows(s0!.layout);
    case 'CROSS_ENTROPY_LOSS': case 'CROSS_ENTROPY_LOSS_BACK': case 'OPT_STEP_ADAMW': return true;
    default: return false;
  }
}

/** ggml_metal_device_supports_op for one inventory entry (false for anything not transcribed). */
export function metalSupports(e: GraphOp): boolean {
  const [s0, s1] = e.sources;
  if (VIEWS.has(e.op)) return true;
  if (METAL_UNARY.has(e.op)) return rows(s0?.layout) && floats.has(s0!.type);
  if (GLU.has(e.op)) return contiguous(s0?.layout) && floats.has(s0!.type);
  switch (e.op) {
    case 'SCALE': case 'CLAMP': case 'SQR': case 'SQRT': case 'LOG': return rows(s0!.layout) && floats.has(s0!.type);
    case 'SILU_BACK':
      return s0!.type === 'f32' && s1!.type === 'f32' && e.type === 'f32' && contiguous(s0!.layout) && contiguous(s1!.layout);
    case 'ADD': case 'SUB': case 'MUL': case 'DIV':
      return rows(s0!.layout) && rows(s1!.layout) && floats.has(s0!.type) && s0!.type === s1!.type;
    case 'ACC': return rows(s0!.layout) && rows(s1!.layout) && s0!.type === 'f32';
    case 'REPEAT': return true;
    case 'SUM': return contiguous(s0!.layout);
    case 'SUM_ROWS': case 'MEAN': case 'SOFT_MAX': case 'NORM': case 'RMS_NORM': return rows(s0!.layout);
    case 'ROPE': case 'ROPE_BACK': return true;
    case 'MUL_MAT':
      if (s0!.type === 'nvfp4' || s0!.type === 'tq1_0') return false;
      return s1!.type !== 'f16' || s0!.type === 'f16';  // an F16 src1 with another src0 depends on the mm path: not accepted here
    case 'SET': case 'CPY': case 'DUP': case 'CONT': return (METAL_CPY[s0!.type] ?? []).includes(e.type);
    case 'GET_ROWS': return s0!.type !== 'nvfp4' && s0!.type !== 'tq1_0';
    case 'SET_ROWS': return s0!.type === 'f32' && e.type === 'f32';  // F32 rows (kernel_set_rows_f32_{i32,i64}_f32)
    case 'OPT_STEP_ADAMW': return true;
    default: return false;  // OUT_PROD, RMS_NORM_BACK, SOFT_MAX_BACK, CROSS_ENTROPY_LOSS(_BACK), GET_ROWS_BACK, REPEAT_BACK, ...
  }
}

/** "OUT_PROD(q4_K:contiguous, f32:strided) -> f32 x14", for messages. */
export function describeOp(e: GraphOp): string {
  return `${e.op}(${e.sources.map((s) => `${s.type}:${s.layout}`).join(', ')}) -> ${e.type} x${e.count}`;
}
