/**
 * A small, strict flag parser: kebab-case flags, `--flag value` or `--flag=value`, `--no-flag` for booleans.
 *
 * A flag table is also the schema of the same settings in a JSON file (`--config`, a run's run.json): the file's
 * camelCase keys are checked against the same kinds, ranges, choices and nullability (`checkSetting`), and both
 * report a bad value with the same words (`expectation`).
 */

interface CommonSpec {
  help: string;
  /** The default in words, shown by --help instead of the default value (e.g. "all cores"). */
  defaultText?: string;
}

export type FlagSpec =
  | (CommonSpec & {
      kind: "string";
      values?: readonly string[];
      /** A file may hold null (the flag cannot say it: leave the flag out). */
      nullable?: boolean;
    })
  | (CommonSpec & {
      kind: "number";
      min?: number;
      max?: number;
      integer?: boolean;
      /** `--flag none` (or an empty value) and null in a file. */
      nullable?: boolean;
    })
  | (CommonSpec & { kind: "boolean" });

export type FlagTable = Record<string, FlagSpec>;

/** Error from the command line: printed as one line, exit code 2. */
export class UsageError extends Error {}

/** A flag name as its setting's key: max-seq-length → maxSeqLength. */
export function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** A setting's key as its flag name: maxSeqLength → max-seq-length. */
export function flagName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());
}

/** What a value of `spec` must be, in words: "an integer in [4, 512]", "a number ≥ 0", "one of cmp, ce". */
export function expectation(spec: FlagSpec): string {
  if (spec.kind === "boolean") return "true or false";
  if (spec.kind === "string") return spec.values ? `one of ${spec.values.join(", ")}` : "a string";
  const what = spec.integer ? "an integer" : "a number";
  const { min, max } = spec;
  if (min !== undefined && max !== undefined) return `${what} in [${min}, ${max}]`;
  if (min !== undefined) return `${what} ≥ ${min}`;
  if (max !== undefined) return `${what} ≤ ${max}`;
  return what;
}

/** `expectation`, with "or null" for a nullable setting (as a file holds it). */
function fileExpectation(spec: FlagSpec): string {
  return expectation(spec) + (spec.kind !== "boolean" && spec.nullable ? " or null" : "");
}

function numberFits(spec: FlagSpec & { kind: "number" }, n: number): boolean {
  return (
    Number.isFinite(n) &&
    (!spec.integer || Number.isInteger(n)) &&
    (spec.min === undefined || n >= spec.min) &&
    (spec.max === undefined || n <= spec.max)
  );
}

/** A value shown in a message: JSON, cut to a short line. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? text.slice(0, 59) + "…" : text;
}

/**
 * Check one JSON value against its flag's spec, as `parseFlags` checks the flag's text.
 * @returns null when it fits, else what was expected and got (`expected a number ≥ 0, got "fast"`).
 */
export function checkSetting(spec: FlagSpec, value: unknown): string | null {
  if (value === null) {
    return spec.kind !== "boolean" && spec.nullable ? null : `expected ${expectation(spec)}, got null`;
  }
  const fits =
    spec.kind === "boolean"
      ? typeof value === "boolean"
      : spec.kind === "string"
        ? typeof value === "string" && (!spec.values || spec.values.includes(value))
        : typeof value === "number" && numberFits(spec, value);
  return fits ? null : `expected ${fileExpectation(spec)}, got ${shown(value)}`;
}

/**
 * Parse `argv` against `table`. Returns camelCase keys for the flags given (absent flags are absent).
 * @throws UsageError for unknown flags, missing values, and values of the wrong kind or range.
 */
export function parseFlags(
  argv: string[],
  table: FlagTable,
): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--")) throw new UsageError(`unexpected argument "${arg}"; flags start with --`);
    const eq = arg.indexOf("=");
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    let value: string | undefined = eq < 0 ? undefined : arg.slice(eq + 1);
    const spec = table[name];
    if (!spec && name.startsWith("no-") && table[name.slice(3)]?.kind === "boolean") {
      if (value !== undefined) throw new UsageError(`--${name} takes no value`);
      out[camel(name.slice(3))] = false;
      continue;
    }
    if (!spec) {
      const near = Object.keys(table).filter((k) => k.includes(name) || name.includes(k));
      throw new UsageError(
        `unknown flag --${name}${near.length ? ` (did you mean --${near[0]}?)` : ""}; see --help`,
      );
    }
    if (spec.kind === "boolean") {
      if (value === undefined) out[camel(name)] = true;
      else if (value === "true" || value === "false") out[camel(name)] = value === "true";
      else throw new UsageError(`--${name}: expected ${expectation(spec)}, got "${value}"`);
      continue;
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new UsageError(`--${name}: expected a value`);
    }
    if (spec.kind === "string") {
      if (spec.values && !spec.values.includes(value)) {
        throw new UsageError(`--${name}: expected ${expectation(spec)}, got "${value}"`);
      }
      out[camel(name)] = value;
    } else {
      if (spec.nullable && (value === "none" || value === "")) {
        out[camel(name)] = null;
        continue;
      }
      const n = Number(value);
      if (value.trim() === "" || !numberFits(spec, n)) {
        const got = value.trim() !== "" && Number.isFinite(n) ? String(n) : `"${value}"`;
        throw new UsageError(`--${name}: expected ${expectation(spec)}, got ${got}`);
      }
      out[camel(name)] = n;
    }
  }
  return out;
}

/** Help text: one line per flag with its default, the descriptions in one column. */
export function formatHelp(usage: string, table: FlagTable, defaults: Record<string, unknown>): string {
  const rows: [string, string][] = Object.entries(table).map(([name, spec]) => {
    const flag = spec.kind === "boolean" ? `--[no-]${name}` : `--${name}`;
    const d = defaults[camel(name)];
    const value = spec.defaultText ?? (d === undefined ? undefined : d === null ? "none" : String(d));
    const def = value === undefined ? "" : ` (default: ${value})`;
    const choices = spec.kind === "string" && spec.values ? ` [${spec.values.join("|")}]` : "";
    return [flag, `${spec.help}${choices}${def}`];
  });
  rows.push(["--help", "show this help"]);
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return [usage, "", "Flags:", ...rows.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`)].join("\n");
}
