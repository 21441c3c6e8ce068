// Log-likelihood scoring of real records against raw logits, KV reuse against fresh contexts, rolling-window perplexity.
import test from 'ava';
import { loadModel, type Model } from '../../../lib/model.js';
import type { Context } from '../../../lib/context.js';
import { SUITES } from '../../../lib/eval/suites/paper.js';
import { withMode } from '../../../lib/eval/tasks/load.js';
import type { Task } from '../../../lib/eval/tasks/schema.js';
import { answerRequest, textLogLikelihood } from '../../../lib/eval/runner/answer.js';
import { prepareTasks } from '../../../lib/eval/runner/prepare.js';
import type { ModelRequest } from '../../../lib/eval/tasks/requests.js';
import { rollingWindows } from '../../../lib/eval/metrics/perplexity.js';
import { PAPER_TESTSET, evalModel, haveTestset, logSoftmaxAt } from './fixtures.js';

// Logits come out of llama.cpp in float32; a token decoded alone or in a batch goes through differently blocked matrix
// products, so a sum of log-probabilities may differ in the last digits: allowed 1e-4 per scored token (measured: 0
// for the prompts below, 4.4e-5 per token for the rolling windows, where the first window's context is a single token).
const tolerance = (tokens: number) => 1e-4 * tokens;

let model: Model;
let context: Context;
test.before(async () => {
  model = await loadModel(await evalModel());
  context = await model.createContext({ contextSize: 2048, sequences: 8, threads: 2 });
});
test.after.always(() => {
  context?.dispose();
  model?.dispose();
});

const suiteTask = (name: string): Task => Object.values(SUITES).flat().find((t) => t.name === name)!;

/** Log-likelihood requests for the first records of a suite task, scoring labels or option texts. */
function requests(name: string, continuation: 'label' | 'option', limit: number): Extract<ModelRequest, { mode: 'loglikelihood' }>[] {
  const task = { ...withMode(suiteTask(name), 'loglikelihood'), loglikelihood: { continuation } };
  return prepareTasks([task], { dataDir: PAPER_TESTSET, limit }).tasks[0]!.built.requests as Extract<ModelRequest, { mode: 'loglikelihood' }>[];
}

/** Σ log p(continuation) from the logits of every position of prompt + continuation, decoded from scratch. */
async function referenceLogLikelihood(prompt: string, continuation: string): Promise<{ sum: number; tokens: number }> {
  const split = context.splitContinuation(prompt, continuation);
  const all = Uint32Array.from([...split.context, ...split.continuation]);
  const logits = await context.logits(all, { all: true });
  const vocab = model.info.vocabularySize;
  let sum = 0;
  split.continuation.forEach((token, j) => {
    sum += logSoftmaxAt(logits, split.context.length - 1 + j, vocab, token);
  });
  return { sum, tokens: split.continuation.length };
}

for (const [name, continuation] of [['paper-fa/multiple_choice', 'label'], ['paper-fa/multiple_choice', 'option'], ['paper-en/entailment', 'label'], ['paper-fa/sentiment', 'label']] as const) {
  test.serial(`${name} (${continuation}): runner log-likelihoods equal sums of log-softmax over raw logits`, async (t) => {
    if (!haveTestset(t)) return;
    for (const request of requests(name, continuation, 3)) {
      const answer = await answerRequest(context, request, 2047);
      t.is(answer?.mode, 'loglikelihood');
      if (answer?.mode !== 'loglikelihood') return;
      t.is(answer.logLikelihoods.length, request.continuations.length);
      for (const [i, cont] of request.continuations.entries()) {
        const expected = await referenceLogLikelihood((request.prompt as { text: string }).text, cont);
        t.true(Math.abs(answer.logLikelihoods[i]! - expected.sum) < tolerance(expected.tokens), `item ${request.itemIndex} option ${i}: ${answer.logLikelihoods[i]} vs ${expected.sum}`);
      }
    }
  });
}

test.serial('scoring every option after one shared prompt equals scoring each option alone in a fresh context', async (t) => {
  if (!haveTestset(t)) return;
  let multiToken = 0;
  for (const request of requests('paper-fa/multiple_choice', 'option', 2)) {
    const text = (request.prompt as { text: string }).text;
    const shared = await context.scoreContinuations(text, request.continuations);
    for (const [i, cont] of request.continuations.entries()) {
      const fresh = await model.createContext({ contextSize: 2048, sequences: 2, threads: 2 });
      try {
        const alone = await fresh.logLikelihood(text, cont);
        t.is(alone.tokenCount, shared[i]!.tokenCount);
        if (alone.tokenCount > 1) multiToken += 1;
        t.true(Math.abs(alone.logProb - shared[i]!.logProb) < tolerance(alone.tokenCount), `item ${request.itemIndex} option ${i}: ${shared[i]!.logProb} vs ${alone.logProb}`);
      } finally {
        fresh.dispose();
      }
    }
  }
  t.true(multiToken > 0, 'option texts span several tokens, so the parallel sequences are exercised');
});

test.serial('rolling-window text log-likelihood equals the windows scored from raw logits', async (t) => {
  const text = 'The Universal Declaration of Human Rights: all human beings are born free and equal in dignity and rights.';
  const tokens = Array.from(model.tokenize(text, { addBos: false }));
  const vocab = model.info.vocabularySize;
  for (const maxLength of [2047, 7]) {
    const got = await textLogLikelihood(context, text, maxLength);
    t.is(got.tokens, tokens.length);
    let expected = 0;
    for (const w of rollingWindows(tokens, model.info.bos, maxLength)) {
      const input = Uint32Array.from([...w.context, ...w.continuation.slice(0, -1)]);
      const logits = await context.logits(input, { all: true });
      w.continuation.forEach((token, j) => {
        expected += logSoftmaxAt(logits, w.context.length - 1 + j, vocab, token);
      });
    }
    t.true(Math.abs(got.logLikelihood - expected) < tolerance(got.tokens), `maxLength ${maxLength}: ${got.logLikelihood} vs ${expected}`);
  }
});
