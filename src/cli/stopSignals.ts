/**
 * Ctrl-C and SIGTERM, handled gently: the first one asks the work to stop where it can keep what it did (a
 * training step's end, with a checkpoint); the same signal again quits at once. Only the same one: Ctrl-C in a
 * terminal reaches an experiment's training children directly and again as the SIGTERM their parent sends on.
 */

const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
type StopSignal = keyof typeof EXIT_CODES;

export interface StopSignals {
  /** Aborted by the first SIGINT or SIGTERM. */
  signal: AbortSignal;
  /** The exit code the signal received asks for (128 + its number), or null while none came. */
  exitCode(): number | null;
  /** Restore the default handling. */
  dispose(): void;
}

/** Handle SIGINT and SIGTERM until `dispose`; `stopping` is printed when the first one arrives. */
export function handleStopSignals(stopping: string): StopSignals {
  const controller = new AbortController();
  let received: StopSignal | null = null;
  const onSignal = (name: StopSignal) => {
    if (received === name) process.exit(EXIT_CODES[name]);
    if (received !== null) return;
    received = name;
    process.stderr.write(
      `\n${name}: ${stopping} (${name === "SIGINT" ? "Ctrl-C" : name} again to quit now)\n`,
    );
    controller.abort();
  };
  const handlers = (Object.keys(EXIT_CODES) as StopSignal[]).map((name) => {
    const handler = () => onSignal(name);
    process.on(name, handler);
    return [name, handler] as const;
  });
  return {
    signal: controller.signal,
    exitCode: () => (received === null ? null : EXIT_CODES[received]),
    dispose: () => handlers.forEach(([name, handler]) => process.off(name, handler)),
  };
}
