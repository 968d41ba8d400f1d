import type { Rng } from "../rng.js";
import { NameRegistry, type PersonName, personName, website, word } from "./names.js";

export type EntityKind = "country" | "river" | "city" | "university" | "person" | "company" | "band" | "film";

export const ENTITY_KINDS: readonly EntityKind[] = [
  "country",
  "river",
  "city",
  "university",
  "person",
  "company",
  "band",
  "film",
];

interface EntityBase {
  id: number;
  /** The name, also the title of the entity's document. Unique in the world. */
  name: string;
}

export interface Country extends EntityBase {
  kind: "country";
  /** Id of a city of this country. */
  capital: number;
  currency: string;
  independence: number;
  /** Inhabitants. */
  population: number;
}

export interface River extends EntityBase {
  kind: "river";
  /** Country where it rises. */
  source: number;
  /** Length in tenths of a kilometre (rendered with one decimal). */
  lengthTenthsKm: number;
  sea: string;
}

export interface City extends EntityBase {
  kind: "city";
  country: number;
  river: number;
  /** Inhabitants, already rounded to what the text shows. */
  population: number;
  firstMentioned: number;
}

export interface University extends EntityBase {
  kind: "university";
  city: number;
  founded: number;
  students: number;
}

export interface Person extends EntityBase {
  kind: "person";
  /** Surname, for later mentions. */
  short: string;
  birthYear: number;
  /** Year of death; undefined while alive. Always after anything the person founded or directed. */
  died: number | undefined;
  birthCity: number;
  almaMater: number;
  occupation: string;
  /** Addressed as "Dr." in the text. */
  doctor: boolean;
}

export interface Company extends EntityBase {
  kind: "company";
  industry: string;
  founder: number;
  founded: number;
  headquarters: number;
  website: string;
}

export interface Band extends EntityBase {
  kind: "band";
  genre: string;
  founder: number;
  formed: number;
  origin: number;
}

export interface Film extends EntityBase {
  kind: "film";
  genre: string;
  director: number;
  distributor: number;
  year: number;
}

export type Entity = Country | River | City | University | Person | Company | Band | Film;
export type EntityOf<K extends EntityKind> = Extract<Entity, { kind: K }>;

/** A fictional world: every entity, and the ids of each kind. */
export interface World {
  readonly entities: readonly Entity[];
  readonly byKind: Readonly<Record<EntityKind, readonly number[]>>;
}

/** The entity `id`, checked to be of `kind`. */
export function entityOf<K extends EntityKind>(world: World, id: number, kind: K): EntityOf<K> {
  const e = world.entities[id];
  if (!e || e.kind !== kind) throw new Error(`synthetic world: entity ${id} is not a ${kind}`);
  return e as EntityOf<K>;
}

/** The name of entity `id`. */
export function nameOf(world: World, id: number): string {
  const e = world.entities[id];
  if (!e) throw new Error(`synthetic world: no entity ${id}`);
  return e.name;
}

const OCCUPATIONS = [
  "architect",
  "chemist",
  "novelist",
  "engineer",
  "economist",
  "physician",
  "composer",
  "journalist",
  "mathematician",
  "film director",
  "entrepreneur",
  "photographer",
  "historian",
  "painter",
] as const;
const DOCTOR_OCCUPATIONS = new Set(["chemist", "physician", "economist", "mathematician", "historian"]);

const INDUSTRIES = [
  { industry: "publishing", suffixes: ["Press", "Books", "Publishing"] },
  { industry: "film distribution", suffixes: ["Pictures", "Films", "Studios"] },
  { industry: "engineering", suffixes: ["Industries", "Works", "Engineering"] },
  { industry: "software", suffixes: ["Systems", "Labs", "Software"] },
  { industry: "food-processing", suffixes: ["Foods", "Mills", "Provisions"] },
  { industry: "shipping", suffixes: ["Lines", "Shipping", "Freight"] },
  { industry: "pharmaceutical", suffixes: ["Pharma", "Laboratories"] },
] as const;
const COMPANY_FORMS = ["", "", "", " Ltd.", " Inc.", " Corp.", " & Co."] as const;

const BAND_GENRES = [
  "indie rock",
  "folk",
  "jazz-funk",
  "synth-pop",
  "post-punk",
  "bluegrass",
  "dream pop",
  "ska",
];
const FILM_GENRES = [
  "drama",
  "thriller",
  "comedy",
  "science-fiction",
  "historical",
  "crime",
  "musical",
  "horror",
];
const SEAS = ["Ostral Sea", "Gulf of Brenna", "Vehric Ocean", "Sea of Thessk", "Marrow Bay", "Kelvan Sound"];
const CURRENCY_NOUNS = ["crown", "mark", "dral", "florin", "sol", "taler"];
const COUNTRY_SUFFIXES = ["ia", "land", "mark", "stad", "or", "istan", "a", "en"];

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(items.length)] as T;
}

/** An integer in [lo, hi]. */
function between(rng: Rng, lo: number, hi: number): number {
  return lo + rng.int(hi - lo + 1);
}

/** Rounded the way the text shows it: one decimal of a million, or whole thousands. */
export function roundPopulation(n: number): number {
  return n >= 1_000_000 ? Math.round(n / 100_000) * 100_000 : Math.round(n / 1000) * 1000;
}

/** Entity counts by kind. */
export type WorldSizes = Record<EntityKind, number>;

/**
 * Build a world of the given sizes. References only point to kinds built earlier (country ← river ← city ←
 * university ← person ← company, band, film), so facts stay consistent: a company is founded 20–55 years
 * after its founder's birth, a film made 24–60 years after its director's, every capital lies in its country.
 */
export function buildWorld(rng: Rng, sizes: WorldSizes): World {
  const names = new NameRegistry();
  const entities: Entity[] = [];
  const byKind: Record<EntityKind, number[]> = {
    country: [],
    river: [],
    city: [],
    university: [],
    person: [],
    company: [],
    band: [],
    film: [],
  };
  const add = <E extends Entity>(e: Omit<E, "id">): E => {
    const full = { ...e, id: entities.length } as E;
    entities.push(full);
    byKind[full.kind].push(full.id);
    return full;
  };

  const countries: Country[] = [];
  for (let i = 0; i < sizes.country; i++) {
    const stem = word(rng, 2);
    countries.push(
      add<Country>({
        kind: "country",
        name: names.unique(() => word(rng, 2) + pick(rng, COUNTRY_SUFFIXES)),
        capital: -1,
        currency: `${stem} ${pick(rng, CURRENCY_NOUNS)}`,
        independence: between(rng, 1640, 1994),
        population: roundPopulation(Math.round(300_000 * 60 ** rng.float())),
      }),
    );
  }

  const riversByCountry = new Map<number, number[]>();
  for (let i = 0; i < sizes.river; i++) {
    const source = pick(rng, byKind.country);
    const river = add<River>({
      kind: "river",
      name: names.unique(() => `${word(rng)} River`),
      source,
      lengthTenthsKm: between(rng, 300, 32_000),
      sea: pick(rng, SEAS),
    });
    const list = riversByCountry.get(source) ?? [];
    list.push(river.id);
    riversByCountry.set(source, list);
  }

  for (let i = 0; i < sizes.city; i++) {
    // The first cities give every country one, and become the capitals.
    const country = i < countries.length ? (countries[i] as Country) : (pick(rng, countries) as Country);
    const local = riversByCountry.get(country.id);
    const r = rng.float();
    const city = add<City>({
      kind: "city",
      name: names.unique(() => (r < 0.05 ? `St. ${word(rng)}` : r < 0.08 ? `Port ${word(rng)}` : word(rng))),
      country: country.id,
      river: local && rng.float() < 0.8 ? pick(rng, local) : pick(rng, byKind.river),
      population: roundPopulation(Math.round(15_000 * 600 ** rng.float())),
      firstMentioned: between(rng, 820, 1780),
    });
    if (country.capital < 0) country.capital = city.id;
  }

  for (let i = 0; i < sizes.university; i++) {
    const city = pick(rng, byKind.city);
    const cityName = (entities[city] as City).name;
    add<University>({
      kind: "university",
      name: names.unique(() => {
        const r = rng.float();
        if (r < 0.3) return `University of ${cityName}`;
        if (r < 0.5) return `${word(rng)} Institute of Technology`;
        if (r < 0.65) return `St. ${word(rng)} College`;
        return `${word(rng)} University`;
      }),
      city,
      founded: between(rng, 1150, 1899),
      students: between(rng, 8, 620) * 100,
    });
  }

  for (let i = 0; i < sizes.person; i++) {
    const n: PersonName = names.unique(() => personName(rng));
    const occupation = pick(rng, OCCUPATIONS);
    const birthYear = between(rng, 1890, 1990);
    const died = birthYear + between(rng, 61, 98);
    add<Person>({
      kind: "person",
      name: n.full,
      short: n.short,
      birthYear,
      died: died <= 2022 ? died : undefined,
      birthCity: pick(rng, byKind.city),
      almaMater: pick(rng, byKind.university),
      occupation,
      doctor: DOCTOR_OCCUPATIONS.has(occupation) && rng.float() < 0.6,
    });
  }

  for (let i = 0; i < sizes.company; i++) {
    const kind = pick(rng, INDUSTRIES);
    const founder = entities[pick(rng, byKind.person)] as Person;
    const name = names.unique(() =>
      rng.float() < 0.2
        ? `${founder.short} & ${word(rng)}${pick(rng, [" Ltd.", " Inc.", ""])}`
        : `${word(rng)} ${pick(rng, kind.suffixes)}${pick(rng, COMPANY_FORMS)}`,
    );
    add<Company>({
      kind: "company",
      name,
      industry: kind.industry,
      founder: founder.id,
      founded: Math.min(2022, founder.birthYear + between(rng, 20, 55)),
      headquarters: pick(rng, byKind.city),
      website: website(name),
    });
  }

  for (let i = 0; i < sizes.band; i++) {
    const founder = entities[pick(rng, byKind.person)] as Person;
    add<Band>({
      kind: "band",
      name: names.unique(() => {
        const r = rng.float();
        if (r < 0.35) return `The ${word(rng)}s`;
        if (r < 0.6)
          return `${word(rng)} ${pick(rng, ["Parade", "Motel", "Choir", "Engine", "Lanterns", "Static"])}`;
        if (r < 0.7) return `${word(rng)}!`;
        return `${pick(rng, ["Velvet", "Broken", "Silver", "Quiet", "Paper", "Electric"])} ${word(rng)}`;
      }),
      genre: pick(rng, BAND_GENRES),
      founder: founder.id,
      formed: Math.min(2022, founder.birthYear + between(rng, 16, 30)),
      origin: pick(rng, byKind.city),
    });
  }

  for (let i = 0; i < sizes.film; i++) {
    const director = entities[pick(rng, byKind.person)] as Person;
    add<Film>({
      kind: "film",
      name: names.unique(() => {
        const w = word(rng);
        switch (rng.int(9)) {
          case 0:
            return `The ${w} Affair`;
          case 1:
            return `${w} Nights`;
          case 2:
            return `Return to ${w}`;
          case 3:
            return `A Summer in ${w}`;
          case 4:
            return `${w}!`;
          case 5:
            return `Who Is ${w}?`;
          case 6:
            return `The Last ${w}`;
          case 7:
            return `${w} & ${word(rng)}`;
          default:
            return w;
        }
      }),
      genre: pick(rng, FILM_GENRES),
      director: director.id,
      distributor: pick(rng, byKind.company),
      year: Math.min(2024, director.birthYear + between(rng, 24, 60)),
    });
  }

  return { entities, byKind };
}
