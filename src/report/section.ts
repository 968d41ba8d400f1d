/**
 * The shared shape of report content: a section holds tables and charts. `stats` prints the tables in the
 * terminal; `report` renders tables and charts (Vega-Lite specs rendered to inline SVG) into one HTML page.
 */

/** A Vega-Lite JSON specification (kept loose so sections don't depend on vega-lite's types). */
export type ChartSpec = Record<string, unknown>;

export type Cell = string | number | null;

export interface Table {
  title: string;
  columns: string[];
  rows: Cell[][];
  /** Text under the table (what the numbers mean, units). */
  note?: string;
}

export interface Chart {
  title: string;
  spec: ChartSpec;
  /** One sentence saying how to read the chart. */
  caption?: string;
}

export interface ReportSection {
  /** Stable anchor id, e.g. `lengths`, `rollout-logs`. */
  id: string;
  title: string;
  /** Short paragraph above the content. */
  intro?: string;
  tables: Table[];
  charts: Chart[];
}
