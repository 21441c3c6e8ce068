// Choosing an option from per-option log-likelihoods: `acc` (raw sum) and `acc_norm` (per character), as lm-evaluation-harness.

/** Index of the largest value; the first one on ties (numpy's argmax). */
export function argmax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/** The option with the highest summed log-likelihood of its continuation. */
export function chooseByLoglikelihood(logLikelihoods: readonly number[]): number {
  if (logLikelihoods.length === 0) throw new RangeError('chooseByLoglikelihood: no options');
  return argmax(logLikelihoods);
}

/**
 * The option with the highest log-likelihood divided by the length of its continuation in characters (code points,
 * as Python's `len`), counting any leading space the continuation carries, as lm-evaluation-harness's `acc_norm`.
 */
export function chooseByNormalizedLoglikelihood(logLikelihoods: readonly number[], continuations: readonly string[]): number {
  if (logLikelihoods.length !== continuations.length) {
    throw new RangeError(`chooseByNormalizedLoglikelihood: ${logLikelihoods.length} log-likelihoods but ${continuations.length} continuations`);
  }
  return chooseByLoglikelihood(logLikelihoods.map((ll, i) => ll / Array.from(continuations[i]!).length));
}
