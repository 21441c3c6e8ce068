// Section: tokens per word on the held-out text before and after the vocabulary extension (stage 0).
import type { Section } from './document.js';
import { formatCount } from './format.js';
import type { ReportData } from './load.js';

export function vocabSection(data: ReportData): Section {
  const heading = 'Tokens per word (stage 0)';
  const stage = data.stages.find((s) => s.record.id === 'vocab');
  const vocab = stage?.record.vocab ?? null;
  if (!stage || !vocab) {
    const why = stage ? `${stage.record.status}${stage.record.note ? `: ${stage.record.note}` : ''}` : 'not part of this run';
    return { id: 'vocab', heading, blocks: [{ kind: 'paragraph', text: `The vocabulary was not extended (stage 0 ${why}).` }] };
  }
  const blocks: Section['blocks'] = [{
    kind: 'paragraph',
    text: `${formatCount(vocab.newTokens)} new tokens (ids ${vocab.firstNewId}–${vocab.firstNewId + vocab.newTokens - 1}).${vocab.heldOut ? ` Figures on the held-out text \`${vocab.heldOut}\`.` : ''}`,
  }];
  const figures = [['before', vocab.before], ['after', vocab.after]] as const;
  const rows = figures.filter(([, f]) => f).map(([when, f]) => [
    `${when} stage 0`, f!.tokensPerWord.toFixed(2), f!.charsPerToken.toFixed(2), formatCount(f!.words), formatCount(f!.tokens),
  ]);
  if (rows.length > 0) blocks.push({ kind: 'table', id: 'fertility', header: ['', 'tokens per word ↓', 'characters per token ↑', 'words', 'tokens'], rows, align: ['l', 'r', 'r', 'r', 'r'] });
  if (vocab.before && vocab.after) {
    const change = (100 * (vocab.after.tokensPerWord - vocab.before.tokensPerWord)) / vocab.before.tokensPerWord;
    blocks.push({ kind: 'paragraph', text: `Tokens per word ${vocab.before.tokensPerWord.toFixed(2)} → ${vocab.after.tokensPerWord.toFixed(2)} (${change >= 0 ? '+' : '−'}${Math.abs(change).toFixed(1)} %).` });
  } else {
    blocks.push({ kind: 'paragraph', text: 'No held-out figures were recorded for this extension.' });
  }
  return { id: 'vocab', heading, blocks };
}
