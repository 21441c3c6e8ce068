// Accuracy and macro-F1 of predicted labels against gold labels (a missing prediction counts as wrong).

/** A prediction is a label string, or null when no answer could be extracted. */
export interface LabelPair {
  predicted: string | null;
  gold: string;
}

/** Fraction of items whose prediction equals the gold label. */
export function accuracy(pairs: readonly LabelPair[]): number {
  if (pairs.length === 0) return Number.NaN;
  return pairs.filter((p) => p.predicted === p.gold).length / pairs.length;
}

/**
 * Macro-averaged F1 over the classes present among the gold labels: for each class c, F1 = 2·TP / (2·TP + FP + FN),
 * then the unweighted mean. A prediction outside those classes (or null) is a false negative for the gold class and
 * no class of its own. Equals scikit-learn's `f1_score(gold, pred, labels=sorted(set(gold)), average='macro',
 * zero_division=0)`.
 */
export function macroF1(pairs: readonly LabelPair[]): number {
  if (pairs.length === 0) return Number.NaN;
  const classes = [...new Set(pairs.map((p) => p.gold))];
  let sum = 0;
  for (const c of classes) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (const { predicted, gold } of pairs) {
      if (gold === c && predicted === c) tp++;
      else if (gold === c) fn++;
      else if (predicted === c) fp++;
    }
    sum += tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  }
  return sum / classes.length;
}
