import type { Rng } from "../rng.js";
import { personName, website, word } from "./names.js";
import type { GenericDocument } from "./types.js";
import { type Entity, entityOf, nameOf, type World } from "./world.js";

/** Paragraphs aim for a length drawn from this range (characters), like Wikipedia intros. */
const TARGET_MIN = 260;
const TARGET_MAX = 960;
/** Never grow a paragraph past this many characters, or past this many sentences. */
const HARD_MAX = 1000;
const MAX_SENTENCES = 8;

const MONTHS = "January February March April May June July August September October November December".split(
  " ",
);

/**
 * The encyclopedia paragraph of entity `id`: a lead sentence, the facts questions rely on, then optional
 * sentences until a drawn target length (3–8 sentences, at most 1,000 characters). The optional sentences
 * carry what trips text processing up: decimals (`2.1 million`), initials (`J. K. Varlo`), abbreviations
 * (`Dr.`, `St.`, `e.g.`, `U.S.-style`), `.example` web addresses, quotes, `?` and `!`.
 * Facts a question chains through are stated only in the entity's own paragraph.
 */
export function renderDocument(world: World, id: number, rng: Rng): GenericDocument {
  const entity = world.entities[id] as Entity;
  const parts = sentencesOf(world, entity, rng);
  const target = TARGET_MIN + rng.int(TARGET_MAX - TARGET_MIN + 1);
  const sentences = parts.facts.map(tidy);
  let length = sentences.join(" ").length;
  for (const extra of rng.shuffle(parts.extras.slice())) {
    if (sentences.length >= MAX_SENTENCES) break;
    if (sentences.length >= 3 && length >= target) break;
    const s = tidy(extra());
    if (length + 1 + s.length > HARD_MAX) continue;
    sentences.push(s);
    length += 1 + s.length;
  }
  // Keep the lead first; mix the rest so facts do not always sit in the same slots.
  const [lead, ...rest] = sentences;
  return { title: entity.name, text: [lead, ...rng.shuffle(rest)].join(" ") };
}

interface Sentences {
  /** The lead sentence first, then the facts. */
  facts: string[];
  /** Optional sentences, drawn lazily. */
  extras: (() => string)[];
}

function sentencesOf(world: World, e: Entity, rng: Rng): Sentences {
  /** A year in [lo, hi]; `lo` when the range is empty. */
  const year = (lo: number, hi: number) => (hi <= lo ? lo : lo + rng.int(hi - lo + 1));
  /** `1970s`. */
  const decade = (lo: number, hi: number) => `${Math.floor(year(lo, hi) / 10) * 10}s`;
  const dec = (lo: number, hi: number) => (lo + rng.float() * (hi - lo)).toFixed(1);
  const someone = () => personName(rng).full;
  const initials = () => {
    const p = personName(rng);
    return `${String.fromCharCode(65 + rng.int(26))}. ${String.fromCharCode(65 + rng.int(26))}. ${p.short}`;
  };
  const saint = () => `St. ${word(rng)}`;

  switch (e.kind) {
    case "country": {
      const capital = nameOf(world, e.capital);
      return {
        facts: [
          `${e.name} is a sovereign state bordering the ${word(rng)} Plateau, with a population of about ${population(e.population)}.`,
          `Its capital is ${capital}.`,
          `The national currency is the ${e.currency}.`,
          `${e.name} became independent in ${e.independence}.`,
        ],
        extras: [
          () =>
            `After a long dispute over fishing rights in the ${word(rng)} Straits, a treaty signed in ${year(e.independence, 2020)} settled the border, though maps printed abroad, e.g. in atlases of the ${decade(1950, 2000)}, still show the old line.`,
          () =>
            `The national anthem, "${word(rng)}, Land of ${pickOf(rng, ["Rivers", "Stone", "Morning"])}", was written by ${initials()} and is sung at the opening of every session of parliament.`,
          () =>
            `Its constitution, adopted in ${year(e.independence, 2015)}, guarantees "free passage on the river roads" (Art. ${1 + rng.int(90)}).`,
          () => `Parliament meets in ${saint()} Hall, e.g. for the annual budget debate.`,
          () =>
            `Is it still a monarchy? Not since ${year(e.independence, 2000)}, when King ${initials()} abdicated.`,
          () => `GDP per capita was approx. $${dec(2, 60)} thousand in ${year(2005, 2022)}.`,
          () => `The tourism portal, ${website(e.name, "-travel")}, lists ${2 + rng.int(40)} national parks.`,
          () => `Road signs follow a U.S.-style numbering scheme introduced in ${year(1950, 2010)}!`,
          () => `Literacy stands at ${dec(80, 99.9)}%, according to a ${year(2010, 2023)} survey.`,
        ],
      };
    }
    case "river": {
      const source = nameOf(world, e.source);
      return {
        facts: [
          `The ${e.name} rises in ${source} and flows ${km(e.lengthTenthsKm)} to the ${e.sea}.`,
          `Its drainage basin covers about ${thousands((5 + rng.int(400)) * 100)} km².`,
        ],
        extras: [
          () =>
            `Engineers have argued since the ${decade(1900, 1980)} about a dam at ${word(rng)}; a ${year(1990, 2022)} study put the cost at $${dec(0.5, 9)} billion and warned that ${2 + rng.int(30)} villages would have to move.`,
          () =>
            `In summer, excursion boats run from ${word(rng)} to ${word(rng)} (approx. ${2 + rng.int(5)} hours), and the towpath along the lower course is part of a long-distance cycle route.`,
          () =>
            `The name is thought to come from an old word meaning "${pickOf(rng, ["slow water", "silver", "the wanderer", "black ford"])}".`,
          () =>
            `A ${dec(1, 9)} km stretch near ${word(rng)} is popular with canoeists, e.g. during the spring floods.`,
          () =>
            `Dr. ${someone()} surveyed its upper course in ${year(1820, 1960)}; the report ran to ${100 + rng.int(900)} pages!`,
          () => `Average discharge at the mouth is ${dec(5, 900)} m³/s.`,
          () =>
            `Why does it so rarely freeze? Warm springs in ${saint()} Gorge keep the water above ${dec(2, 6)} °C.`,
          () => `Water levels are published daily at ${website(e.name, "-gauge")}.`,
          () => `Its longest tributary, the ${word(rng)}, joins it at ${word(rng)}.`,
        ],
      };
    }
    case "city": {
      const country = entityOf(world, e.country, "country");
      const river = nameOf(world, e.river);
      const lead =
        country.capital === e.id
          ? `${e.name} is the capital of ${country.name}, on the ${river}.`
          : `${e.name} is a city in ${country.name}, on the ${river}.`;
      return {
        facts: [
          lead,
          `It has a population of ${population(e.population)} (${year(2011, 2023)} census).`,
          `The settlement was first mentioned in ${e.firstMentioned}.`,
        ],
        extras: [
          () =>
            `The ${word(rng)} Festival, held every ${pickOf(rng, ["May", "August", "October"])} since ${year(1920, 2010)}, fills the streets with music and draws approx. ${thousands((10 + rng.int(400)) * 1000)} visitors, many of whom arrive by the night train.`,
          () =>
            `Its economy rests on ${pickOf(rng, ["textiles", "brewing", "shipbuilding", "printing"])} and, since the ${decade(1950, 2000)}, on software; the largest employer is a hospital run by the Order of ${saint()}.`,
          () =>
            `Its old town, centred on ${saint()}'s Square, was rebuilt after a fire in ${year(e.firstMentioned, 1900)}.`,
          () =>
            `The ${dec(3, 40)} km ring road, opened in ${year(1960, 2015)}, carries approx. ${thousands((5 + rng.int(90)) * 1000)} vehicles a day.`,
          () => `Locals call it "the city of ${3 + rng.int(40)} bridges"; visitors often ask why!`,
          () => `The municipal website, ${website(e.name)}, publishes timetables, e.g. for the night trams.`,
          () => `Mayor ${someone()} once described it as "a U.S.-style city with old-world manners".`,
          () =>
            `Is it the wettest city in the region? Records since ${year(1850, 1950)} suggest so, with ${dec(8, 20)} rainy days a month.`,
          () => `The cathedral of ${saint()} houses an organ with ${thousands(1000 + rng.int(9000))} pipes.`,
        ],
      };
    }
    case "university": {
      const city = nameOf(world, e.city);
      return {
        facts: [
          `${e.name} is a public university in ${city}, founded in ${e.founded}.`,
          `It enrols about ${thousands(e.students)} students in ${3 + rng.int(12)} faculties.`,
        ],
        extras: [
          () =>
            `During the ${year(1600, 1950)} reforms the faculties of law and theology were merged, a step that the historian Dr. ${someone()} later called "the quietest revolution in the country's learning".`,
          () =>
            `Its observatory, built on a hill ${dec(1, 9)} km outside the campus, still runs a public programme on clear nights, e.g. for the Perseids in August.`,
          () =>
            `Its motto is "${word(rng)} ${word(rng)}" ("${pickOf(rng, ["Light through work", "Knowledge is a bridge", "Ask again"])}").`,
          () => `The main library, on ${saint()} Street, holds approx. ${dec(0.2, 9)} million volumes.`,
          () => `Its first rector, Dr. ${someone()}, wrote the founding charter in Latin.`,
          () => `Applicants find deadlines and fees, e.g. for doctoral programmes, at ${website(e.name)}.`,
          () => `Why ${e.founded}? A gift from the merchant ${initials()} made the founding possible!`,
          () => `Since ${year(1990, 2015)} it has used a U.S.-style credit system.`,
          () => `About ${dec(5, 35)}% of its students come from abroad.`,
        ],
      };
    }
    case "person": {
      const city = nameOf(world, e.birthCity);
      const university = nameOf(world, e.almaMater);
      const title = e.doctor ? "Dr. " : "";
      const born = `${1 + rng.int(28)} ${pickOf(rng, MONTHS)} ${e.birthYear}`;
      const last = Math.min(e.died ?? 2023, 2023);
      const lead =
        e.died === undefined
          ? `${title}${e.name} (born ${born}) is ${article(e.occupation)} ${e.occupation}.`
          : `${title}${e.name} (${born} – ${e.died}) was ${article(e.occupation)} ${e.occupation}.`;
      return {
        facts: [lead, `${e.short} was born in ${city} and studied at ${withThe(university)}.`],
        extras: [
          () =>
            `Early work was interrupted by a long illness; ${e.short} later said that the ${1 + rng.int(3)} years spent recovering in a sanatorium near ${word(rng)} were "the most productive of my life", a remark critics have doubted.`,
          () =>
            `A retrospective at the ${word(rng)} Museum in ${year(e.birthYear + 40, 2023)} drew approx. ${thousands((5 + rng.int(200)) * 1000)} visitors, more than any show there before.`,
          () =>
            `${e.short} first came to notice with "${word(rng)} ${pickOf(rng, ["Variations", "Letters", "Studies", "Notebook"])}" (${year(e.birthYear + 20, Math.min(e.birthYear + 45, last))}), later translated into ${2 + rng.int(30)} languages.`,
          () =>
            `Asked in ${year(e.birthYear + 30, Math.min(last, e.birthYear + 70))} about retiring, ${e.short} replied: "Why stop now?"`,
          () =>
            `A biography by ${initials()} appeared in ${year(e.birthYear + 40, 2023)}; a ${dec(1, 4)}-hour radio adaptation followed.`,
          () => `${e.short}'s papers are kept at ${saint()} Library.`,
          () => `Letters and drafts are online at ${website(e.name, "-papers")}.`,
          () =>
            `${e.short} received the ${word(rng)} Prize in ${year(e.birthYear + 25, last)} and an honorary doctorate (Dr. h.c.) later on.`,
          () =>
            `Colleagues recall a U.S.-style directness in meetings, e.g. never more than ${2 + rng.int(5)} agenda items!`,
        ],
      };
    }
    case "company": {
      const hq = nameOf(world, e.headquarters);
      const founder = nameOf(world, e.founder);
      return {
        facts: [
          `${e.name} is ${article(e.industry)} ${e.industry} company headquartered in ${hq}.`,
          `It was founded in ${e.founded} by ${founder}.`,
        ],
        extras: [
          () =>
            `A ${year(Math.max(e.founded, 1950), 2023)} strike at its main plant lasted ${2 + rng.int(60)} days and ended with an agreement that the unions still cite, e.g. its clause on night shifts.`,
          () =>
            `Shares have been listed on the ${word(rng)} Exchange since ${year(Math.max(e.founded + 1, 1960), 2023)}, where its stock fell by ${dec(5, 60)}% in a single week during a dispute with regulators.`,
          () =>
            `Revenue reached $${dec(0.1, 9.9)} billion in ${year(Math.max(e.founded + 1, 1990), 2023)}, approx. ${1 + rng.int(30)}% more than the year before.`,
          () =>
            `The company adopted a U.S.-style board structure in ${year(Math.max(e.founded, 1950), 2023)}.`,
          () =>
            `Its products, e.g. ${word(rng).toLowerCase()} kits and ${word(rng).toLowerCase()} lines, sell in ${2 + rng.int(80)} countries.`,
          () => `The corporate website is ${e.website}.`,
          () => `Was the merger with ${word(rng)} Ltd. a mistake? Analysts remain divided.`,
          () =>
            `Its slogan, "${pickOf(rng, ["Built to last", "Ahead of the tide", "Made by hand", "Always on time"])}!", is printed on every invoice.`,
          () => `The firm employs approx. ${thousands((1 + rng.int(400)) * 50)} people.`,
        ],
      };
    }
    case "band": {
      const origin = nameOf(world, e.origin);
      const founder = nameOf(world, e.founder);
      return {
        facts: [
          `${e.name} is ${article(e.genre)} ${e.genre} band formed in ${origin} in ${e.formed}.`,
          `The band was founded by ${founder}, who wrote most of its early songs.`,
        ],
        extras: [
          () =>
            `Their third album was recorded in a disused church near ${word(rng)} over ${2 + rng.int(10)} weeks; the band later described the sessions as "cold, slow and completely worth it".`,
          () =>
            `In ${year(e.formed + 2, 2023)} they toured ${3 + rng.int(20)} countries, playing approx. ${20 + rng.int(150)} concerts, and the tour film was shown at festivals such as ${saint()}'s Film Week.`,
          () =>
            `Its debut album, "${word(rng)} ${pickOf(rng, ["Summer", "Radio", "Gardens", "Machines"])}", sold ${dec(0.1, 4)} million copies.`,
          () => `The single "Are You ${word(rng)}?" reached No. ${1 + rng.int(40)} in the national charts.`,
          () => `Critics compared its sound to U.S.-style college rock.`,
          () => `News for fans appears at ${website(e.name, "-music")}.`,
          () =>
            `At a ${year(e.formed + 1, 2023)} concert in ${saint()} Arena the crowd chanted "One more!" for ${2 + rng.int(15)} minutes.`,
          () =>
            `The line-up has changed ${2 + rng.int(6)} times, e.g. when the drummer left in ${year(e.formed + 1, 2023)}.`,
        ],
      };
    }
    case "film": {
      const director = nameOf(world, e.director);
      const distributor = nameOf(world, e.distributor);
      return {
        facts: [
          `${e.name} is a ${e.year} ${e.genre} film directed by ${director}.`,
          `It was distributed by ${distributor}.`,
        ],
        extras: [
          () =>
            `Filming took ${4 + rng.int(30)} weeks, most of it on location in the hills above ${word(rng)}, where a storm destroyed part of the set and delayed the schedule by approx. ${1 + rng.int(9)} days.`,
          () =>
            `The film was restored in ${year(Math.max(e.year + 10, 1990), 2024)} from the original negative and re-released with a commentary by the critic ${initials()}.`,
          () => `The tagline, "Nobody leaves ${word(rng)}!", became a catchphrase.`,
          () => `It runs ${80 + rng.int(80)} minutes and was made on a budget of $${dec(0.3, 60)} million.`,
          () => `Was it a success? It earned approx. $${dec(0.5, 200)} million at the box office.`,
          () => `Reviewers, e.g. at ${website(e.name, "-review")}, rated it ${dec(3, 9.5)}/10.`,
          () => `The screenplay by ${initials()} adapts a novel set on ${saint()} Island.`,
          () => `Interiors were shot in a U.S.-style studio built for the production.`,
          () => `Its score, by ${someone()}, runs to ${dec(40, 80)} minutes.`,
        ],
      };
    }
  }
}

/** One end mark: a name that ends a sentence keeps its own (`… by Valdor Press Inc.`, not `Inc..`). */
function tidy(sentence: string): string {
  const n = sentence.length;
  return n > 1 && sentence.charCodeAt(n - 1) === 46 && ".!?".includes(sentence.charAt(n - 2))
    ? sentence.slice(0, -1)
    : sentence;
}

/** `the University of X`, but `Arvo University` as it is. */
function withThe(name: string): string {
  return name.startsWith("University of ") ? `the ${name}` : name;
}

function pickOf<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(items.length)] as T;
}

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? "an" : "a";
}

/** `1,234,567`. */
export function thousands(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** `2.1 million` from a million up, `640,000` below. */
export function population(n: number): string {
  return n >= 1_000_000 ? `${(n / 1_000_000).toFixed(1)} million` : thousands(n);
}

/** `412.5 km` from tenths of a kilometre. */
export function km(tenths: number): string {
  return `${thousands(Math.floor(tenths / 10))}.${tenths % 10} km`;
}
