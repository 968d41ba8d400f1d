import { describe, expect, it } from "vitest";
import { Rng } from "../../src/rng.js";
import { generateSyntheticRecords, worldSizes } from "../../src/synthetic/generate.js";
import { NameRegistry, personName, website } from "../../src/synthetic/names.js";
import { km, population, renderDocument, thousands } from "../../src/synthetic/render.js";
import { buildWorld, ENTITY_KINDS, type Entity, entityOf, type World } from "../../src/synthetic/world.js";

describe("buildWorld", () => {
  const world = buildWorld(Rng.derive("world-test"), worldSizes(300, 8));

  it("builds the requested number of entities of each kind, with unique names", () => {
    const sizes = worldSizes(300, 8);
    for (const kind of ENTITY_KINDS) expect(world.byKind[kind]).toHaveLength(sizes[kind]);
    const names = world.entities.map((e) => e.name.toLowerCase());
    expect(new Set(names).size).toBe(names.length);
  });

  it("keeps facts consistent: capitals, founders' and directors' lifetimes, references by kind", () => {
    for (const e of world.entities) checkEntity(world, e);
  });

  it("scales the world with the number of questions and distractors", () => {
    const total = (s: Record<string, number>) => Object.values(s).reduce((a, b) => a + b, 0);
    expect(total(worldSizes(12_000, 8))).toBeGreaterThan(100_000);
    expect(total(worldSizes(1000, 8))).toBeGreaterThan(total(worldSizes(1000, 2)));
    expect(Math.min(...Object.values(worldSizes(0, 0)))).toBeGreaterThanOrEqual(16);
  });
});

function checkEntity(world: World, e: Entity): void {
  switch (e.kind) {
    case "country":
      expect(entityOf(world, e.capital, "city").country).toBe(e.id);
      break;
    case "river":
      entityOf(world, e.source, "country");
      break;
    case "city":
      entityOf(world, e.country, "country");
      entityOf(world, e.river, "river");
      break;
    case "university":
      entityOf(world, e.city, "city");
      break;
    case "person":
      entityOf(world, e.birthCity, "city");
      expect(entityOf(world, e.almaMater, "university").founded).toBeLessThan(e.birthYear);
      if (e.died !== undefined) expect(e.died).toBeGreaterThan(e.birthYear + 60);
      break;
    case "company": {
      const founder = entityOf(world, e.founder, "person");
      expect(e.founded).toBeGreaterThanOrEqual(founder.birthYear + 20);
      expect(e.founded).toBeLessThanOrEqual(founder.died ?? 2022);
      entityOf(world, e.headquarters, "city");
      break;
    }
    case "band": {
      const founder = entityOf(world, e.founder, "person");
      expect(e.formed).toBeGreaterThanOrEqual(founder.birthYear + 16);
      entityOf(world, e.origin, "city");
      break;
    }
    case "film": {
      const director = entityOf(world, e.director, "person");
      expect(e.year).toBeGreaterThanOrEqual(director.birthYear + 24);
      expect(e.year).toBeLessThanOrEqual(director.died ?? 2024);
      entityOf(world, e.distributor, "company");
      break;
    }
  }
}

describe("renderDocument", () => {
  // A hand-made world, so the snapshot shows the paragraph format itself.
  const world: World = {
    entities: [
      {
        id: 0,
        kind: "country",
        name: "Kessland",
        capital: 1,
        currency: "Vorn crown",
        independence: 1848,
        population: 4_300_000,
      },
      {
        id: 1,
        kind: "city",
        name: "St. Olbry",
        country: 0,
        river: 2,
        population: 2_100_000,
        firstMentioned: 1123,
      },
      { id: 2, kind: "river", name: "Ostra River", source: 0, lengthTenthsKm: 4125, sea: "Ostral Sea" },
      {
        id: 3,
        kind: "university",
        name: "University of St. Olbry",
        city: 1,
        founded: 1411,
        students: 23_400,
      },
      {
        id: 4,
        kind: "person",
        name: "J. K. Varlo",
        short: "Varlo",
        birthYear: 1931,
        died: 2004,
        birthCity: 1,
        almaMater: 3,
        occupation: "economist",
        doctor: true,
      },
      {
        id: 5,
        kind: "company",
        name: "Valdor Press Inc.",
        industry: "publishing",
        founder: 4,
        founded: 1962,
        headquarters: 1,
        website: "www.valdor-press-inc.example",
      },
    ],
    byKind: {
      country: [0],
      city: [1],
      river: [2],
      university: [3],
      person: [4],
      company: [5],
      band: [],
      film: [],
    },
  };

  it("writes an encyclopedia paragraph whose facts name the linked entities", () => {
    expect(renderDocument(world, 5, Rng.derive("render-test", 1))).toMatchInlineSnapshot(`
      {
        "text": "Valdor Press Inc. is a publishing company headquartered in St. Olbry. The firm employs approx. 14,300 people. Its slogan, "Built to last!", is printed on every invoice. Its products, e.g. thapadoul kits and mepes lines, sell in 53 countries. The company adopted a U.S.-style board structure in 1994. A 2013 strike at its main plant lasted 11 days and ended with an agreement that the unions still cite, e.g. its clause on night shifts. It was founded in 1962 by J. K. Varlo. The corporate website is www.valdor-press-inc.example.",
        "title": "Valdor Press Inc.",
      }
    `);
    expect(renderDocument(world, 4, Rng.derive("render-test", 2))).toMatchInlineSnapshot(`
      {
        "text": "Dr. J. K. Varlo (15 April 1931 – 2004) was an economist. Varlo first came to notice with "Sakov Notebook" (1953), later translated into 23 languages. Varlo was born in St. Olbry and studied at the University of St. Olbry. A biography by G. M. Bafiost appeared in 1975; a 3.5-hour radio adaptation followed. Letters and drafts are online at www.j-k-varlo-papers.example. Colleagues recall a U.S.-style directness in meetings, e.g. never more than 3 agenda items! A retrospective at the Mokon Museum in 1994 drew approx. 97,000 visitors, more than any show there before. Early work was interrupted by a long illness; Varlo later said that the 2 years spent recovering in a sanatorium near Deirnchoulel were "the most productive of my life", a remark critics have doubted.",
        "title": "J. K. Varlo",
      }
    `);
  });

  it("never doubles an end mark after a name that ends in a period", () => {
    for (let seed = 0; seed < 50; seed++) {
      expect(renderDocument(world, 5, Rng.derive("render-test", seed)).text).not.toMatch(/[.!?]\.(\s|$)/);
    }
  });

  it("keeps generated questions and paragraphs free of doubled end marks", () => {
    for (const { record } of generateSyntheticRecords({ seed: 2, questions: 500 })) {
      expect(record.question).not.toMatch(/\?\?$/);
      for (const d of record.documents) expect(d.text).not.toMatch(/[.!?]\.(\s|$)/);
    }
  });
});

describe("number formats", () => {
  it.each([
    [2_100_000, "2.1 million"],
    [12_000_000, "12.0 million"],
    [640_000, "640,000"],
    [15_000, "15,000"],
  ])("population(%d) is %j", (n, text) => {
    expect(population(n)).toBe(text);
  });

  it("km and thousands", () => {
    expect([km(35), km(41_255), km(300)]).toEqual(["3.5 km", "4,125.5 km", "30.0 km"]);
    expect([thousands(999), thousands(1000), thousands(1_234_567)]).toEqual(["999", "1,000", "1,234,567"]);
  });
});

describe("names", () => {
  it("builds .example web hosts from names", () => {
    expect(website("Valdor Press Inc.")).toBe("www.valdor-press-inc.example");
    expect(website("Tesh & Mallow", "-music")).toBe("www.tesh-and-mallow-music.example");
    expect(website("Who Is Varlo?")).toBe("www.who-is-varlo.example");
  });

  it("draws person names as `Given Surname`, `Given I. Surname` or `G. I. Surname`", () => {
    const rng = Rng.derive("names-test");
    const shapes = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const p = personName(rng);
      expect(p.full.endsWith(p.short)).toBe(true);
      if (/^[A-Z]\. [A-Z]\. [A-Z][a-z]+$/.test(p.full)) shapes.add("initials");
      else if (/^[A-Z][a-z]+ [A-Z]\. [A-Z][a-z]+$/.test(p.full)) shapes.add("middle initial");
      else if (/^[A-Z][a-z]+ [A-Z][a-z]+$/.test(p.full)) shapes.add("plain");
      else throw new Error(`unexpected name shape: ${p.full}`);
    }
    expect(shapes).toEqual(new Set(["initials", "middle initial", "plain"]));
  });

  it("NameRegistry never hands out the same name twice, ignoring case", () => {
    const registry = new NameRegistry();
    const queue = ["Arvo", "ARVO", "arvo", "Bren"];
    expect(registry.unique(() => queue.shift() as string)).toBe("Arvo");
    expect(registry.unique(() => queue.shift() as string)).toBe("Bren");
  });
});
