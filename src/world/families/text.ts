// Word and list families: counting, sorting words, string edits, spelling, days and months.
// Every answer is a deterministic function of the prompt's own words.
import type { Rng } from "../../util/rng.ts";
import { helpfulDraw, nearNumber, otherThan, type Family } from "../family.ts";
import { ANIMALS, COLORS, DAYS, FRUITS, MONTHS, WORDS } from "../words.ts";

function swapTwo(rng: Rng, s: string): string {
  const chars = [...s];
  for (let t = 0; t < 20; t++) {
    const i = rng.int(0, chars.length - 2);
    if (chars[i] !== chars[i + 1]) {
      [chars[i], chars[i + 1]] = [chars[i + 1], chars[i]];
      return chars.join("");
    }
  }
  return s + s[0];
}

/** A family asking one thing about one word: `answer` gives the right value, `wrong` a near miss of it. */
function wordFamily(
  name: string,
  questions: readonly string[],
  answers: readonly string[],
  answer: (w: string) => string,
  wrong: (rng: Rng, w: string, right: string) => string,
): Family {
  return {
    name,
    kind: "helpful",
    draw(rng) {
      const w = rng.pick(WORDS);
      const right = answer(w);
      return helpfulDraw(rng, questions, answers, { w }, right, () => wrong(rng, w, right));
    },
  };
}

const countLetters = wordFamily(
  "count-letters",
  [
    "How many letters are in the word {w}?",
    "How many letters does {w} have?",
    "Count the letters in {w}.",
    "What is the length of the word {w}?",
  ],
  ["The word {w} has {answer} letters.", "It has {answer} letters.", "{answer} letters."],
  (w) => String(w.length),
  (rng, w) => nearNumber(rng, w.length, 2),
);

const CATEGORIES: Array<readonly string[]> = [FRUITS, COLORS, ANIMALS];

const countItems: Family = {
  name: "count-items",
  kind: "helpful",
  draw(rng) {
    const items = rng.sample(rng.pick(CATEGORIES), rng.int(2, 6));
    return helpfulDraw(
      rng,
      [
        "How many words are in this list: {list}?",
        "Count the items: {list}.",
        "How many things are here: {list}?",
        "I named {list}. How many is that?",
      ],
      ["There are {answer}.", "I count {answer}.", "{answer} items.", "{answer}."],
      { list: items.join(", ") },
      String(items.length),
      () => nearNumber(rng, items.length, 2),
    );
  },
};

const sortWords: Family = {
  name: "sort-words",
  kind: "helpful",
  draw(rng) {
    const items = rng.sample(rng.bool() ? WORDS : rng.pick(CATEGORIES), rng.int(3, 4));
    const sorted = items.slice().sort();
    return helpfulDraw(
      rng,
      [
        "Put these words in alphabetical order: {list}.",
        "Sort alphabetically: {list}.",
        "Sort these words from A to Z: {list}.",
        "Order {list} by the alphabet.",
      ],
      ["{answer}", "In order: {answer}.", "Sorted: {answer}."],
      { list: items.join(", ") },
      sorted.join(", "),
      () => {
        const w = sorted.slice();
        const i = rng.int(0, w.length - 2);
        [w[i], w[i + 1]] = [w[i + 1], w[i]];
        return w.join(", ");
      },
    );
  },
};

const reverseWord = wordFamily(
  "reverse",
  ["Reverse the word {w}.", "Write {w} backwards.", "Spell {w} in reverse.", "What is {w} written backwards?"],
  ["{answer}", "The reverse of {w} is {answer}.", "Backwards, {w} is {answer}."],
  (w) => [...w].reverse().join(""),
  (rng, _w, rev) => swapTwo(rng, rev),
);

const uppercase = wordFamily(
  "uppercase",
  [
    "Write {w} in capital letters.",
    "Make {w} uppercase.",
    "Convert {w} to upper case.",
    "Write the word {w} in all caps.",
  ],
  ["{answer}", "In capitals: {answer}.", "In caps, {w} is {answer}."],
  (w) => w.toUpperCase(),
  (rng, _w, upper) => swapTwo(rng, upper),
);

const firstLetter = wordFamily(
  "first-letter",
  [
    "What is the first letter of {w}?",
    "Which letter does {w} start with?",
    "What letter does the word {w} begin with?",
    "Name the first letter of {w}.",
  ],
  ["The first letter of {w} is {answer}.", "It starts with {answer}.", "The letter {answer}."],
  (w) => w[0],
  (rng, _w, first) => otherThan(rng, [..."abcdefghijklmnoprstuw"], first),
);

const spell = wordFamily(
  "spell",
  ["Spell the word {w}.", "How do you spell {w}?", "Spell {w} letter by letter.", "Spell out {w} with dashes."],
  ["The word {w} is spelled {answer}.", "{answer}", "It is spelled {answer}."],
  (w) => [...w].join("-"),
  (rng, w) => [...swapTwo(rng, w)].join("-"),
);

const dates: Family = {
  name: "dates",
  kind: "helpful",
  draw(rng) {
    const useDays = rng.bool(0.65);
    const list: readonly string[] = useDays ? DAYS : MONTHS;
    const i = rng.int(0, list.length - 1);
    const unit = useDays ? "day" : "month";
    const mode = rng.int(0, useDays ? 2 : 1);
    const k = mode === 2 ? rng.int(2, 5) : mode === 0 ? 1 : -1;
    const right = list[(i + k + list.length) % list.length];
    const questions =
      mode === 0
        ? [`What ${unit} comes after {x}?`, `What is the ${unit} after {x}?`, `Which ${unit} follows {x}?`]
        : mode === 1
          ? [`What ${unit} comes before {x}?`, `What is the ${unit} before {x}?`, `Which ${unit} is just before {x}?`]
          : ["What day is {k} days after {x}?", "If today is {x}, what day is it in {k} days?"];
    return helpfulDraw(
      rng,
      questions,
      ["It is {answer}.", "{answer}.", "The answer is {answer}."],
      { x: list[i], k },
      right,
      () => otherThan(rng, list, right),
    );
  },
};

export const TEXT_FAMILIES: Family[] = [
  countLetters,
  countItems,
  sortWords,
  reverseWord,
  uppercase,
  firstLetter,
  spell,
  dates,
];
