/** Resolve a task name and data folder (or the bundled copy) into its train and dev examples. */
import { bundledGlueDir, loadGlueSplit, type GlueExample } from "../tasks/glue/reader.js";
import { getGlueTask, type GlueTask } from "../tasks/registry.js";

export interface TaskData {
  task: GlueTask;
  train: GlueExample[];
  dev: GlueExample[];
  dataDir: string;
}

export async function loadTaskData(taskName: string, dataDir: string | null): Promise<TaskData> {
  const task = getGlueTask(taskName);
  const dir = dataDir ?? bundledGlueDir(task);
  const [train, dev] = await Promise.all([
    loadGlueSplit(task, dir, "train"),
    loadGlueSplit(task, dir, "dev"),
  ]);
  return { task, train: train.examples, dev: dev.examples, dataDir: dir };
}
