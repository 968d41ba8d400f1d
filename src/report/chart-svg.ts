/** Vega-Lite spec → inline SVG, rendered server-side (no browser, no canvas, no network). */
import type { View } from "vega";
import type { TopLevelSpec } from "vega-lite";
import type { ChartSpec } from "./section.js";

/** Shared look of every chart: system fonts, no view border, readable axis titles. */
const CHART_CONFIG = {
  font: "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif",
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: "normal", grid: true, gridColor: "#e6e6e6" },
  // Group labels (`hotpotqa keychain 16384`) are shown whole: vega cuts labels at 160 px by default, and
  // without a canvas it estimates text widths generously (0.8 × font size a character).
  legend: { labelFontSize: 11, titleFontSize: 11, labelLimit: 1000 },
  title: { fontSize: 14, anchor: "start", offset: 12 },
  background: "white",
} as const;

/**
 * Render a Vega-Lite spec to an SVG string fit for inlining in HTML. The output is deterministic (the same
 * spec gives the same bytes: text widths are estimated, not measured) and refers to no URL: the XML namespace
 * attributes, which HTML's parser does not need, are removed. Data must be inline (`data.values`): a data
 * URL is an error, and vega's loader is given no way to fetch anyway.
 */
export async function renderChartSvg(spec: ChartSpec): Promise<string> {
  // Loaded on first use: vega takes about 0.2 s to load, which every other command would pay at start-up.
  const [{ parse, View }, { compile }] = await Promise.all([import("vega"), import("vega-lite")]);
  const { $schema: _schema, ...rest } = spec;
  const merged = { ...rest, config: { ...CHART_CONFIG, ...((spec.config as object | undefined) ?? {}) } };
  const vgSpec = compile(merged as TopLevelSpec).spec;
  for (const d of vgSpec.data ?? [])
    if ("url" in d) throw new Error(`charts must carry their data inline, refused ${JSON.stringify(d.url)}`);
  const view = new View(parse(vgSpec), { renderer: "none", loader: noNetworkLoader() });
  try {
    const svg = (await view.toSVG()).replace(/ xmlns(?::xlink)?="[^"]*"/g, "");
    return (spec.usermeta as { hoverTitles?: unknown } | undefined)?.hoverTitles === true
      ? withHoverTitles(svg)
      : svg;
  } finally {
    view.finalize();
  }
}

/**
 * Gives every mark element a `<title>` child holding its `aria-label` (vega's text of the mark's tooltip), so
 * that the browser shows it on hover without a script. Opted into per chart with `usermeta: {hoverTitles: true}`.
 */
export function withHoverTitles(svg: string): string {
  return svg.replace(
    /<(\w+) aria-label="([^"]*)" role="graphics-symbol"([^>]*)\/>/g,
    '<$1 aria-label="$2" role="graphics-symbol"$3><title>$2</title></$1>',
  );
}

/** A vega loader that refuses every load: charts must carry their data inline. */
function noNetworkLoader() {
  const refuse = async (uri: string): Promise<never> => {
    throw new Error(`charts must not load data, refused ${JSON.stringify(uri)}`);
  };
  return {
    load: refuse,
    sanitize: refuse,
    http: refuse,
    file: refuse,
  } as unknown as NonNullable<ConstructorParameters<typeof View>[1]>["loader"];
}
