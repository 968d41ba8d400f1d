import type { Rng } from "../rng.js";
import { km } from "./render.js";
import { type EntityKind, entityOf, nameOf, type World } from "./world.js";

/** A question over the world: its gold entities in reasoning order, and its answer. */
export interface Question {
  template: string;
  kind: "bridge" | "comparison";
  question: string;
  answer: string;
  /** Gold entity ids, first hop first. */
  gold: number[];
}

/**
 * A bridge question: start at an entity, follow references; each paragraph names the next entity, and the
 * answer is stated in the last one.
 */
interface BridgeTemplate {
  name: string;
  kind: "bridge";
  weight: number;
  /** Kinds of the gold entities, first hop first. */
  kinds: readonly EntityKind[];
  /** The gold ids from `start` and the question, or undefined when the start does not fit. */
  make(world: World, start: number): Omit<Question, "template" | "kind"> | undefined;
}

/** A comparison question over two entities of one kind; the answer is one of the two names. */
interface ComparisonTemplate {
  name: string;
  kind: "comparison";
  weight: number;
  kinds: readonly [EntityKind, EntityKind];
  /** The compared value: the answer is the entity with the smaller one. Must be what the text shows. */
  key(world: World, id: number): number;
  ask(a: string, b: string): string;
}

export type Template = BridgeTemplate | ComparisonTemplate;

const film = (w: World, id: number) => entityOf(w, id, "film");
const company = (w: World, id: number) => entityOf(w, id, "company");
const person = (w: World, id: number) => entityOf(w, id, "person");
const city = (w: World, id: number) => entityOf(w, id, "city");
const band = (w: World, id: number) => entityOf(w, id, "band");
const university = (w: World, id: number) => entityOf(w, id, "university");
const river = (w: World, id: number) => entityOf(w, id, "river");
const country = (w: World, id: number) => entityOf(w, id, "country");

/** Every question template with its share of the questions (weights sum to 1). */
export const TEMPLATES: readonly Template[] = [
  // Two hops.
  {
    name: "film-distributor-founder",
    kind: "bridge",
    weight: 0.08,
    kinds: ["film", "company"],
    make: (w, f) => {
      const c = film(w, f).distributor;
      return {
        question: `Who founded the company that distributed ${nameOf(w, f)}?`,
        answer: nameOf(w, company(w, c).founder),
        gold: [f, c],
      };
    },
  },
  {
    name: "film-director-birthplace",
    kind: "bridge",
    weight: 0.08,
    kinds: ["film", "person"],
    make: (w, f) => {
      const p = film(w, f).director;
      return {
        question: `In which city was the director of ${nameOf(w, f)} born?`,
        answer: nameOf(w, person(w, p).birthCity),
        gold: [f, p],
      };
    },
  },
  {
    name: "company-founder-university",
    kind: "bridge",
    weight: 0.06,
    kinds: ["company", "person"],
    make: (w, c) => {
      const p = company(w, c).founder;
      return {
        question: `Which university did the founder of ${nameOf(w, c)} attend?`,
        answer: nameOf(w, person(w, p).almaMater),
        gold: [c, p],
      };
    },
  },
  {
    name: "band-founder-birthyear",
    kind: "bridge",
    weight: 0.05,
    kinds: ["band", "person"],
    make: (w, b) => {
      const p = band(w, b).founder;
      return {
        question: `In what year was the founder of ${nameOf(w, b)} born?`,
        answer: String(person(w, p).birthYear),
        gold: [b, p],
      };
    },
  },
  {
    name: "company-headquarters-river",
    kind: "bridge",
    weight: 0.05,
    kinds: ["company", "city"],
    make: (w, c) => {
      const t = company(w, c).headquarters;
      return {
        question: `Which river flows through the city where ${nameOf(w, c)} has its headquarters?`,
        answer: nameOf(w, city(w, t).river),
        gold: [c, t],
      };
    },
  },
  {
    name: "university-city-country",
    kind: "bridge",
    weight: 0.05,
    kinds: ["university", "city"],
    make: (w, u) => {
      const t = university(w, u).city;
      return {
        question: `In which country is the city that is home to ${nameOf(w, u)}?`,
        answer: nameOf(w, city(w, t).country),
        gold: [u, t],
      };
    },
  },
  {
    name: "city-country-capital",
    kind: "bridge",
    weight: 0.04,
    kinds: ["city", "country"],
    make: (w, t) => {
      const n = city(w, t).country;
      if (country(w, n).capital === t) return undefined;
      return {
        question: `What is the capital of the country in which ${nameOf(w, t)} lies?`,
        answer: nameOf(w, country(w, n).capital),
        gold: [t, n],
      };
    },
  },
  {
    name: "river-source-currency",
    kind: "bridge",
    weight: 0.04,
    kinds: ["river", "country"],
    make: (w, r) => {
      const n = river(w, r).source;
      return {
        question: `What is the currency of the country where the ${nameOf(w, r)} rises?`,
        answer: country(w, n).currency,
        gold: [r, n],
      };
    },
  },
  {
    name: "film-distributor-headquarters",
    kind: "bridge",
    weight: 0.05,
    kinds: ["film", "company"],
    make: (w, f) => {
      const c = film(w, f).distributor;
      return {
        question: `In which city is the distributor of ${nameOf(w, f)} headquartered?`,
        answer: nameOf(w, company(w, c).headquarters),
        gold: [f, c],
      };
    },
  },
  // Three hops.
  {
    name: "film-distributor-founder-birthplace",
    kind: "bridge",
    weight: 0.06,
    kinds: ["film", "company", "person"],
    make: (w, f) => {
      const c = film(w, f).distributor;
      const p = company(w, c).founder;
      return {
        question: `In which city was the founder of the company that distributed ${nameOf(w, f)} born?`,
        answer: nameOf(w, person(w, p).birthCity),
        gold: [f, c, p],
      };
    },
  },
  {
    name: "film-director-university-founded",
    kind: "bridge",
    weight: 0.05,
    kinds: ["film", "person", "university"],
    make: (w, f) => {
      const p = film(w, f).director;
      const u = person(w, p).almaMater;
      return {
        question: `In what year was the university attended by the director of ${nameOf(w, f)} founded?`,
        answer: String(university(w, u).founded),
        gold: [f, p, u],
      };
    },
  },
  {
    name: "band-founder-birth-country",
    kind: "bridge",
    weight: 0.05,
    kinds: ["band", "person", "city"],
    make: (w, b) => {
      const p = band(w, b).founder;
      const t = person(w, p).birthCity;
      return {
        question: `In which country was the founder of ${nameOf(w, b)} born?`,
        answer: nameOf(w, city(w, t).country),
        gold: [b, p, t],
      };
    },
  },
  {
    name: "company-city-river-length",
    kind: "bridge",
    weight: 0.04,
    kinds: ["company", "city", "river"],
    make: (w, c) => {
      const t = company(w, c).headquarters;
      const r = city(w, t).river;
      return {
        question: `How long is the river that flows through the city where ${nameOf(w, c)} has its headquarters?`,
        answer: km(river(w, r).lengthTenthsKm),
        gold: [c, t, r],
      };
    },
  },
  // Comparisons.
  {
    name: "compare-company-founded",
    kind: "comparison",
    weight: 0.06,
    kinds: ["company", "company"],
    key: (w, id) => company(w, id).founded,
    ask: (a, b) => `Which company was founded first, ${a} or ${b}?`,
  },
  {
    name: "compare-university-founded",
    kind: "comparison",
    weight: 0.04,
    kinds: ["university", "university"],
    key: (w, id) => university(w, id).founded,
    ask: (a, b) => `Which is older, ${a} or ${b}?`,
  },
  {
    name: "compare-band-formed",
    kind: "comparison",
    weight: 0.04,
    kinds: ["band", "band"],
    key: (w, id) => band(w, id).formed,
    ask: (a, b) => `Which band was formed earlier, ${a} or ${b}?`,
  },
  {
    name: "compare-person-born",
    kind: "comparison",
    weight: 0.05,
    kinds: ["person", "person"],
    key: (w, id) => person(w, id).birthYear,
    ask: (a, b) => `Who was born first, ${a} or ${b}?`,
  },
  {
    name: "compare-river-length",
    kind: "comparison",
    weight: 0.03,
    kinds: ["river", "river"],
    key: (w, id) => -river(w, id).lengthTenthsKm,
    ask: (a, b) => `Which river is longer, the ${a} or the ${b}?`,
  },
  {
    name: "compare-city-population",
    kind: "comparison",
    weight: 0.04,
    kinds: ["city", "city"],
    key: (w, id) => -city(w, id).population,
    ask: (a, b) => `Which city has more inhabitants, ${a} or ${b}?`,
  },
  {
    name: "compare-film-year",
    kind: "comparison",
    weight: 0.04,
    kinds: ["film", "film"],
    key: (w, id) => film(w, id).year,
    ask: (a, b) => `Which film came out first, ${a} or ${b}?`,
  },
];

/** A template drawn by weight. */
export function drawTemplate(rng: Rng, templates: readonly Template[] = TEMPLATES): Template {
  let x = rng.float();
  for (const t of templates) {
    x -= t.weight;
    if (x < 0) return t;
  }
  return templates[templates.length - 1] as Template;
}

/**
 * Draw one question of `template`, taking start entities from `next(kind)` (fresh ones first). Returns
 * undefined when no fitting start turned up in a few tries (the caller draws another template).
 */
export function makeQuestion(
  world: World,
  template: Template,
  next: (kind: EntityKind) => number,
): Question | undefined {
  for (let attempt = 0; attempt < 8; attempt++) {
    if (template.kind === "bridge") {
      const q = template.make(world, next(template.kinds[0] as EntityKind));
      if (q) return { template: template.name, kind: "bridge", ...q, question: tidyQuestion(q.question) };
      continue;
    }
    const a = next(template.kinds[0]);
    const b = next(template.kinds[1]);
    const ka = template.key(world, a);
    const kb = template.key(world, b);
    if (a === b || ka === kb) continue;
    const [na, nb] = [nameOf(world, a), nameOf(world, b)];
    return {
      template: template.name,
      kind: "comparison",
      question: tidyQuestion(template.ask(na, nb)),
      answer: ka < kb ? na : nb,
      gold: [a, b],
    };
  }
  return undefined;
}

/** A title that ends the question brings its own question mark: `… distributed Who Is Varlo?`, not `??`. */
function tidyQuestion(text: string): string {
  return text.replace(/\?\?$/, "?");
}
