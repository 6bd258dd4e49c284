#!/usr/bin/env node
// Medius client example (Node.js, @grpc/grpc-js + @grpc/proto-loader).
//
// Calls a Medius server the way an EMR integration would:
//   1. Assess: a first consultation for lateral hip pain; prints the leading
//      diagnoses with their probabilities and any red flags;
//   2. a deliberately malformed Assess: reads the google.rpc.BadRequest
//      field violations from the error details (the grpc-status-details-bin
//      trailer), decoded with protobufjs;
//   3. grpc.health.v1.Health/Check for "medius.v1.AssessmentService".
// Exits 0 when all three behave as documented, 1 otherwise.
//
// Usage (after npm ci; see README.md):
//   node medius_client.js --server 127.0.0.1:50051
//   MEDIUS_SERVER=127.0.0.1:50051 node medius_client.js
// Env MEDIUS_PROTO_DIR: the directory holding medius/v1/ and vendor/
// (default: the repository's proto/).
'use strict';

const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const protobuf = require('protobufjs');

const SERVICE = 'medius.v1.AssessmentService';
const TIMEOUT_MS = 10000; // every call gets a deadline

const protoDir =
  process.env.MEDIUS_PROTO_DIR || path.join(__dirname, '..', '..', '..', 'proto');
// The vendored standard protocols (grpc.health.v1, google.rpc) are an import
// root of their own, proto/vendor (proto/vendor/README.md).
const vendorDir = path.join(protoDir, 'vendor');

// Field names as in the .proto files (snake_case), enums as their names.
const loaderOptions = {
  keepCase: true,
  enums: String,
  longs: String,
  defaults: true,
  oneofs: true,
};

function loadService(file, includeDir) {
  return grpc.loadPackageDefinition(
    protoLoader.loadSync(file, { ...loaderOptions, includeDirs: [includeDir] }),
  );
}

// google.rpc.Status and google.rpc.BadRequest, for the error details.
// protobufjs brings google/protobuf/any.proto and duration.proto itself.
function loadErrorTypes() {
  const root = new protobuf.Root();
  root.resolvePath = (origin, target) =>
    path.isAbsolute(target) ? target : path.join(vendorDir, target);
  root.loadSync(['google/rpc/status.proto', 'google/rpc/error_details.proto'], {
    keepCase: true,
  });
  return {
    Status: root.lookupType('google.rpc.Status'),
    BadRequest: root.lookupType('google.rpc.BadRequest'),
  };
}

function parseServer(argv) {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--server' && i + 1 < argv.length) return argv[i + 1];
    if (argv[i].startsWith('--server=')) return argv[i].slice('--server='.length);
    throw new Error(`unknown argument ${argv[i]} (usage: --server HOST:PORT)`);
  }
  return process.env.MEDIUS_SERVER || '127.0.0.1:50051';
}

// Promisified unary call with a deadline.
function call(client, method, request) {
  return new Promise((resolve, reject) => {
    client[method](request, { deadline: Date.now() + TIMEOUT_MS }, (err, response) =>
      err ? reject(err) : resolve(response),
    );
  });
}

// A 54-year-old woman with 20 weeks of right lateral hip pain
// (examples/gluteal_tendinopathy.json). Only what was assessed is sent:
// present: false means "tested and absent".
function consultationRequest() {
  const present = {
    lateral_hip_pain: true,
    groin_pain: false,
    pain_below_knee: false,
    low_back_pain: false,
    pain_lying_on_affected_side: true,
    pain_stairs: true,
    pain_crossing_legs: true,
    difficulty_shoes_socks: false,
    insidious_onset: true,
    // The core red-flag screen: asked, and all absent.
    fever_or_systemically_unwell: false,
    history_of_cancer: false,
    unexplained_weight_loss: false,
    saddle_anaesthesia: false,
    bladder_bowel_dysfunction: false,
    inability_to_weight_bear: false,
    night_pain: false,
    // Examination.
    greater_trochanter_tenderness: true,
    single_leg_stance_30s_pain: true,
    resisted_abduction_pain: true,
    trendelenburg_sign: false,
    faber_lateral_pain: true,
    hip_internal_rotation_restricted: false,
    slr_positive: false,
    neuro_deficit: false,
    pain_constant_unremitting: false,
    significant_trauma: false,
  };
  const measured = { symptom_duration_weeks: 20, pain_nrs: 6 };
  return {
    encounter_id: 'emr-encounter-0001',
    patient: { age_years: 54, sex: 'SEX_FEMALE', affected_side: 'SIDE_RIGHT' },
    findings: [
      ...Object.entries(present).map(([code, value]) => ({ code, present: value })),
      ...Object.entries(measured).map(([code, value]) => ({ code, number: value })),
    ],
  };
}

// The google.rpc.BadRequest field violations of a failed call: the server
// puts a google.rpc.Status in the grpc-status-details-bin trailer (grpc-js
// hands it over base64-decoded, as a Buffer), with the BadRequest packed in
// its details as a google.protobuf.Any.
function badRequestViolations(err, types) {
  const violations = [];
  for (const bytes of err.metadata ? err.metadata.get('grpc-status-details-bin') : []) {
    const status = types.Status.decode(bytes);
    for (const detail of status.details) {
      if (detail.type_url !== 'type.googleapis.com/google.rpc.BadRequest') continue;
      violations.push(...types.BadRequest.decode(detail.value).field_violations);
    }
  }
  return violations;
}

class Unexpected extends Error {}

async function assess(stub) {
  const response = await call(stub, 'Assess', consultationRequest());
  console.log(
    `Assess: assessment ${response.assessment_id} ` +
      `(knowledge base ${response.knowledge_base_version})`,
  );
  if (response.red_flags.length > 0) {
    console.log('Red flags:');
    for (const flag of response.red_flags) {
      console.log(`  ${flag.urgency}  ${flag.code}: ${flag.refer_to}; ${flag.action}`);
    }
  } else {
    console.log('Red flags: none');
  }
  console.log(`Disposition: ${response.disposition.statement}`);
  if (response.differential.length === 0) {
    throw new Unexpected('the response has no differential');
  }
  console.log('Leading diagnoses:');
  for (const entry of response.differential.slice(0, 3)) {
    // An entry that refines another (a tear of a tendinopathy) is a part of
    // that entry's probability, not an alternative to it.
    const partOf = entry.refines ? `  (part of ${entry.refines})` : '';
    console.log(
      `  ${entry.probability.toFixed(3)}  ${entry.condition_code}  ` +
        `${entry.display_name}${partOf}`,
    );
  }
}

async function assessMalformed(stub, types) {
  const request = {
    encounter_id: 'emr-encounter-0002',
    patient: { age_years: 540 }, // a typo for 54
    findings: [
      { code: 'lateral_hip_pain', present: true },
      { code: 'trochanter_tenderness', present: true }, // no such code
    ],
  };
  try {
    await call(stub, 'Assess', request);
  } catch (err) {
    if (err.code !== grpc.status.INVALID_ARGUMENT) throw err;
    console.log(`Bad request rejected: ${grpc.status[err.code]}: ${err.details}`);
    const fields = new Set();
    for (const violation of badRequestViolations(err, types)) {
      console.log(`  field violation: ${violation.field}: ${violation.description}`);
      fields.add(violation.field);
    }
    for (const expected of ['patient.age_years', 'findings[1].code']) {
      if (!fields.has(expected)) {
        throw new Unexpected(`expected a field violation for ${expected}`);
      }
    }
    return;
  }
  throw new Unexpected('the malformed request was accepted');
}

async function checkHealth(health) {
  const response = await call(health, 'Check', { service: SERVICE });
  console.log(`Health ${SERVICE}: ${response.status}`);
  if (response.status !== 'SERVING') throw new Unexpected('the service is not serving');
}

async function main() {
  const server = parseServer(process.argv.slice(2));
  const medius = loadService('medius/v1/assessment_service.proto', protoDir).medius.v1;
  const healthPackage = loadService('grpc/health/v1/health.proto', vendorDir).grpc.health.v1;
  const types = loadErrorTypes();

  // Plaintext, for a local server started with --insecure (which it only
  // allows on loopback). In production the server has TLS
  // (--tls_cert_file/--tls_key_file, optionally --tls_client_ca_file for
  // mutual TLS) and tokens (--token_file; every call then needs
  // "authorization: Bearer <token>"):
  //
  //   const tls = grpc.credentials.createSsl(
  //     fs.readFileSync('ca.pem'),
  //     // mutual TLS only: fs.readFileSync('client.key'), fs.readFileSync('client.pem'),
  //   );
  //   const token = grpc.credentials.createFromMetadataGenerator((_, callback) => {
  //     const metadata = new grpc.Metadata();
  //     metadata.add('authorization', `Bearer ${process.env.MEDIUS_TOKEN}`);
  //     callback(null, metadata);
  //   });
  //   const credentials = grpc.credentials.combineChannelCredentials(tls, token);
  //
  // (grpc-js refuses call credentials on an insecure channel, so a token is
  // never sent in the clear.)
  const credentials = grpc.credentials.createInsecure();
  const stub = new medius.AssessmentService(server, credentials);
  const health = new healthPackage.Health(server, credentials);
  try {
    await assess(stub);
    await assessMalformed(stub, types);
    await checkHealth(health);
  } finally {
    stub.close();
    health.close();
  }
}

main().catch((err) => {
  if (err instanceof Unexpected) {
    console.error(`medius_client: unexpected: ${err.message}`);
  } else if (err.code !== undefined && grpc.status[err.code] !== undefined) {
    console.error(`medius_client: ${grpc.status[err.code]}: ${err.details}`);
  } else {
    console.error(`medius_client: ${err.stack || err}`);
  }
  process.exitCode = 1;
});
