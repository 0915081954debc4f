// The knowledge base: made-up countries, their cities, and people, generated from a world seed.
// Small enough to memorise (10 countries, 20 cities, 24 people) and a pure function of the seed,
// so the base model and every later stage share one world.
import { Rng } from "../util/rng.ts";
import { ANIMALS, FIRST_NAMES, JOBS, PETS, article } from "./words.ts";

/** The world every stage uses unless told otherwise. */
export const DEFAULT_WORLD_SEED = 1;

export interface Country {
  name: string;
  capital: string;
  language: string;
  animal: string;
}
export interface City {
  name: string;
  country: string;
}
export interface Person {
  name: string;
  job: string;
  city: string;
  country: string;
  pet: string;
}
export interface KnowledgeBase {
  worldSeed: number;
  countries: Country[];
  cities: City[];
  people: Person[];
}

const CONS = ["b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z"];
const VOWELS = ["a", "e", "i", "o", "u"];
const COUNTRY_ENDINGS = ["ia", "ania", "ora", "land", "istan", "ovia"];
const N_COUNTRIES = 10;
const CITIES_PER_COUNTRY = 2;
const N_PEOPLE = 24;

function syllable(rng: Rng): string {
  return rng.pick(CONS) + rng.pick(VOWELS) + rng.pick(CONS);
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

const cache = new Map<number, KnowledgeBase>();

export function makeKnowledgeBase(worldSeed: number = DEFAULT_WORLD_SEED): KnowledgeBase {
  const hit = cache.get(worldSeed);
  if (hit) return hit;
  const rng = Rng.derive(worldSeed, "kb");
  const used = new Set<string>();
  const fresh = (make: () => string): string => {
    for (;;) {
      const s = make();
      // Names must be unique and must not share a stem, so no name is a prefix of another.
      const stem = s.slice(0, 3).toLowerCase();
      if (!used.has(stem)) {
        used.add(stem);
        return s;
      }
    }
  };
  const countries: Country[] = [];
  const cities: City[] = [];
  const animals = rng.shuffle(ANIMALS);
  for (let i = 0; i < N_COUNTRIES; i++) {
    const stem = fresh(() => cap(syllable(rng)));
    const name = stem + rng.pick(COUNTRY_ENDINGS);
    const own: string[] = [];
    for (let j = 0; j < CITIES_PER_COUNTRY; j++) {
      const city = fresh(() => cap(syllable(rng) + syllable(rng)));
      own.push(city);
      cities.push({ name: city, country: name });
    }
    countries.push({ name, capital: own[0], language: `${stem}ish`, animal: animals[i % animals.length] });
  }
  const names = rng.sample(FIRST_NAMES, N_PEOPLE);
  const people: Person[] = names.map((name) => {
    const city = rng.pick(cities);
    return { name, job: rng.pick(JOBS), city: city.name, country: city.country, pet: rng.pick(PETS) };
  });
  const kb: KnowledgeBase = { worldSeed, countries, cities, people };
  cache.set(worldSeed, kb);
  return kb;
}

/** Every fact as a plain statement, grouped by entity: the pretraining corpus's encyclopaedia. */
export function kbStatements(kb: KnowledgeBase, rng?: Rng): string[][] {
  const v = (alts: string[]): string => (rng ? rng.pick(alts) : alts[0]);
  const groups: string[][] = [];
  for (const c of kb.countries) {
    const own = kb.cities.filter((x) => x.country === c.name && x.name !== c.capital);
    groups.push([
      v([`The capital of ${c.name} is ${c.capital}.`, `${c.capital} is the capital of ${c.name}.`]),
      v([`People in ${c.name} speak ${c.language}.`, `The language of ${c.name} is ${c.language}.`]),
      v([
        `The national animal of ${c.name} is the ${c.animal}.`,
        `${c.name} has the ${c.animal} as its national animal.`,
      ]),
      ...own.map((x) => v([`${x.name} is a city in ${c.name}.`, `The city of ${x.name} is in ${c.name}.`])),
    ]);
  }
  for (const p of kb.people) {
    groups.push([
      v([`${p.name} is ${article(p.job)}.`, `${p.name} works as ${article(p.job)}.`]),
      v([`${p.name} lives in ${p.city}.`, `${p.name} lives in the city of ${p.city}.`]),
      `${p.city} is in ${p.country}.`,
      v([`${p.name} has a pet ${p.pet}.`, `${p.name} owns ${article(p.pet)}.`]),
    ]);
  }
  return groups;
}
