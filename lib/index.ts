// The public programmatic API of persian-lora: `import { loadModel, … } from 'persian-lora'`.
//
// Importing this module never loads the native addon: every native call goes through lib/native/addon.ts's
// lazy native(), so `import` works before the addon is built and a missing addon fails only at the first call
// that needs it (ERR_NATIVE, with how to build it).
//
// Names that two modules share are exported once under an explicit name (see "name clashes" below); the
// barrels lib/data/index.ts and lib/eval/index.ts are re-exported whole, the clashing names shadowed here.

// ---------------------------------------------------------------------------------------------------------
// Errors and version
export { PersianLoraError, type ErrorCode } from './errors.js';
export { packageVersion, packageRoot } from './version.js';

// ---------------------------------------------------------------------------------------------------------
// Model, context, adapter, batch generation
export { loadModel, Model, type ModelInfo, type ChatMessage } from './model.js';
export { Context, type ContinuationScore, type GenerationChunk, type AppliedAdapter } from './context.js';
export { Adapter } from './adapter.js';
export { addRpcServers, parseRpcEndpoints, type RpcServer, type RpcOptions } from './native/rpc.js';
export { ChatSession, type ChatSessionOptions, type ChatTurn } from './chat-session.js';
export { ChatFormatter, JinjaChatTemplate, type ChatFormatterOptions, type ChatPrompt, type ChatTemplateEngine, type JinjaChatInput } from './chat-template.js';
export { type Completion, type StopReason } from './batch-generation.js';
export {
  loadModelSchema, contextSchema, generateSchema, tokenizeSchema, callSchema,
  type LoadModelOptions, type ContextOptions, type GenerateOptions, type TokenizeOptions, type CallOptions,
} from './config/inference.js';
export { modelTokenizer } from './model-tokenizer.js';
export type { Tokenizer, TrainingExample } from './data/tokenizer.js';

// ---------------------------------------------------------------------------------------------------------
// Inspection and tiny models
export { inspectModel, type ModelSummary } from './inspect.js';
export {
  createTinyModel, quantizeModel, tinyModelSchema, quantTypes, resolveVocab, vocabDir,
  type TinyModelOptions, type TinyModelResult, type QuantType,
} from './tiny-model.js';

// ---------------------------------------------------------------------------------------------------------
// Training: the native trainer, the training loop and its pieces
export {
  Trainer, type TrainerDevice, type GraphOp, type TrainBatch, type StepResult, type TrainerParameter, type TrainerState,
} from './train/trainer.js';
export {
  trainerSchema, optimizerSchema, loraTargets, backwardModes,
  type TrainerOptions, type OptimizerOptions, type LoraTarget,
} from './config/train.js';
export { runTraining, loopSchema, type LoopOptions, type TrainEvent, type TrainRun, type TrainOutcome } from './train/loop.js';
export { NativeEngine } from './train/native-engine.js';
export type { TrainEngine, LoopBatch, OptimizerHyper } from './train/engine.js';
export { checkExamples, batchesPerEpoch, type BatchPlan } from './train/batches.js';
export { readTrainingExamples, splitValidation, dataFormatOf, type TrainDataFormat } from './train/data.js';
export { scheduleSchema, learningRate, warmupSteps, type ScheduleOptions } from './train/schedule.js';
export { latestCheckpoint, loopStateSchema, type LoopState } from './train/checkpoint.js';
// The train job (what `persian-lora train` runs): options, resume, events; and its data sources.
export {
  runTrainJob, trainJobSchema, resumeJob, readSavedJob, trainDefaults, initModes,
  type TrainJobOptions, type TrainJob, type TrainJobResume, type TrainJobEvent, type TrainJobRun, type TrainJobOutcome,
  type ResumeChange, type InitMode,
} from './train/job.js';
export {
  readTrainData, trainDataSchema, textDataSchema, parallelDataSchema, instructionDataSchema, specOfPath,
  type TrainDataSpec, type TrainData, type TrainDataStats, type ReadTrainDataOptions,
} from './train/sources.js';

// ---------------------------------------------------------------------------------------------------------
// Evaluation (lib/eval) and data (lib/data)
export * from './eval/index.js';
export * from './data/index.js';

// ---------------------------------------------------------------------------------------------------------
// Vocabulary: extension (stage 0), statistics, tokenizers, GGUF metadata reading
export {
  extendGguf, extendGgufSchema, writeExtendedGguf, VOCAB_TENSORS, FIRST_NEW_ID_KEY,
  type ExtendGgufOptions, type ExtendedGguf,
} from './vocab/extend-gguf.js';
export {
  planExtension, extendPlanSchema, extendedVocab, fertility,
  type ExtendPlanOptions, type ExtensionPlan, type PlannedToken, type Fertility,
} from './vocab/extend-plan.js';
export { vocabStats, vocabularyClasses, type VocabStatsOptions, type VocabularyClasses } from './vocab/stats.js';
export { SpmTokenizer, type SpmTokenizeOptions } from './vocab/spm-tokenizer.js';
export { BpeTokenizer, byteEncode, byteDecode, preTokenize, bpePreTokenizer, LLAMA3_PRE, QWEN2_PRE, QWEN35_PRE, LLAMA3_PRE_REGEX, QWEN2_PRE_REGEX, QWEN35_PRE_REGEX, type BpePreTokenizer } from './vocab/bpe-tokenizer.js';
export { trainBpeMerges, bpeTrainSchema, bpeWords, type BpeTrainOptions } from './vocab/train-bpe.js';
export { trainSpmPieces, spmTrainSchema, spmWords, type SpmTrainOptions } from './vocab/train-spm.js';
export { learnMerges, type MergeSpec, type LearnOptions, type LearnResult } from './vocab/merge-learner.js';
export { readVocab, vocabFromMetadata, appendToVocab, TOKEN_TYPE, type Vocab, type VocabAddition } from './vocab/vocab.js';
export {
  readGgufMetadata, parseGgufMetadata, GGUF_TYPE,
  type GgufMetadata, type GgufKv, type GgufTensorInfo, type GgufScalar, type GgufArray,
} from './vocab/gguf-read.js';

// ---------------------------------------------------------------------------------------------------------
// LoRA adapters: read/write, PEFT import/export, merge
export { readLoraAdapter, type LoraAdapter } from './lora/adapter-read.js';
export { writeLoraAdapter, type LoraAdapterFile, type LoraPair } from './lora/adapter-file.js';
export { checkAdapterFits, attentionHeads, type AttentionHeads } from './lora/base-check.js';
export {
  exportPeft, importPeft, peftExportSchema, peftImportSchema, PEFT_CONFIG, PEFT_WEIGHTS,
  type PeftExportOptions, type PeftImportOptions,
} from './lora/peft.js';
export { mergeAdapter, mergeSchema, MERGE_TYPES, type MergeType, type MergeOptions, type MergeResult } from './lora/merge.js';
export { readSafetensors, writeSafetensors, type SafeTensor } from './lora/safetensors.js';

// ---------------------------------------------------------------------------------------------------------
// GGUF writing and ggml tensor types
export { writeGguf, type GgufValue, type GgufTensor } from './gguf/writer.js';
export { writeGgufStream, encodeKv, type GgufKvValue, type StreamTensor } from './gguf/stream-writer.js';
export {
  GGML_TYPE, ggmlTypeInfo, tensorBytes, quantizeRows, dequantizeRows, type GgmlTypeInfo,
} from './gguf/quant.js';

// ---------------------------------------------------------------------------------------------------------
// Name clashes, resolved explicitly (these shadow the barrels' `export *`):
//   ChatMessage   lib/model.ts (above) · lib/eval/tasks/prompt.ts → EvalChatMessage
//   formatProgress  lib/cli/format.ts formatEvalProgress (kept as formatProgress) · lib/data/loaders/hub.ts → formatDownloadProgress
//   countWords    lib/data/clean/filters.ts (kept, via lib/data) · lib/vocab/merge-learner.ts → countWordFrequencies
//   GgufValue     lib/gguf/writer.ts (above) · lib/vocab/gguf-read.ts → GgufReadValue
export { type ChatMessage as EvalChatMessage } from './eval/index.js';
export { formatEvalProgress as formatProgress, formatDuration } from './cli/format.js';
export { formatProgress as formatDownloadProgress, countWords } from './data/index.js';
export { countWords as countWordFrequencies } from './vocab/merge-learner.js';
export type { GgufValue as GgufReadValue } from './vocab/gguf-read.js';

// ---------------------------------------------------------------------------------------------------------
// Staged pipeline (lib/pipeline): config, run, presets, manifest, report.
export { runPipeline, type PipelineEvent, type PipelineRunOptions, type PipelineOutcome } from './pipeline/run.js';
export { pipelineConfigSchema, stageTrainSchema, parsePipelineConfig, loadPipelineConfig, mergeConfig, type PipelineConfig, type PipelineConfigInput, type TrainStageId } from './pipeline/config.js';
export { demoConfig, paperConfig, demoDataDir, demoTaskFiles, PRESETS, type PresetName } from './pipeline/presets.js';
export { manifestSchema, stageRecordSchema, MANIFEST_FILE, MANIFEST_SCHEMA_ID, STAGE_IDS, STAGE_LABELS, type Manifest, type ManifestFile, type StageRecord, type StageId, type StageStatus } from './pipeline/manifest.js';
export { buildReport, writeReport, REPORT_FILES, type Report } from './pipeline/report/index.js';
