/**
 * The majority-class baseline of a classification task's dev set: what a model that ignores its input scores
 * with the task's metric, and the class prior's entropy (the dev loss such a model tends to). Reports draw it
 * beside the utility curves, so that a score under forced dropout can be read against it: a model that has
 * collapsed toward the majority class can keep a high F1 while it has stopped telling the classes apart.
 */
import { bundledGlueDir, loadGlueSplit } from "../tasks/glue/reader.js";
import { majorityClass } from "../tasks/metrics.js";
import { getGlueTask, taskKind } from "../tasks/registry.js";

export interface MajorityBaseline {
  /** The GLUE name, as runs' results name their task ("MRPC"). */
  task: string;
  /** The task's headline metric and its value (a fraction), always predicting `label`. */
  metric: string;
  value: number;
  /** The majority class as the data files write it ("1", "not_entailment") and its share of the dev set. */
  label: string;
  share: number;
  /** The class prior's entropy in nats (the mean dev loss of predicting the class frequencies). */
  entropy: number;
  /** Dev examples counted, and the file they came from. */
  examples: number;
  file: string;
}

/**
 * The majority-class baseline of a GLUE classification task's dev split, read from `dataDir` (null: the
 * bundled copy). null for tasks that are not classification (regression, extractive QA, ranking).
 * @throws DataError for a missing or malformed dev file (file, line, what was expected).
 */
export async function majorityBaseline(
  taskName: string,
  dataDir: string | null,
): Promise<MajorityBaseline | null> {
  if (taskKind(taskName) !== "classification") return null;
  const task = getGlueTask(taskName);
  if (task.lossKind !== "ce") return null;
  const dev = await loadGlueSplit(task, dataDir ?? bundledGlueDir(task), "dev");
  const gold = dev.examples.map((e) => e.label);
  const { label, share, scores, entropy } = majorityClass(task, gold);
  return {
    task: task.name,
    metric: task.metric,
    value: scores[task.metric],
    label: task.labels[label],
    share,
    entropy,
    examples: gold.length,
    file: dev.file,
  };
}
