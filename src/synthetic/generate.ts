import { ConfigError } from "../errors.js";
import { Rng } from "../rng.js";
import { drawTemplate, makeQuestion, type Question, TEMPLATES, type Template } from "./questions.js";
import { renderDocument } from "./render.js";
import type { GenericDocument, GenericRecord, ResolvedWorldOptions, WorldOptions } from "./types.js";
import { buildWorld, ENTITY_KINDS, type EntityKind, type World, type WorldSizes } from "./world.js";

/** Share of distractors dealt from the kind's deck of not-yet-used entities; the rest are drawn at random
 * from the whole kind, so documents recur across records as they do in the public data sets. */
const FRESH_SHARE = 0.9;
/** Slack on the estimated demand, so decks rarely run out and start over. */
const SIZE_SLACK = 1.1;
/** Every kind has at least this many entities, so small worlds still offer choice. */
const MIN_PER_KIND = 16;

/** A generated record with what the generator knows about it. */
export interface SyntheticRecord {
  record: GenericRecord;
  /** Template name, e.g. `film-distributor-founder`. */
  template: string;
  kind: Question["kind"];
  /** World entity ids behind `record.documents`, in the same order (a document's identity). */
  entities: number[];
}

export function resolveWorldOptions(options: WorldOptions): ResolvedWorldOptions {
  const { seed, questions } = options;
  const distractorsPerQuestion = options.distractorsPerQuestion ?? 8;
  const errors: string[] = [];
  if (!Number.isSafeInteger(seed)) errors.push(`seed must be an integer, got ${seed}`);
  if (!Number.isSafeInteger(questions) || questions < 0) {
    errors.push(`questions must be a whole number ≥ 0, got ${questions}`);
  }
  if (!Number.isSafeInteger(distractorsPerQuestion) || distractorsPerQuestion < 0) {
    errors.push(`distractorsPerQuestion must be a whole number ≥ 0, got ${distractorsPerQuestion}`);
  }
  if (errors.length > 0) throw new ConfigError(`Cannot generate the synthetic world: ${errors.join("; ")}.`);
  return { seed, questions, distractorsPerQuestion };
}

/**
 * Entity counts for a run: each kind gets what its questions and distractors will draw fresh (plus 10 %),
 * so most documents of a run are distinct: about 8.6 per question with the default 8 distractors.
 */
export function worldSizes(questions: number, distractors: number, templates = TEMPLATES): WorldSizes {
  const demand = Object.fromEntries(ENTITY_KINDS.map((k) => [k, 0])) as Record<EntityKind, number>;
  for (const t of templates) {
    demand[t.kinds[0] as EntityKind] += t.weight * (t.kind === "comparison" ? 2 : 1);
    for (const k of t.kinds) demand[k] += (t.weight * distractors * FRESH_SHARE) / t.kinds.length;
  }
  const sizes = Object.fromEntries(
    ENTITY_KINDS.map((k) => [k, Math.ceil(questions * demand[k] * SIZE_SLACK) + MIN_PER_KIND]),
  ) as WorldSizes;
  sizes.city = Math.max(sizes.city, sizes.country);
  return sizes;
}

/**
 * Records of a fictional multi-hop QA world, generated lazily. Each record holds the gold paragraphs and
 * `distractorsPerQuestion` others (mostly of the gold paragraphs' kinds), shuffled. Deterministic: the
 * same options give the same records.
 */
export function generateWorld(options: WorldOptions): Iterable<GenericRecord> {
  const records = generateSyntheticRecords(options);
  return {
    *[Symbol.iterator]() {
      for (const r of records) yield r.record;
    },
  };
}

/** `generateWorld` with each record's template and entity ids, for tests and statistics. */
export function generateSyntheticRecords(options: WorldOptions): Iterable<SyntheticRecord> {
  const opts = resolveWorldOptions(options);
  return { [Symbol.iterator]: () => records(opts) };
}

function* records(opts: ResolvedWorldOptions): Generator<SyntheticRecord> {
  if (opts.questions === 0) return;
  const world = buildWorld(
    Rng.derive("synthetic-world", opts.seed),
    worldSizes(opts.questions, opts.distractorsPerQuestion),
  );
  const rng = Rng.derive("synthetic-questions", opts.seed);
  const docs = new DocumentCache(world, opts.seed);
  const decks = Object.fromEntries(ENTITY_KINDS.map((k) => [k, new Deck(world.byKind[k], rng)])) as Record<
    EntityKind,
    Deck
  >;
  const fresh = (kind: EntityKind) => decks[kind].next();

  for (let i = 0; i < opts.questions; i++) {
    let question: Question | undefined;
    let template: Template | undefined;
    while (question === undefined) {
      template = drawTemplate(rng);
      question = makeQuestion(world, template, fresh);
    }
    const kinds = (template as Template).kinds;
    const taken = new Set(question.gold);
    const distractors: number[] = [];
    const offset = rng.int(kinds.length);
    for (let d = 0; d < opts.distractorsPerQuestion; d++) {
      const kind = kinds[(offset + d) % kinds.length] as EntityKind;
      const id = drawDistractor(world, rng, decks[kind], taken);
      taken.add(id);
      distractors.push(id);
    }

    const ids = rng.shuffle([...question.gold, ...distractors]);
    const position = new Map(ids.map((id, p) => [id, p]));
    yield {
      record: {
        id: `syn-${opts.seed}-${i + 1}`,
        question: question.question,
        answers: [question.answer],
        documents: ids.map((id) => docs.get(id)),
        supporting: question.gold.map((id) => position.get(id) as number),
      },
      template: question.template,
      kind: question.kind,
      entities: ids,
    };
  }
}

/** A distractor not in `taken`: mostly fresh from the deck, sometimes any of its kind, else any entity. */
function drawDistractor(world: World, rng: Rng, deck: Deck, taken: ReadonlySet<number>): number {
  for (let tries = 0; tries < 16; tries++) {
    const id = rng.float() < FRESH_SHARE ? deck.next() : deck.any();
    if (!taken.has(id)) return id;
  }
  const n = world.entities.length;
  if (taken.size >= n) throw new ConfigError(`The synthetic world has only ${n} documents for one record.`);
  for (let id = rng.int(n); ; id = (id + 1) % n) if (!taken.has(id)) return id;
}

/** The ids of one kind in a shuffled order, dealt one by one and reshuffled when used up. */
class Deck {
  private order: number[];
  private pos = 0;

  constructor(
    private readonly ids: readonly number[],
    private readonly rng: Rng,
  ) {
    this.order = rng.shuffle(ids.slice());
  }

  next(): number {
    if (this.pos >= this.order.length) {
      this.rng.shuffle(this.order);
      this.pos = 0;
    }
    return this.order[this.pos++] as number;
  }

  /** Any id of the kind, used or not. */
  any(): number {
    return this.ids[this.rng.int(this.ids.length)] as number;
  }
}

/**
 * Each entity's paragraph, rendered once from its own RNG stream, so the text does not depend on the order
 * in which records first use it. The streams are keyed by (seed, entity id); one SHA-256 for the seed,
 * not one per document, keeps this cheap for 100k+ documents.
 */
class DocumentCache {
  private readonly docs: (GenericDocument | undefined)[];
  private readonly key: readonly [number, number, number, number];

  constructor(
    private readonly world: World,
    seed: number,
  ) {
    this.docs = new Array(world.entities.length);
    const base = Rng.derive("synthetic-doc", seed);
    this.key = [base.nextU32(), base.nextU32(), base.nextU32(), base.nextU32()];
  }

  get(id: number): GenericDocument {
    let doc = this.docs[id];
    if (doc === undefined) {
      const [a, b, c, d] = this.key;
      doc = renderDocument(this.world, id, new Rng(a ^ id, b, c ^ Math.imul(id, 0x9e3779b1), d));
      this.docs[id] = doc;
    }
    return doc;
  }
}
