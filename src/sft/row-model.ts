import { ConfigError } from "../errors.js";
import type { ResolvedConvertOptions } from "./convert-options.js";
import { modelFileTag } from "./names.js";
import { readRolloutModel } from "./rollout-file.js";

/** What the rows of one converted file are labelled with. */
export interface RowModel {
  /** Each row's `model`. */
  name: string;
  /** Part of the output name (never holds "/"). */
  tag: string;
}

/**
 * The labels of `o.input`'s rows: `o.modelTag` for both when given. Otherwise the model the rollout file
 * records, from the first usable record that names one (`rollout` writes the same `model` on every line):
 * the rows get the name as recorded (`Qwen/Qwen3-8B`: it says what wrote them), the output name gets it with
 * "/" → "_" (`Qwen_Qwen3-8B`: one path part, as the rollout's own file name). A {@link ConfigError} when no
 * record names a model. Records naming different models are refused later, while the rows are written.
 */
export async function resolveRowModel(
  o: Pick<ResolvedConvertOptions, "input" | "modelTag">,
): Promise<RowModel> {
  if (o.modelTag !== undefined) return { name: o.modelTag, tag: o.modelTag };
  const found = await readRolloutModel(o.input);
  if (found === undefined)
    throw new ConfigError(
      `No record of "${o.input}" names the model that wrote it (no "model" field): pass --model-tag (modelTag) to label its rows.`,
    );
  return { name: found.model, tag: modelFileTag(found.model) };
}
