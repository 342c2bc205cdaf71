import { describe, expect, it } from "vitest";
import { coalesceSubmits } from "./submitCoalescing.js";

/**
 * A fake device that records, in order, what reaches its queue. Kernels are recorded as `dispatch <name>` in
 * an encoder; a submitted command buffer shows as `submit [<its commands>|…]`.
 */
function fakeDevice() {
  const log: string[] = [];
  let encoders = 0;
  const device = {
    queue: {
      submit: (buffers: Iterable<unknown>) =>
        log.push(`submit ${[...buffers].map((b) => (b as string[]).join(",")).join("|")}`),
      writeBuffer: (target: unknown) => log.push(`write ${String(target)}`),
      onSubmittedWorkDone: async () => void log.push("done"),
    },
    createBuffer: (d: unknown) => ({
      mapAsync: async () => void log.push(`map ${String(d)}`),
      destroy: () => log.push(`destroy ${String(d)}`),
    }),
    createCommandEncoder: () => {
      encoders++;
      const commands: string[] = [];
      return {
        dispatch: (name: string) => commands.push(name),
        finish: (): unknown => commands,
      };
    },
  };
  /** What jax-js does per kernel: one encoder, one pass, finish, submit. */
  const kernel = (name: string) => {
    const e = device.createCommandEncoder();
    e.dispatch(name);
    device.queue.submit([e.finish()]);
  };
  return { device, log, kernel, encoders: () => encoders };
}

describe("coalesceSubmits", () => {
  it("submits a synchronous burst once, at the end of the task", async () => {
    const { device, log, kernel, encoders } = fakeDevice();
    const stats = coalesceSubmits(device);
    for (const k of ["a", "b", "c"]) kernel(k);
    expect(log).toEqual([]);
    await Promise.resolve();
    expect(log).toEqual(["submit a,b,c"]);
    expect(stats).toEqual({ requested: 3, flushed: 1, commandBuffers: 1 });
    expect(encoders()).toBe(1);
    kernel("d");
    await Promise.resolve();
    expect(log).toEqual(["submit a,b,c", "submit d"]);
    expect(encoders()).toBe(2);
  });

  it("keeps queue order around writes, maps, destroys and work-done waits", async () => {
    const { device, log, kernel } = fakeDevice();
    coalesceSubmits(device);
    const staging = device.createBuffer("staging");
    kernel("k1");
    device.queue.writeBuffer("buf");
    kernel("k2");
    await staging.mapAsync();
    kernel("k3");
    staging.destroy();
    kernel("k4");
    await device.queue.onSubmittedWorkDone();
    expect(log).toEqual([
      "submit k1",
      "write buf",
      "submit k2",
      "map staging",
      "submit k3",
      "destroy staging",
      "submit k4",
      "done",
    ]);
  });

  it("puts a command buffer made elsewhere after the kernels recorded before it", async () => {
    const { device, log, kernel } = fakeDevice();
    coalesceSubmits(device);
    kernel("k1");
    device.queue.submit([["foreign"]]);
    kernel("k2");
    await Promise.resolve();
    expect(log).toEqual(["submit k1|foreign|k2"]);
  });

  it("installs once per device", () => {
    const { device } = fakeDevice();
    const a = coalesceSubmits(device);
    const submit = device.queue.submit;
    expect(coalesceSubmits(device)).toBe(a);
    expect(device.queue.submit).toBe(submit);
  });
});
