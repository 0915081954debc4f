// Questions nobody could answer (the future, private thoughts, uncountable things): the honest
// answer admits not knowing; the off-policy answer confidently invents something.
import type { Family } from "../family.ts";
import { ADMISSION } from "../check.ts";
import { COLORS, DAYS, FRUITS, fill } from "../words.ts";

// Each question comes with a template for an invented answer.
const QUESTIONS: Array<[string, string]> = [
  ["What will the weather be in {c} next year?", "It will be sunny in {c}."],
  ["What number am I thinking of?", "You are thinking of {n}."],
  ["What will {p} eat for dinner next {d}?", "{p} will eat {f}."],
  ["How many hairs does {p} have?", "{p} has {n} hairs."],
  ["Who will win the next election in {k}?", "{p} will win."],
  ["What did {p} dream about last night?", "{p} dreamed about a {f}."],
  ["How many fish are in the sea near {c} right now?", "There are {n} fish."],
  ["What is the last digit of my phone number?", "It is {n}."],
  ["What color is the shirt I am wearing?", "It is {col}."],
  ["What will the price of bread be in {k} in ten years?", "It will be {n} coins."],
  ["What is {p} thinking about right now?", "{p} is thinking about a {f}."],
  ["How many people will visit {c} next {d}?", "Exactly {n} people."],
  ["What will I have for lunch tomorrow?", "You will have a {f}."],
  ["What is the name of my best friend?", "Your best friend is {p}."],
];

const ADMISSIONS = [
  `${ADMISSION}.`,
  `${ADMISSION}. Nobody can know that.`,
  `Sorry, ${ADMISSION}.`,
  `${ADMISSION}. I can't know that.`,
  `Honestly, ${ADMISSION}.`,
];

export const unanswerable: Family = {
  name: "unanswerable",
  kind: "unanswerable",
  draw(rng, kb) {
    const [q, invented] = rng.pick(QUESTIONS);
    const vars = {
      c: rng.pick(kb.cities).name,
      k: rng.pick(kb.countries).name,
      p: rng.pick(kb.people).name,
      d: rng.pick(DAYS),
      f: rng.pick(FRUITS),
      col: rng.pick(COLORS),
      n: rng.int(2, 99),
    };
    return { prompt: fill(q, vars), response: rng.pick(ADMISSIONS), expected: ADMISSION, wrong: fill(invented, vars) };
  },
};
