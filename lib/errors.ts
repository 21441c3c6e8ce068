// The one error type the toolkit throws, with a stable `.code`, and the message factory for bad input.

export type ErrorCode =
  | 'ERR_INVALID_OPTION'
  | 'ERR_FILE_NOT_FOUND'
  | 'ERR_BAD_FORMAT'
  | 'ERR_MODEL_LOAD'
  | 'ERR_ADAPTER'
  | 'ERR_TOKEN_RANGE'
  | 'ERR_CONTEXT_OVERFLOW'
  | 'ERR_DISPOSED'
  | 'ERR_BUSY'
  | 'ERR_ABORTED'
  | 'ERR_NATIVE'
  | 'ERR_BACKEND'
  | 'ERR_VENDOR'
  | 'ERR_DATA'
  | 'ERR_NETWORK'
  | 'ERR_IO'
  | 'ERR_NO_SPACE'
  | 'ERR_LOCKED'
  | 'ERR_OUT_OF_MEMORY';

export class PersianLoraError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PersianLoraError';
    this.code = code;
  }
}

/** Short, printable form of any value for error messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? value.slice(0, 57) + '...' : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${typeof value} ${String(value)}`;
  if (Array.isArray(value)) return `array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `${value.constructor.name} of length ${(value as unknown as ArrayLike<unknown>).length}`;
  if (typeof value === 'function') return 'function';
  return `object ${JSON.stringify(value).slice(0, 60)}`;
}

/** `Expected <what> for <path> but received <value>` — the form every validation error takes. */
export function invalidOption(what: string, path: string, received: unknown): PersianLoraError {
  return new PersianLoraError('ERR_INVALID_OPTION', `Expected ${what} for ${path} but received ${describeValue(received)}`);
}

/** Turns an error thrown by the native addon (which carries a string `.code`) into a PersianLoraError. */
export function fromNativeError(error: unknown): unknown {
  if (error instanceof PersianLoraError) return error;
  const code = error instanceof Error ? (error as Error & { code?: unknown }).code : undefined;
  if (typeof code === 'string' && code.startsWith('ERR_')) return new PersianLoraError(code as ErrorCode, (error as Error).message);
  return error;
}

const IO_CODES: Record<string, { code: ErrorCode; what: string }> = {
  ENOSPC: { code: 'ERR_NO_SPACE', what: 'no space left on the device' },
  EDQUOT: { code: 'ERR_NO_SPACE', what: 'disk quota exceeded' },
  ENOENT: { code: 'ERR_FILE_NOT_FOUND', what: 'no such file or folder' },
  EACCES: { code: 'ERR_IO', what: 'permission denied' },
  EPERM: { code: 'ERR_IO', what: 'operation not permitted' },
  EROFS: { code: 'ERR_IO', what: 'read-only file system' },
  EISDIR: { code: 'ERR_IO', what: 'is a folder, expected a file' },
  ENOTDIR: { code: 'ERR_IO', what: 'a part of the path is not a folder' },
  EEXIST: { code: 'ERR_IO', what: 'already exists' },
  EMFILE: { code: 'ERR_IO', what: 'too many open files' },
};

/**
 * An operating-system error (errno `code`: ENOSPC, EACCES, …) as a PersianLoraError naming the path and what was being
 * done; anything else is returned unchanged.
 */
export function ioError(error: unknown, path: string, doing = 'access'): unknown {
  if (error instanceof PersianLoraError) return error;
  const errno = (error as NodeJS.ErrnoException | null)?.code;
  if (typeof errno !== 'string' || !/^E[A-Z]+$/.test(errno)) return error;
  const known = IO_CODES[errno];
  return new PersianLoraError(known?.code ?? 'ERR_IO', `Cannot ${doing} ${path}: ${known?.what ?? errno} (${errno})`, { cause: error });
}
