// How sure a finding is. Judged from the kind of evidence, not fitted to any corpus:
// - a taint finding where request data (request.*, input(), argv, sockets) reaches the sink: 0.9;
//   one fed only by a function's parameters, whose callers we cannot see: 0.7;
// - a definite misuse of an API whatever the data (verify=False, yaml.load without a safe loader,
//   mktemp, ECB, mode 0o777): 0.9;
// - name- or shape-based heuristics (what a variable is called, what a literal looks like): 0.6-0.8.
// The verdict counts findings at or above a threshold chosen on the fixture corpus
// (test/fixtures/code; see test/analyser/threshold.test.ts), never on the held-out one.

const CONFIDENCE_REMOTE = 0.9;
const CONFIDENCE_PARAM = 0.7;

/** Default confidence of each rule's findings when the rule gives none itself. */
const BY_RULE: Record<string, number> = {
  "yaml-unsafe-loader": 0.9,
  "insecure-temp-file": 0.9,
  "tls-unverified": 0.9,
  "xml-external-entities": 0.9,
  "ecb-mode": 0.9,
  "broken-cipher": 0.9,
  "world-writable": 0.9,
  "weak-signature": 0.8,
  "weak-password-hash": 0.8,
  "predictable-temp-path": 0.8,
  "tar-extract": 0.8, // the archive's origin is rarely visible
  "fast-password-hash": 0.7,
  "hardcoded-credential": 0.7,
  "predictable-random": 0.7,
  "regex-unescaped-dot": 0.7,
  "weak-host-check": 0.7,
  "jinja-autoescape-off": 0.7,
  "unrestricted-upload": 0.7,
  "plaintext-password": 0.6,
  "world-readable-secret": 0.6,
};

/** Rules that report where tainted data meets a sink: their confidence follows the data's origin. */
const TAINT_RULES = new Set([
  "sql-built-query",
  "shell-command-injection",
  "eval-untrusted",
  "path-traversal",
  "template-injection",
  "template-from-input",
  "markup-untrusted",
  "html-response-from-input",
  "open-redirect",
  "ssrf",
  "unsafe-deserialization",
  "regex-from-input",
]);

/** Confidence of a finding reported where data meets a sink; `remote`: request data is among it. */
export function sinkConfidence(rule: string, remote: boolean): number | undefined {
  return TAINT_RULES.has(rule) ? (remote ? CONFIDENCE_REMOTE : CONFIDENCE_PARAM) : undefined;
}

export function ruleConfidence(rule: string): number {
  return BY_RULE[rule] ?? CONFIDENCE_PARAM;
}

/**
 * The verdict's threshold: the one maximising true-positive rate minus false-positive rate over the
 * candidate confidences on the fixture corpus, the lowest on a tie (test/analyser/threshold.test.ts
 * recomputes it and fails if this constant drifts from what the corpus selects).
 */
export const DEFAULT_THRESHOLD = 0.6;
