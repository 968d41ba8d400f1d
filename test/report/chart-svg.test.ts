import { describe, expect, it } from "vitest";
import { renderChartSvg } from "../../src/report/chart-svg.js";

const spec = {
  $schema: "https://vega.github.io/schema/vega-lite/v6.json",
  title: 'Bars <&> "quoted"',
  data: {
    values: [
      { bin: "a", share: 0.25 },
      { bin: "b<c", share: 0.75 },
    ],
  },
  mark: "bar",
  encoding: {
    x: { field: "bin", type: "ordinal", title: "bin & co" },
    y: { field: "share", type: "quantitative" },
  },
};

describe("renderChartSvg", () => {
  it("renders an inline <svg> with escaped text and no URL (namespaces stripped, $schema ignored)", async () => {
    const svg = await renderChartSvg(spec);
    expect(svg.startsWith("<svg ")).toBe(true);
    expect(svg.endsWith("</svg>")).toBe(true);
    expect(svg).not.toMatch(/https?:|xmlns/);
    expect(svg).toContain("Bars &lt;&amp;&gt; &quot;quoted&quot;");
    expect(svg).toContain("b&lt;c");
    expect(svg).not.toContain("b<c");
  });

  it("is deterministic: the same spec gives the same bytes", async () => {
    expect(await renderChartSvg(spec)).toBe(await renderChartSvg(structuredClone(spec)));
  });

  it("refuses to load data from a URL", async () => {
    await expect(renderChartSvg({ ...spec, data: { url: "https://example.com/data.json" } })).rejects.toThrow(
      /refused "https:\/\/example.com\/data.json"/,
    );
  });
});
