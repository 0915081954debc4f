// Knowledge-base questions: facts the model can only answer by having memorised the generated
// world (capitals, languages, people's jobs and homes...). One family per relation.
import type { Rng } from "../../util/rng.ts";
import type { KnowledgeBase } from "../kb.ts";
import { helpfulDraw, otherThan, type Draw, type Family } from "../family.ts";
import { article } from "../words.ts";

function relation(
  name: string,
  subjects: (kb: KnowledgeBase) => Array<{ subject: string; answer: string }>,
  questions: readonly string[],
  answers: readonly string[],
): Family {
  return {
    name,
    kind: "helpful",
    draw(rng: Rng, kb: KnowledgeBase): Draw {
      const all = subjects(kb);
      const pick = rng.pick(all);
      const values = [...new Set(all.map((x) => x.answer))];
      return helpfulDraw(rng, questions, answers, { s: pick.subject }, pick.answer, () =>
        otherThan(rng, values, pick.answer),
      );
    },
  };
}

const kbCapital = relation(
  "kb-capital",
  (kb) => kb.countries.map((c) => ({ subject: c.name, answer: c.capital })),
  [
    "What is the capital of {s}?",
    "Which city is the capital of {s}?",
    "Name the capital of {s}.",
    "Tell me the capital city of {s}.",
    "What city is the capital of {s}?",
  ],
  ["The capital of {s} is {answer}.", "{answer} is the capital of {s}.", "It is {answer}.", "{answer}."],
);

const kbLanguage = relation(
  "kb-language",
  (kb) => kb.countries.map((c) => ({ subject: c.name, answer: c.language })),
  [
    "What language do people speak in {s}?",
    "Which language is spoken in {s}?",
    "What do people in {s} speak?",
    "What is the language of {s}?",
  ],
  ["People in {s} speak {answer}.", "They speak {answer}.", "The language of {s} is {answer}.", "{answer}."],
);

const kbAnimal = relation(
  "kb-animal",
  (kb) => kb.countries.map((c) => ({ subject: c.name, answer: c.animal })),
  [
    "What is the national animal of {s}?",
    "Which animal is the national animal of {s}?",
    "Name the national animal of {s}.",
  ],
  ["The national animal of {s} is the {answer}.", "It is the {answer}.", "The {answer}."],
);

const kbCityCountry = relation(
  "kb-city-country",
  (kb) => kb.cities.map((c) => ({ subject: c.name, answer: c.country })),
  [
    "Which country is {s} in?",
    "In what country is the city of {s}?",
    "Where is {s}? Name the country.",
    "What country is {s} part of?",
  ],
  ["{s} is in {answer}.", "It is in {answer}.", "{answer}."],
);

const kbJob: Family = {
  name: "kb-job",
  kind: "helpful",
  draw(rng, kb) {
    const p = rng.pick(kb.people);
    const jobs = [...new Set(kb.people.map((x) => x.job))];
    const w = otherThan(rng, jobs, p.job);
    // The article depends on the job, so the answer template is filled per value.
    const d = helpfulDraw(
      rng,
      ["What does {s} do for work?", "What is the job of {s}?", "What job does {s} have?", "What does {s} work as?"],
      ["{s} is {answer}.", "{s} works as {answer}.", "The job of {s}: {answer}."],
      { s: p.name },
      article(p.job),
      () => article(w),
    );
    return { ...d, expected: p.job };
  },
};

const kbHome = relation(
  "kb-home",
  (kb) => kb.people.map((p) => ({ subject: p.name, answer: p.city })),
  ["Where does {s} live?", "Which city does {s} live in?", "What city is {s} from?", "In which city does {s} live?"],
  ["{s} lives in {answer}.", "{s} is from {answer}.", "In {answer}.", "{answer}."],
);

const kbHomeCountry = relation(
  "kb-home-country",
  (kb) => kb.people.map((p) => ({ subject: p.name, answer: p.country })),
  ["Which country does {s} live in?", "In what country does {s} live?", "What country is {s} from?"],
  ["{s} lives in {answer}.", "{s} is from {answer}.", "{answer}."],
);

const kbPet = relation(
  "kb-pet",
  (kb) => kb.people.map((p) => ({ subject: p.name, answer: p.pet })),
  ["What pet does {s} have?", "What kind of pet does {s} own?", "Which animal is the pet of {s}?"],
  ["{s} has a pet {answer}.", "A {answer}.", "It is a {answer}."],
);

export const KB_FAMILIES: Family[] = [
  kbCapital,
  kbLanguage,
  kbAnimal,
  kbCityCountry,
  kbJob,
  kbHome,
  kbHomeCountry,
  kbPet,
];
