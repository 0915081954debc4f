// Number families: small arithmetic, comparison, unit conversion, sorting numbers. Operands stay
// small (2-digit sums, one-digit products) so a tiny model can actually learn the answers.
import type { Rng } from "../../util/rng.ts";
import { helpfulDraw, nearNumber, type Family } from "../family.ts";

/** Two operands and their result; a nearby number (within `spread`) is the wrong answer. */
function arithmetic(
  name: string,
  operands: (rng: Rng) => [number, number],
  result: (a: number, b: number) => number,
  questions: readonly string[],
  answers: readonly string[],
  spread?: number,
): Family {
  return {
    name,
    kind: "helpful",
    draw(rng) {
      const [a, b] = operands(rng);
      const r = result(a, b);
      return helpfulDraw(rng, questions, answers, { a, b }, String(r), () => nearNumber(rng, r, spread));
    },
  };
}

export const add = arithmetic(
  "add",
  (rng) => [rng.int(1, 49), rng.int(1, 49)],
  (a, b) => a + b,
  [
    "What is {a} + {b}?",
    "What is {a} plus {b}?",
    "Add {a} and {b}.",
    "Compute {a} + {b}.",
    "How much is {a} plus {b}?",
    "What do you get when you add {a} and {b}?",
  ],
  ["{a} + {b} = {answer}.", "The answer is {answer}.", "It is {answer}.", "{answer}."],
);

const subtract = arithmetic(
  "subtract",
  (rng) => {
    const a = rng.int(2, 99);
    return [a, rng.int(1, a - 1)];
  },
  (a, b) => a - b,
  [
    "What is {a} - {b}?",
    "What is {a} minus {b}?",
    "Subtract {b} from {a}.",
    "Take {b} away from {a}. What is left?",
    "Compute {a} - {b}.",
  ],
  ["{a} - {b} = {answer}.", "The answer is {answer}.", "It is {answer}.", "{answer}."],
);

const multiply = arithmetic(
  "multiply",
  (rng) => [rng.int(2, 9), rng.int(2, 9)],
  (a, b) => a * b,
  [
    "What is {a} times {b}?",
    "What is {a} x {b}?",
    "Multiply {a} by {b}.",
    "Compute {a} * {b}.",
    "How much is {a} times {b}?",
  ],
  ["{a} x {b} = {answer}.", "The answer is {answer}.", "It is {answer}.", "{answer}."],
  9,
);

export const compare: Family = {
  name: "compare",
  kind: "helpful",
  draw(rng) {
    const a = rng.int(1, 99);
    let b = rng.int(1, 99);
    while (b === a) b = rng.int(1, 99);
    const bigger = rng.bool();
    const right = bigger ? Math.max(a, b) : Math.min(a, b);
    const wrong = bigger ? Math.min(a, b) : Math.max(a, b);
    const w = bigger ? "bigger" : "smaller";
    return helpfulDraw(
      rng,
      bigger
        ? [
            "Which is bigger, {a} or {b}?",
            "Which number is larger: {a} or {b}?",
            "Pick the bigger number: {a} or {b}.",
            "Is {a} or {b} bigger?",
          ]
        : [
            "Which is smaller, {a} or {b}?",
            "Which number is less: {a} or {b}?",
            "Pick the smaller number: {a} or {b}.",
            "Is {a} or {b} smaller?",
          ],
      [`{answer} is ${w}.`, "The answer is {answer}.", "{answer}."],
      { a, b },
      String(right),
      () => String(wrong),
    );
  },
};

interface Unit {
  one: string;
  many: string;
}
const CONVERSIONS: Array<[Unit, Unit, number]> = [
  [{ one: "hour", many: "hours" }, { one: "minute", many: "minutes" }, 60],
  [{ one: "minute", many: "minutes" }, { one: "second", many: "seconds" }, 60],
  [{ one: "day", many: "days" }, { one: "hour", many: "hours" }, 24],
  [{ one: "week", many: "weeks" }, { one: "day", many: "days" }, 7],
  [{ one: "year", many: "years" }, { one: "month", many: "months" }, 12],
  [{ one: "kilometer", many: "kilometers" }, { one: "meter", many: "meters" }, 1000],
  [{ one: "meter", many: "meters" }, { one: "centimeter", many: "centimeters" }, 100],
  [{ one: "kilogram", many: "kilograms" }, { one: "gram", many: "grams" }, 1000],
  [{ one: "liter", many: "liters" }, { one: "milliliter", many: "milliliters" }, 1000],
  [{ one: "dozen", many: "dozen" }, { one: "egg", many: "eggs" }, 12],
];

const unitConversion: Family = {
  name: "unit-conversion",
  kind: "helpful",
  draw(rng) {
    const [from, to, factor] = rng.pick(CONVERSIONS);
    const v = rng.int(1, 9);
    const r = v * factor;
    const vars = { v, from: v === 1 ? from.one : from.many, to: to.many };
    return helpfulDraw(
      rng,
      [
        "How many {to} are in {v} {from}?",
        "Convert {v} {from} to {to}.",
        "What is {v} {from} in {to}?",
        "{v} {from} is how many {to}?",
      ],
      ["{v} {from} is {answer} {to}.", "That is {answer} {to}.", "{answer} {to}."],
      vars,
      String(r),
      () => String(rng.bool() || r - factor <= 0 ? r + factor : r - factor),
    );
  },
};

function distinctNumbers(rng: Rng, k: number): number[] {
  const out = new Set<number>();
  while (out.size < k) out.add(rng.int(1, 99));
  return [...out];
}

const sortNumbers: Family = {
  name: "sort-numbers",
  kind: "helpful",
  draw(rng) {
    const xs = distinctNumbers(rng, rng.int(3, 5));
    const up = rng.bool(0.7);
    const sorted = xs.slice().sort((p, q) => (up ? p - q : q - p));
    const list = xs.join(", ");
    const expected = sorted.join(", ");
    return helpfulDraw(
      rng,
      up
        ? [
            "Sort these numbers from smallest to largest: {list}.",
            "Put {list} in order from small to big.",
            "Order these numbers: {list}.",
            "Sort {list} in increasing order.",
          ]
        : [
            "Sort these numbers from largest to smallest: {list}.",
            "Put {list} in order from big to small.",
            "Sort {list} in decreasing order.",
          ],
      ["{answer}", "In order: {answer}.", "Sorted: {answer}."],
      { list },
      expected,
      () => {
        const w = sorted.slice();
        const i = rng.int(0, w.length - 2);
        [w[i], w[i + 1]] = [w[i + 1], w[i]];
        return w.join(", ");
      },
    );
  },
};

export const MATH_FAMILIES: Family[] = [add, subtract, multiply, compare, unitConversion, sortNumbers];
