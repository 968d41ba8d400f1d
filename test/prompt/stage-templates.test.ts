import { describe, expect, it } from "vitest";
import {
  ANSWER_IS_PROMPT_TEMPLATE,
  fillTemplate,
  REASONING_TEMPLATES,
} from "../../src/prompt/stage-templates.js";

describe("LLM stage prompt strings (wire formats)", () => {
  it("the answer-is prompt renders as the original filter and API rollouts sent it", () => {
    expect(
      fillTemplate(ANSWER_IS_PROMPT_TEMPLATE, { context: "Passage 1:\nA", input: "Q?" }),
    ).toMatchInlineSnapshot(`
      "The following are given passages.
      Passage 1:
      A

      Answer the question based on the given passages. Please think step by step before answering. After thinking, output the final answer in the format of 'The answer is <your answer here>'

      Question: Q?"
    `);
  });

  it("has the five reasoning templates with their exact endings", () => {
    expect(Object.keys(REASONING_TEMPLATES)).toEqual(["basic", "normal", "cot", "cot-cite", "mcts"]);
    for (const t of Object.values(REASONING_TEMPLATES) as string[])
      expect(t.startsWith("Question: {question}\n\nContext: {context}\n\nAnswer: {answer}\n\n")).toBe(true);
    expect(REASONING_TEMPLATES.cot.endsWith('present your final conclusion after "Final answer:"')).toBe(
      true,
    );
    expect(REASONING_TEMPLATES.normal.endsWith('after "Final answer:".')).toBe(true);
    expect(REASONING_TEMPLATES["cot-cite"]).toContain('in quotes ("") whenever you use them');
    expect(REASONING_TEMPLATES.basic).toMatchInlineSnapshot(
      `"Question: {question}\n\nContext: {context}\n\nAnswer: {answer}\n\nProvide a detailed reasoning process to arrive at the answer based on the given context."`,
    );
  });

  it("fills only known fields and leaves others", () => {
    expect(fillTemplate("{a} {b} {a}", { a: "x" })).toBe("x {b} x");
  });
});
