import { describe, expect, it } from "vitest";
import { numpy as np, random } from "@jax-js/jax";
import * as cmploss from "../src/index.js";

describe("package root API", () => {
  it("exports the loss and the CmpDrop masks under the issue's names", async () => {
    // l = [[full, ablated1, ablated2]]: ultra pairwise over [l0, l1, l2, 0] = mean of 6 hinge pairs.
    const losses = np.array([[0.5, 0.7, 0.4]]);
    const out = cmploss.comparativeLoss(losses);
    const [l0, l1, l2] = [0.5, 0.7, 0.4];
    const pairs = [l0 - l1, l0 - l2, l0, l1 - l2, l1, l2].map((d) => Math.max(0, d));
    expect(Array.from(await out.data())).toBeAllclose([pairs.reduce((a, b) => a + b) / 6]);

    const masks = cmploss.cmpDropMasks(random.key(0), [4, 8], { rate: 0.1, levels: 2 });
    expect(masks.shape).toEqual([3, 4, 8]);
    masks.dispose();
  });

  it("uses the issue's option names and defaults", async () => {
    const t = np.array([[1, 2]]);
    const a = await cmploss.comparativeLoss(t.ref).data();
    const b = await cmploss
      .comparativeLoss(t, { kind: "cmp", temperature: 1, target: "ultra", listwise: false })
      .data();
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(cmploss.TRAIN_DEFAULTS.nDrop).toBe(2);
  });

  it("trains every task family through one train(); the task registry gives each task's kind", () => {
    expect(typeof cmploss.train).toBe("function");
    expect("trainQa" in cmploss).toBe(false);
    expect(cmploss.taskKind("sst2")).toBe("classification");
    expect(cmploss.taskKind("STS-B")).toBe("regression");
    expect(cmploss.taskKind("squad-distractor")).toBe("span");
    expect(cmploss.TASK_NAMES).toEqual([
      "cola",
      "sst2",
      "mrpc",
      "stsb",
      "qqp",
      "mnli",
      "qnli",
      "rte",
      "wnli",
      "squad",
      "squad-distractor",
      "hotpot",
      "prf",
    ]);
    expect(cmploss.taskKind("prf")).toBe("ranking");
    expect(cmploss.isRankingTask("prf")).toBe(true);
    expect(cmploss.isRankingTask("hotpot")).toBe(false);
    expect(cmploss.PRF_DEFAULTS.nPrf).toBe(5);
    expect(() => cmploss.taskKind("msmarco")).toThrow(
      /expected one of cola, sst2, .*hotpot, prf, got "msmarco"/,
    );
    expect(cmploss.isQaTask("hotpot")).toBe(true);
    expect(cmploss.isQaTask("rte")).toBe(false);
  });
});
