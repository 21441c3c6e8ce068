// Public API of the data toolkit: loaders, Persian normalisation, cleaning, training-example formats, tokenizer analytics.
export { readText, readLines, textLoaderOptionsSchema, type TextLoaderOptions } from './loaders/text.js';
export { readJson, jsonLoaderOptionsSchema, type JsonLoaderOptions } from './loaders/json.js';
export { readCsv, CsvParser, csvLoaderOptionsSchema, type CsvLoaderOptions, type CsvRow } from './loaders/csv.js';
export { readParquet, parquetLoaderOptionsSchema, type ParquetLoaderOptions } from './loaders/parquet.js';
export { listHubFiles, downloadHubDataset, formatProgress, progressBar, hubOptionsSchema, type HubOptions, type HubFile, type DownloadedFile, type DownloadProgress } from './loaders/hub.js';
export { globToRegExp } from './loaders/glob.js';
export { textsOf, mapFields, type DataRecord, type FieldMap, type LoadStats, type RecordStream, type OnError } from './loaders/records.js';

export { createNormalizer, normalizePersian, normalizeStream, normalizeOptionsSchema, type NormalizeOptions } from './normalize/persian.js';

export { Cleaner, cleanTexts, cleanOptionsSchema, countWords, exactKey, type CleanOptions, type CleanStats, type RemovalReason } from './clean/filters.js';
export { NearDuplicateIndex, MinHasher, estimateJaccard, optimalBands, shingleHashes, minHashOptionsSchema, type MinHashOptions, type NearDuplicateVerdict } from './clean/minhash.js';

export type { Tokenizer, TokenizeOptions, ChatMessage, TrainingExample } from './tokenizer.js';
export { tokenizeSegments, fitExample, exampleOptionsSchema, type Segment, type ExampleOptions, type FormatStats } from './formats/examples.js';
export { packDocuments, packOptionsSchema, type PackOptions } from './formats/lm.js';
export { bilingualDocuments, translationInstructions, DEFAULT_TRANSLATION_TEMPLATES, bilingualDocumentOptionsSchema, translationInstructionOptionsSchema, type TextPair, type BilingualDocumentOptions, type TranslationInstructionOptions } from './formats/bilingual.js';
export { ALPACA_PROMPT, ALPACA_PROMPT_NO_INPUT, renderAlpacaPrompt, instructionExample, instructionExamples, instructionOptionsSchema, type InstructionRecord, type InstructionOptions } from './formats/instruction.js';
export { chatExample, chatExamples, chatMessagesOf, chatSegments, chatOptionsSchema, type ChatOptions } from './formats/chat.js';

export { tokenizerStats, detectLanguage, tokenizerStatsOptionsSchema, type TokenizerStatsOptions, type LanguageStats } from './analytics.js';
export { arabicScriptRatio, countScript, isArabicScriptLetter, type ScriptCounts } from './script.js';
export { createRng, shuffleInPlace, type Rng } from './random.js';
