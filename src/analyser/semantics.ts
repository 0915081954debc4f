// What known library calls do to taint: sources of untrusted data, sanitisers, path builders,
// normalisers. Names are resolved through the file's imports first ("from os.path import join"
// makes `join` "os.path.join"); methods on unknown receivers match by their last segment.
import { ALL_KINDS, K } from "./types.ts";

/** Roots of attribute chains that hold attacker-controlled data. */
export const SOURCE_ROOTS = new Set([
  "request", // Flask's global (unresolved), Django/FastAPI/aiohttp handler arguments named request
  "req",
  "flask.request",
  "bottle.request",
  "sys.argv",
  "sys.stdin",
]);

/** Identifier segments that name a password or secret (not a token or a file digest). */
export const PASSWORD_NAME =
  /(^|_)(pass|password|passwd|passwort|pwd|pw|passphrase|secret|credentials?)(_|$)|password|passwd/i;
/** A password-named value that is the password itself, not its hash or ciphertext. */
export function isPlainPasswordName(name: string): boolean {
  return PASSWORD_NAME.test(name) && !/hash|digest|crypt|salt|enc(_|$)|policy|reset|field|url|min|max|len/i.test(name);
}

/** Attributes of `self` that hold request data in http.server / socketserver handlers. */
export const SELF_SOURCES = new Set(["path", "headers", "rfile", "requestline", "client_address"]);

/** Calls whose result is attacker-controlled. */
export const SOURCE_CALLS = new Set([
  "input",
  "getpass.getpass",
  "raw_input",
  "sys.stdin.read",
  "sys.stdin.readline",
  "requests.get",
  "requests.post",
  "urllib.request.urlopen",
  "flask.request.get_json",
]);

/** Socket-style methods whose result is attacker-controlled whatever the receiver. */
export const SOURCE_METHODS = new Set([
  "recv",
  "recvfrom",
  "recv_into",
  "get_json",
  "get_argument",
  "get_query_argument",
  "get_body_argument",
]);

/** Calls whose result is trusted whatever went in (numbers, booleans, digests, fresh randomness). */
export const CLEAN_CALLS = new Set([
  "int",
  "float",
  "bool",
  "len",
  "abs",
  "round",
  "hash",
  "ord",
  "id",
  "isinstance",
  "callable",
  "uuid.UUID",
  "uuid.uuid4",
  "decimal.Decimal",
  "datetime.date.fromisoformat",
  "os.path.exists",
  "os.path.isfile",
  "os.path.isdir",
  "os.path.getsize",
  "secrets.token_hex",
  "secrets.token_urlsafe",
  "secrets.token_bytes",
  "secrets.compare_digest",
  "hmac.compare_digest",
  "hmac.new",
  "random.randint",
  "random.random",
  "time.time",
  "werkzeug.security.generate_password_hash",
  "werkzeug.security.check_password_hash",
  "bcrypt.hashpw",
  "bcrypt.checkpw",
  "bcrypt.gensalt",
  "hashlib.pbkdf2_hmac",
  "hashlib.scrypt",
  "flask.url_for",
  "url_for",
  "flask.render_template",
  "render_template",
  "flask.render_template_string",
  "render_template_string",
  "django.urls.reverse",
  "reverse",
  "flask.jsonify",
  "jsonify",
  "argon2.PasswordHasher.hash",
  "passlib.hash.bcrypt.hash",
  "passlib.hash.argon2.hash",
  "passlib.hash.pbkdf2_sha256.hash",
  "django.contrib.auth.hashers.make_password",
  "make_password",
]);

/** Methods whose result is trusted (booleans, counts, digests). */
export const CLEAN_METHODS = new Set([
  "hexdigest",
  "digest",
  "count",
  "index",
  "find",
  "rfind",
  "startswith",
  "endswith",
  "isdigit",
  "isalnum",
  "isalpha",
  "isdecimal",
  "isnumeric",
  "isidentifier",
  "exists",
  "is_file",
  "is_dir",
  "fetchone_count",
  "rowcount",
  "encrypt",
  "encrypt_and_digest",
  "hash",
  "render",
  "render_template",
]);

/** Sanitisers: calls that clear some kinds of danger. */
export const SANITIZERS = new Map<string, number>([
  ["shlex.quote", K.SHELL],
  ["pipes.quote", K.SHELL],
  ["shlex.join", K.SHELL],
  ["html.escape", K.HTML],
  ["cgi.escape", K.HTML],
  ["markupsafe.escape", K.HTML],
  ["flask.escape", K.HTML],
  ["jinja2.escape", K.HTML],
  ["escape", K.HTML],
  ["bleach.clean", K.HTML],
  ["django.utils.html.escape", K.HTML],
  ["xml.sax.saxutils.escape", K.HTML],
  ["markupsafe.Markup.escape", K.HTML],
  // secure_filename keeps only [A-Za-z0-9_.-]: harmless to paths, shells, HTML, SQL; still a host name
  ["werkzeug.utils.secure_filename", ALL_KINDS & ~K.URL],
  ["werkzeug.secure_filename", ALL_KINDS & ~K.URL],
  ["secure_filename", ALL_KINDS & ~K.URL],
  ["re.escape", K.REGEX],
  ["django.utils.text.get_valid_filename", ALL_KINDS & ~K.URL],
  ["django.utils.html.format_html", K.HTML],
  ["format_html", K.HTML],
  ["os.path.basename", K.PATH],
  ["posixpath.basename", K.PATH],
  ["werkzeug.utils.safe_join", K.PATH],
  ["werkzeug.security.safe_join", K.PATH],
  ["flask.safe_join", K.PATH],
  ["flask.helpers.safe_join", K.PATH],
  ["safe_join", K.PATH],
  ["ast.literal_eval", K.CODE],
  ["psycopg2.sql.Identifier", K.SQL],
  ["psycopg2.sql.Literal", K.SQL],
  ["sql.Identifier", K.SQL],
  ["sql.Literal", K.SQL],
  ["pymysql.converters.escape_string", K.SQL],
  ["MySQLdb.escape_string", K.SQL],
  ["escape_string", K.SQL],
]);

/** Methods that sanitise whatever the receiver (e.g. `conn.escape_string(x)`, `Markup.escape`). */
export const SANITIZER_METHODS = new Map<string, number>([
  ["escape_string", K.SQL],
  ["quote_ident", K.SQL],
  ["literal", K.SQL],
]);

/** Calls that return their (path) input normalised: a containment check on the result is meaningful. */
export const NORMALIZERS = new Set([
  "os.path.realpath",
  "os.path.abspath",
  "os.path.normpath",
  "posixpath.realpath",
  "posixpath.abspath",
  "posixpath.normpath",
]);
export const NORMALIZER_METHODS = new Set(["resolve", "absolute"]);

/** Calls that glue path or string pieces together: the result is "built" if a piece is tainted. */
export const BUILDERS = new Set([
  "os.path.join",
  "posixpath.join",
  "pathlib.Path",
  "pathlib.PurePath",
  "pathlib.PosixPath",
  "Path",
  "str.format",
  "str.join",
]);
export const BUILDER_METHODS = new Set(["format", "join", "joinpath", "format_map", "replace"]);

/** Methods that add their arguments into the receiver (a list of query parts, a dict of options). */
export const MUTATING_METHODS = new Set(["append", "extend", "insert", "add", "update", "write"]);

/** Markup types whose `%`, `+` and `.format` escape the other operand. */
export const MARKUP_CTORS = new Set([
  "markupsafe.Markup",
  "flask.Markup",
  "jinja2.Markup",
  "Markup",
  "markupsafe.escape",
  "flask.escape",
]);

export { ALL_KINDS };
