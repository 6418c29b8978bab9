// Checks the client's message types against the AsyncAPI document: every kind of the
// `ServerMessage` union (src/messages.ts) has exactly the property names and the required set
// of the server message of that `type` in docs/asyncapi.json, every kind of `ClientMessage`
// those of the client message, `Quote` those of the `Quote` schema; and every message the
// document lists has a kind in the union (except `format=array`'s bare arrays, which this
// client does not speak). Reads the types with the TypeScript compiler itself.
//
//   SDK_NODE_DIR=<folder with node_modules/typescript> node check-asyncapi.mjs <asyncapi.json>
//
// Prints one line per problem and exits 1, or prints what it checked and exits 0.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(process.env.SDK_NODE_DIR ?? here, 'node_modules', 'x.js'));
const ts = require('typescript');
const doc = JSON.parse(readFileSync(process.argv[2], 'utf8'));

// ---- the types, as the compiler sees them -------------------------------------------------
const file = join(here, '..', 'src', 'messages.ts');
const program = ts.createProgram([file], { strict: true, target: ts.ScriptTarget.ES2020, noEmit: true });
const checker = program.getTypeChecker();
const source = program.getSourceFile(file);
const declared = new Map();
ts.forEachChild(source, (node) => {
  if ((ts.isTypeAliasDeclaration(node) || ts.isInterfaceDeclaration(node)) && node.name) {
    declared.set(node.name.text, checker.getTypeAtLocation(node.name));
  }
});

/** {names, required} of an object type. */
function shape(type) {
  const names = [];
  const required = [];
  for (const p of checker.getPropertiesOfType(type)) {
    names.push(p.name);
    if (!(p.flags & ts.SymbolFlags.Optional)) required.push(p.name);
  }
  return { names: names.sort(), required: required.sort() };
}

/** kind → shape, for each member of a union declared in messages.ts. */
function kinds(unionName) {
  const out = new Map();
  for (const member of declared.get(unionName).types) {
    const typeProp = checker.getPropertyOfType(member, 'type');
    const literal = checker.getTypeOfSymbolAtLocation(typeProp, source);
    out.set(literal.value, shape(member));
  }
  return out;
}

// ---- the document ---------------------------------------------------------------------------
function resolve(ref) {
  return ref.replace(/^#\//, '').split('/').reduce((o, k) => o[k.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
}
function deref(x) {
  return x && x.$ref ? deref(resolve(x.$ref)) : x;
}
/** kind → shape, for the messages of an operation (`send`: the server's, `receive`: the client's). */
function schemaKinds(action) {
  const out = new Map();
  const skipped = [];
  for (const op of Object.values(doc.operations ?? {})) {
    if (op.action !== action) continue;
    for (const ref of op.messages ?? []) {
      const msg = deref(ref);
      const payload = deref(msg.payload);
      const kind = payload?.properties?.type?.const;
      if (kind == null) {
        skipped.push(msg.name ?? ref.$ref);
        continue;
      }
      out.set(kind, {
        names: Object.keys(payload.properties).sort(),
        required: [...(payload.required ?? [])].sort(),
      });
    }
  }
  return { out, skipped };
}

const problems = [];
const checked = [];
function compare(label, mine, theirs) {
  const a = JSON.stringify(mine.names);
  const b = JSON.stringify(theirs.names);
  if (a !== b) problems.push(`${label}: properties ${a} in src/messages.ts, ${b} in the AsyncAPI document`);
  const c = JSON.stringify(mine.required);
  const d = JSON.stringify(theirs.required);
  if (c !== d) problems.push(`${label}: required ${c} in src/messages.ts, ${d} in the AsyncAPI document`);
  checked.push(label);
}
function compareUnion(unionName, action) {
  const mine = kinds(unionName);
  const { out: theirs, skipped } = schemaKinds(action);
  for (const name of skipped) {
    if (name !== 'array') problems.push(`${unionName}: the document's message ${name} has no \`type\` const`);
  }
  for (const [kind, s] of theirs) {
    if (!mine.has(kind)) problems.push(`${unionName}: the document's \`${kind}\` message is missing from the union`);
    else compare(`${unionName} \`${kind}\``, mine.get(kind), s);
  }
  for (const kind of mine.keys()) {
    if (!theirs.has(kind)) problems.push(`${unionName}: \`${kind}\` is not in the document`);
  }
}

if (!doc.operations) problems.push('the document has no operations');
compareUnion('ServerMessage', 'send');
compareUnion('ClientMessage', 'receive');
const quoteSchema = doc.components?.schemas?.Quote;
if (!quoteSchema) problems.push('the document has no Quote schema');
else compare('Quote', shape(declared.get('Quote')), {
  names: Object.keys(quoteSchema.properties).sort(),
  required: [...(quoteSchema.required ?? [])].sort(),
});

if (problems.length) {
  for (const p of problems) console.log(p);
  process.exit(1);
}
console.log(`checked against the AsyncAPI document: ${checked.join(', ')}`);
