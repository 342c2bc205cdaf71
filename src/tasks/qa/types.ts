/** Host-side extractive QA examples shared by the SQuAD and HotpotQA readers. */

/** A gold answer: its text and where it starts in the context (UTF-16 index: `context.slice(start, start + text.length)`). */
export interface QaAnswer {
  text: string;
  start: number;
}

/** One question over one context, as the readers return it (HF `datasets`' squad layout). */
export interface QaExample {
  id: string;
  question: string;
  context: string;
  /** Gold answers; the first one labels training features (HF run_qa). Empty: no locatable answer. */
  answers: QaAnswer[];
  title: string;
}
