#!/usr/bin/env node
/**
 * The `cmploss` command: dispatches to subcommands; errors become one line on stderr.
 *
 * jax-js fixes its wasm thread pool when it loads, so `--threads` is read here first and the commands (which
 * import jax-js) are loaded afterwards.
 */
import { preparePlatform, threadsFromEnv } from "../runtime/platform.js";
import { UsageError } from "./args.js";
import { errorLine } from "./errorLine.js";

const MAIN_HELP = `Usage: cmploss <command> [flags]

Commands:
  train   train an encoder with the cross-model comparative loss (no flags: the embedded SST-2 run)
  eval    evaluate a trained run, optionally with dropout forced on (--force-dropout k)
  predict label new rows (GLUE TSV/JSONL) or answer new questions (SQuAD JSON) with a trained run
  experiment  a resumable grid of runs (tasks × methods × seeds) with a Markdown table and an HTML report
  retrieve    first-stage ranking (BM25 or a dense encoder) of a BEIR / MS MARCO folder: a TREC run + trec_eval measures
  trec-eval   trec_eval's measures (nDCG@10, MRR@10, Recall@100, MAP@1000, ...) of a run file against qrels

Run "cmploss <command> --help" for the flags of a command.`;

/** The value of --threads in argv (validated again, with the rest, by the command's parser). */
function threadsFlag(argv: string[]): number | null {
  for (let i = 0; i < argv.length; i++) {
    const m = /^--threads(?:=(.*))?$/.exec(argv[i]);
    if (!m) continue;
    const raw = m[1] ?? argv[i + 1];
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1)
      throw new UsageError(`--threads: expected a positive integer, got "${raw}"`);
    return n;
  }
  return null;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const wantsHelp = rest.includes("--help") || rest.includes("-h");
  switch (command) {
    case undefined:
    case "--help":
    case "-h":
    case "help":
      console.log(MAIN_HELP);
      return command === undefined ? 2 : 0;
    case "train":
    case "eval":
    case "predict":
    case "retrieve":
    case "trec-eval":
    case "experiment": {
      if (!wantsHelp) preparePlatform(threadsFlag(rest) ?? threadsFromEnv());
      if (command === "train") {
        const { runTrain, trainHelp } = await import("./trainCommand.js");
        if (wantsHelp) console.log(trainHelp());
        else return await runTrain(rest);
      } else if (command === "experiment") {
        const { runExperiment, experimentHelp } = await import("./experimentCommand.js");
        if (wantsHelp) console.log(experimentHelp());
        else return await runExperiment(rest);
      } else if (command === "retrieve" || command === "trec-eval") {
        const { runRetrieve, retrieveHelp, runTrecEval, trecEvalHelp } = await import("./retrieveCommand.js");
        if (wantsHelp) console.log(command === "retrieve" ? retrieveHelp() : trecEvalHelp());
        else return command === "retrieve" ? await runRetrieve(rest) : await runTrecEval(rest);
      } else if (command === "predict") {
        const { runPredict, predictHelp } = await import("./predictCommand.js");
        if (wantsHelp) console.log(predictHelp());
        else return await runPredict(rest);
      } else {
        const { runEval, evalHelp } = await import("./evalCommand.js");
        if (wantsHelp) console.log(evalHelp());
        else await runEval(rest);
      }
      return 0;
    }
    default:
      throw new UsageError(
        `unknown command "${command}"; expected train, eval, predict, experiment, retrieve or trec-eval (see cmploss --help)`,
      );
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${errorLine(err)}\n`);
    if (process.env.CMPLOSS_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
