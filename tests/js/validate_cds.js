// Validates CDS Hooks 2.0 JSON against cds_hooks_schema.json with ajv.
// Usage: node validate_cds.js discovery|response FILE. Prints each error;
// exits 1 if any.
'use strict';
const fs = require('fs');
const path = require('path');
const Ajv = require('ajv');

const [kind, file] = process.argv.slice(2);
const doc = JSON.parse(fs.readFileSync(path.join(__dirname, 'cds_hooks_schema.json'), 'utf8'));
if (!doc[kind]) {
  console.log(`validate_cds: unknown kind ${kind} (discovery or response)`);
  process.exit(2);
}
// The top-level schema for `kind`, with the shared definitions beside it.
const schema = { ...doc[kind], definitions: doc.definitions };
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
const validate = ajv.compile(schema);
const data = JSON.parse(fs.readFileSync(file, 'utf8'));
if (validate(data)) {
  console.log(`validate_cds: ${kind} valid`);
  process.exit(0);
}
for (const e of validate.errors) console.log(`${file}: ${e.instancePath || '/'}: ${e.message}`);
console.log(`validate_cds: ${kind}: ${validate.errors.length} error(s)`);
process.exit(1);
