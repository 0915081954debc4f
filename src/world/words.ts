// The small, fixed vocabulary the world is built from. Tiny models learn a world only if its
// words repeat, so every family draws from these few lists.

/** Short common words for string tasks (no palindromes, nothing containing "hate"). */
export const WORDS = [
  "cat",
  "dog",
  "sun",
  "map",
  "cup",
  "pen",
  "box",
  "hat",
  "bed",
  "car",
  "lamp",
  "fish",
  "tree",
  "milk",
  "rain",
  "ship",
  "door",
  "bird",
  "frog",
  "star",
  "apple",
  "river",
  "table",
  "chair",
  "bread",
  "stone",
  "cloud",
  "green",
  "horse",
  "light",
  "plant",
  "water",
  "paper",
  "music",
  "house",
  "train",
  "smile",
  "tiger",
  "lemon",
  "candle",
  "garden",
  "window",
  "pencil",
  "rocket",
  "basket",
  "orange",
  "button",
  "forest",
  "island",
  "winter",
] as const;

export const FRUITS = [
  "apple",
  "pear",
  "plum",
  "grape",
  "lemon",
  "mango",
  "peach",
  "cherry",
  "melon",
  "banana",
] as const;
export const COLORS = [
  "red",
  "blue",
  "green",
  "yellow",
  "black",
  "white",
  "pink",
  "brown",
  "purple",
  "orange",
] as const;
export const ANIMALS = [
  "owl",
  "bear",
  "wolf",
  "fox",
  "eagle",
  "deer",
  "lion",
  "tiger",
  "swan",
  "whale",
  "crane",
  "otter",
] as const;
export const PETS = [
  "cat",
  "dog",
  "parrot",
  "rabbit",
  "turtle",
  "hamster",
  "goldfish",
  "lizard",
  "goat",
  "pony",
] as const;
export const JOBS = [
  "baker",
  "doctor",
  "pilot",
  "farmer",
  "teacher",
  "nurse",
  "painter",
  "chef",
  "singer",
  "builder",
  "driver",
  "writer",
  "dentist",
  "plumber",
  "tailor",
  "artist",
] as const;

export const FIRST_NAMES = [
  "Ana",
  "Ben",
  "Cleo",
  "Dara",
  "Eli",
  "Finn",
  "Gia",
  "Hugo",
  "Ines",
  "Jon",
  "Kai",
  "Lena",
  "Milo",
  "Nora",
  "Omar",
  "Pia",
  "Rosa",
  "Sami",
  "Tara",
  "Ugo",
  "Vera",
  "Wes",
  "Yara",
  "Zane",
  "Ivo",
  "Maya",
  "Nils",
  "Otto",
  "Rafi",
  "Suki",
  "Theo",
  "Uma",
  "Wren",
  "Zoe",
  "Abe",
  "Lior",
  "Mei",
  "Arlo",
  "Edda",
  "Bram",
] as const;

export const DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"] as const;
export const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
] as const;

/** Friendly wrappers that multiply phrasings without adding many new words. */
export const PREFIXES = [
  "",
  "",
  "",
  "",
  "Hi! ",
  "Hello. ",
  "Quick question: ",
  "I have a question. ",
  "Please help. ",
] as const;
export const SUFFIXES = ["", "", "", "", " Thanks!", " Thank you.", " Please be brief."] as const;

export function article(noun: string): string {
  return /^[aeiou]/i.test(noun) ? `an ${noun}` : `a ${noun}`;
}

/** Replace `{name}` placeholders; `{{` and `}}` are literal braces (needed for Python f-strings). */
export function fill(template: string, vars: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{\{|\}\}|\{([a-zA-Z_][a-zA-Z0-9_]*)\}/g, (m, name: string | undefined) => {
    if (m === "{{") return "{";
    if (m === "}}") return "}";
    const v = vars[name as string];
    if (v === undefined) throw new Error(`template slot {${name}} has no value`);
    return String(v);
  });
}
