/** A small, strict flag parser: kebab-case flags, `--flag value` or `--flag=value`, `--no-flag` for booleans. */

export type FlagSpec =
  | { kind: "string"; help: string; values?: readonly string[] }
  | { kind: "number"; help: string; min?: number; max?: number; integer?: boolean; nullable?: boolean }
  | { kind: "boolean"; help: string };

export type FlagTable = Record<string, FlagSpec>;

/** Error from the command line: printed as one line, exit code 2. */
export class UsageError extends Error {}

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
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
      else throw new UsageError(`--${name}: expected true or false, got "${value}"`);
      continue;
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new UsageError(`--${name}: expected a value`);
    }
    if (spec.kind === "string") {
      if (spec.values && !spec.values.includes(value)) {
        throw new UsageError(`--${name}: expected one of ${spec.values.join(", ")}, got "${value}"`);
      }
      out[camel(name)] = value;
    } else {
      if (spec.nullable && (value === "none" || value === "")) {
        out[camel(name)] = null;
        continue;
      }
      const n = Number(value);
      const what = spec.integer ? "an integer" : "a number";
      if (value.trim() === "" || !Number.isFinite(n) || (spec.integer && !Number.isInteger(n))) {
        throw new UsageError(`--${name}: expected ${what}, got "${value}"`);
      }
      if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
        throw new UsageError(
          `--${name}: expected ${what} in [${spec.min ?? "-∞"}, ${spec.max ?? "∞"}], got ${n}`,
        );
      }
      out[camel(name)] = n;
    }
  }
  return out;
}

/** Help text: one line per flag with its default. */
export function formatHelp(usage: string, table: FlagTable, defaults: Record<string, unknown>): string {
  const lines = [usage, "", "Flags:"];
  const width = Math.max(...Object.keys(table).map((k) => k.length)) + 4;
  for (const [name, spec] of Object.entries(table)) {
    const flag = spec.kind === "boolean" ? `--${name} / --no-${name}` : `--${name}`;
    const d = defaults[camel(name)];
    const def = d === undefined ? "" : ` (default: ${d === null ? "none" : String(d)})`;
    const choices = spec.kind === "string" && spec.values ? ` [${spec.values.join("|")}]` : "";
    lines.push(`  ${flag.padEnd(width + 8)} ${spec.help}${choices}${def}`);
  }
  lines.push(`  ${"--help".padEnd(width + 8)} show this help`);
  return lines.join("\n");
}
