/** `cmploss predict`: label new GLUE rows (TSV/JSONL) or answer SQuAD-format questions with a trained run. */
import { once } from "node:events";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { AtomicFileWriter } from "../io/atomic.js";
import { backendLine, initRuntime } from "../runtime/index.js";
import { predictGlue, predictQa, PredictionStopped, type PredictionSink } from "../train/predict.js";
import { isQaTask, isRankingTask } from "../tasks/registry.js";
import { formatHelp, parseFlags, UsageError, type FlagTable } from "./args.js";
import { DEVICE_FLAG, THREADS_FLAG } from "./runtimeFlags.js";
import { readRunTask } from "./evalCommand.js";
import { handleStopSignals } from "./stopSignals.js";

const PREDICT_FLAGS: FlagTable = {
  "output-dir": { kind: "string", help: "the run folder written by cmploss train (required)" },
  input: {
    kind: "string",
    help: "rows to predict: GLUE runs a .tsv (test.tsv, dev.tsv) or .jsonl with the task's text fields; QA runs a SQuAD-format .json (required)",
  },
  output: {
    kind: "string",
    help: "where the predictions go; - for stdout (default: <output-dir>/predictions.jsonl, QA predictions.json)",
  },
  "batch-size": {
    kind: "number",
    help: "examples per forward pass (default: 128, QA 32 windows)",
    integer: true,
    min: 1,
  },
  device: DEVICE_FLAG,
  threads: THREADS_FLAG,
};

const PREDICT_DEFAULTS = { device: "auto" };

export function predictHelp(): string {
  return formatHelp(
    "Usage: cmploss predict --output-dir <run> --input <file> [--output <file>|-] [flags]\n\n" +
      "Predicts with a trained run's best weights (its last checkpoint if it has no best yet). GLUE runs write\n" +
      'one JSON line per row: {"index", "label", "probabilities"} (STS-B: {"index", "score"}); QA runs write\n' +
      '{"<question id>": "answer text", ...}, the official SQuAD prediction format. The output appears only\n' +
      "when complete; progress goes to stderr.",
    PREDICT_FLAGS,
    PREDICT_DEFAULTS,
  );
}

/** The predictions' destination: stdout, or a file that appears only when complete. */
function openSink(path: string): PredictionSink {
  if (path === "-") {
    return {
      async write(text) {
        if (!process.stdout.write(text)) await once(process.stdout, "drain");
      },
      commit() {},
      abort() {},
    };
  }
  return new AtomicFileWriter(path);
}

export async function runPredict(argv: string[]): Promise<number> {
  const flags = { ...PREDICT_DEFAULTS, ...parseFlags(argv, PREDICT_FLAGS) } as typeof PREDICT_DEFAULTS & {
    outputDir?: string;
    input?: string;
    output?: string;
    batchSize?: number;
    threads?: number;
  };
  if (!flags.outputDir) throw new UsageError("predict: expected --output-dir <run folder>");
  if (!flags.input) throw new UsageError("predict: expected --input <file to predict>");
  const task = readRunTask(flags.outputDir);
  if (isRankingTask(task))
    throw new UsageError(
      `predict: ${flags.outputDir} is a --task prf run, which ranks a corpus: use cmploss eval --output-dir ${flags.outputDir} --split <split> --n-prf <k>`,
    );
  const qa = isQaTask(task);
  if (!existsSync(flags.input) || !statSync(flags.input).isFile())
    throw new UsageError(`--input ${flags.input}: expected a file, found none`);
  const output = flags.output ?? join(flags.outputDir, qa ? "predictions.json" : "predictions.jsonl");
  if (output !== "-" && !(existsSync(dirname(output)) && statSync(dirname(output)).isDirectory()))
    throw new UsageError(
      `--output ${output}: expected an existing folder to write in, ${dirname(output)} is none`,
    );

  const rt = await initRuntime({ device: flags.device as "auto", threads: flags.threads });
  process.stderr.write(`${backendLine(rt)}\n`);
  // A stop (Ctrl-C, SIGTERM) ends after the chunk in flight and a second one at once; neither leaves a partial
  // output file behind.
  let sink: PredictionSink | null = null;
  const dropOutput = () => sink?.abort();
  process.once("exit", dropOutput);
  const stop = handleStopSignals("stopping after the rows in flight, writing nothing");
  try {
    const options = {
      outputDir: flags.outputDir,
      input: flags.input,
      batchSize: flags.batchSize ?? (qa ? 32 : 128),
      open: () => (sink = openSink(output)),
      signal: stop.signal,
    };
    const replacing = output !== "-" && existsSync(output);
    const summary = qa ? await predictQa(options) : await predictGlue(options);
    const where = output === "-" ? "stdout" : `${output}${replacing ? " (replacing the earlier file)" : ""}`;
    const unit = qa ? "answers" : "predictions";
    process.stderr.write(
      `cmploss: wrote ${summary.count} ${unit} to ${where} (${summary.checkpoint} weights, ${summary.seconds.toFixed(1)} s)\n`,
    );
    return 0;
  } catch (err) {
    if (!(err instanceof PredictionStopped)) throw err;
    process.stderr.write(`predict: ${err.message}\n`);
    return stop.exitCode() ?? 1;
  } finally {
    stop.dispose();
    process.off("exit", dropOutput);
  }
}
