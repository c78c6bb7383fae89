// What an error may say to a client: the one place where every outgoing
// message is rewritten so that it names the field and the rule, never a value
// the client sent, and is capped in length; and where extensions that describe
// the server's internals (originalError, stack) are dropped.
import { GraphQLError, type GraphQLErrorExtensions } from 'graphql';

export const MAX_MESSAGE_LENGTH = 300;

const NAME = '[_A-Za-z][_0-9A-Za-z]*';
const TYPE = '[_A-Za-z\\[\\]!][_0-9A-Za-z\\[\\]!]*';
/** `input.records[3].promptTokens`: a variable's path as graphql-js prints it. */
const PATH = `${NAME}(?:\\.${NAME}|\\[\\d{1,6}\\])*`;

/** How much of a variable's message (its end) the rules read. */
const RULE_WINDOW = 1024;

const VARIABLE_VALUE = new RegExp(`^Variable "\\$(${NAME})" got invalid value `);
const VARIABLE_PATH = new RegExp(` at "(${PATH})"; `, 'g');

/**
 * The rules graphql-js and graphql-jit state after a variable's printed value, each rewritten from a fixed
 * vocabulary: only schema names (fields, types) are kept, taken where a printed value cannot reach (quoted names
 * after fixed words; a printed string escapes its quotes).
 */
const VARIABLE_RULES: readonly [RegExp, (match: RegExpExecArray) => string][] = [
  [new RegExp(`Field "(${NAME})" is not defined by type "?(${NAME})"?`), (m) => `field "${m[1]}" is not defined by type ${m[2]}`],
  [new RegExp(`Field "(${NAME})" of required type "?(${TYPE})"? was not provided`), (m) => `field "${m[1]}" of type ${m[2]} is required`],
  [new RegExp(`Expected non-nullable type "?(${TYPE})"? not to be null`), (m) => `must not be null (${m[1]})`],
  [new RegExp(`Expected type "?(${TYPE})"? to be an object`), (m) => `must be an object of type ${m[1]}`],
  [new RegExp(`does not exist in "(${NAME})" enum`), (m) => `not a value of ${m[1]}`],
  [new RegExp(`(${NAME}) cannot represent`), (m) => `not a valid ${m[1]}`],
  [new RegExp(`Expected type "?(${TYPE})"?`), (m) => `not a valid ${m[1]}`],
];

/**
 * `Variable "$input" got invalid value {…password…} at "input.email"; Expected …` without the value. graphql-js
 * prints the path from the variable (`input.email`); graphql-jit, which runs queries and mutations, names the
 * innermost field as if it were the variable (`$email`) and prints no path: the message names what it was given.
 */
function variableMessage(whole: string, variable: string): string {
  // Only the end is read: the path and the rule follow the printed value, which may be megabytes long, and the
  // rules' patterns (a name, then fixed words) would try every position of it (a 220 KB email address took 13 s).
  const message = whole.length > RULE_WINDOW ? whole.slice(-RULE_WINDOW) : whole;
  const paths = [...message.matchAll(VARIABLE_PATH)].map((match) => match[1] as string);
  // The last one: a printed value could contain text shaped like a path, but never after graphql-js' own.
  const path = paths.at(-1) ?? variable;
  let rule = 'invalid value';
  for (const [pattern, describe] of VARIABLE_RULES) {
    // The last occurrence: the rule follows the printed value.
    const matches = [...message.matchAll(new RegExp(pattern.source, 'g'))];
    const match = matches.at(-1);
    if (match) {
      rule = describe(match as RegExpExecArray);
      break;
    }
  }
  return `Invalid variable value at "${path}": ${rule}.`;
}

/** Rules that print a literal of the document, or a value, after fixed words: the value is cut. */
const VALUE_TAILS: readonly [RegExp, string][] = [
  [new RegExp(`(Expected value of type "${TYPE}"), found [\\s\\S]*$`), '$1.'],
  [/(cannot represent[^:]*?value)\s*:[\s\S]*$/, '$1.'],
  // Scalars' own words, graphql-scalars' among them: `Value is not a valid DateTime: <value>`.
  [/^(Value is not [^:]{1,60}):[\s\S]*$/, '$1.'],
  [new RegExp(`Value "(?:[^"\\\\]|\\\\.)*" does not exist in "(${NAME})" enum\\.?`), 'Value does not exist in "$1" enum.'],
];

/** The message a client may see: no submitted value, at most MAX_MESSAGE_LENGTH characters. */
export function clientMessage(message: string): string {
  const variable = VARIABLE_VALUE.exec(message);
  let text = message;
  if (variable) text = variableMessage(message, variable[1] as string);
  else for (const [pattern, replacement] of VALUE_TAILS) text = text.replace(pattern, replacement);
  return text.length > MAX_MESSAGE_LENGTH ? `${text.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : text;
}

/** Extensions never sent: what Yoga and libraries attach about the fault inside the server. */
const INTERNAL_EXTENSIONS = ['originalError', 'stack', 'exception'];

/** The error as a client may see it (the same object when nothing needed changing). */
export function clientError(error: GraphQLError): GraphQLError {
  const message = clientMessage(error.message);
  const extensions = error.extensions ?? {};
  const leaks = INTERNAL_EXTENSIONS.some((name) => name in extensions);
  if (message === error.message && !leaks) return error;
  const kept: GraphQLErrorExtensions = { ...extensions };
  for (const name of INTERNAL_EXTENSIONS) delete kept[name];
  // Yoga answers a spec error with 200 under application/json unless it carries a non-GraphQL originalError: the
  // status it chose with the originalError stays without it.
  const http = kept.http as { spec?: boolean } | undefined;
  if (http?.spec && 'originalError' in extensions) kept.http = { ...http, spec: false };
  return new GraphQLError(message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions: kept,
  });
}
