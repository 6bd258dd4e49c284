// Validates FHIR R4 resources with an independent validator (the npm
// package `fhir`, errorOnUnexpected: unknown properties are errors too).
// Usage: node validate_fhir.js FILE...   (each FILE: a resource, or an
// array of resources). Prints every problem; exits 1 if any.
'use strict';
const fs = require('fs');
const { Fhir } = require('fhir');

const fhir = new Fhir();
let problems = 0;
let checked = 0;
for (const file of process.argv.slice(2)) {
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  for (const resource of Array.isArray(parsed) ? parsed : [parsed]) {
    checked++;
    const result = fhir.validate(resource, { errorOnUnexpected: true });
    for (const m of result.messages) {
      if (m.severity !== 'error') continue;
      problems++;
      console.log(`${file}: ${resource.resourceType}/${resource.id || '?'}: ` +
                  `${m.location}: ${m.message}`);
    }
  }
}
console.log(`validate_fhir: ${checked} resource(s), ${problems} error(s)`);
process.exit(problems === 0 && checked > 0 ? 0 : 1);
