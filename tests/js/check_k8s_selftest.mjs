// Proves that check_k8s.mjs can fail: it must pass the rendered production
// overlay as it is, then catch each of these mistakes made to a copy of it.
// Usage: node check_k8s_selftest.mjs PRODUCTION.yaml CONTAINERFILE README
import { readFileSync } from 'node:fs';
import { checkDocuments, imageEnvFrom, parseManifests } from './check_k8s.mjs';

const [rendered, containerfile, readmePath] = process.argv.slice(2);
const original = parseManifests(readFileSync(rendered, 'utf8'));
const options = {
  imageEnv: imageEnvFrom(readFileSync(containerfile, 'utf8')),
  readme: readFileSync(readmePath, 'utf8'),
};

const find = (docs, kind) => docs.find((d) => d.kind === kind);
const server = (docs) => find(docs, 'Deployment').spec.template.spec.containers[0];
const pod = (docs) => find(docs, 'Deployment').spec.template.spec;
const config = (docs) => find(docs, 'ConfigMap').data;
const envVar = (docs, name) => server(docs).env.find((e) => e.name === name);

const mistakes = [
  ['a misspelt field', /unknown field \/spec\/template\/spec\/containers\/0\/readinesProbe/, (d) => {
    server(d).readinesProbe = server(d).readinessProbe;
    delete server(d).readinessProbe;
  }],
  ['a field of the wrong type', /schema: \/spec\/replicas type/, (d) => { find(d, 'Deployment').spec.replicas = '3'; }],
  ['an unknown kind', /no schema for apps\/v1 Deployments/, (d) => { find(d, 'Deployment').kind = 'Deployments'; }],
  ['a probe on the API port', /readinessProbe port 50051 is not the health port/, (d) => { server(d).readinessProbe.grpc.port = 50051; }],
  ['a probe on no container port', /livenessProbe port 6000 is not a container port/, (d) => { server(d).livenessProbe.grpc.port = 6000; }],
  ['a probe without the service', /startupProbe must ask for service/, (d) => { delete server(d).startupProbe.grpc.service; }],
  ['a TCP probe', /readinessProbe must be a native gRPC probe/, (d) => { server(d).readinessProbe = { tcpSocket: { port: 50052 } }; }],
  ['no startup probe', /startupProbe is missing/, (d) => { delete server(d).startupProbe; }],
  ['a grace period shorter than the drain', /terminationGracePeriodSeconds \(15\) < preStop 5 \+ drain 5 \+ shutdown grace 10/, (d) => { pod(d).terminationGracePeriodSeconds = 15; }],
  ['a drain longer than the grace period', /terminationGracePeriodSeconds \(30\) < preStop 5 \+ drain 20/, (d) => { config(d).MEDIUS_DRAIN_SECONDS = '20'; }],
  ['no preStop', /lifecycle.preStop is missing/, (d) => { delete server(d).lifecycle; }],
  ['no memory limit', /resources.limits.memory is not set/, (d) => { delete server(d).resources.limits.memory; }],
  ['a request above its limit', /requests.cpu is above its limit/, (d) => { server(d).resources.requests.cpu = '3'; }],
  ['a server memory cap above the limit', /MEDIUS_MAX_MEMORY_MB \(1000\) must stay under 80%/, (d) => { config(d).MEDIUS_MAX_MEMORY_MB = '1000'; }],
  ['the latest tag', /must be pinned/, (d) => { server(d).image = 'registry.example.org/medius/medius:latest'; }],
  ['no tag', /must be pinned/, (d) => { server(d).image = 'registry.example.org:5000/medius/medius'; }],
  ['a writable root', /readOnlyRootFilesystem must be true/, (d) => { server(d).securityContext.readOnlyRootFilesystem = false; }],
  ['root allowed', /runAsNonRoot must be true/, (d) => { delete pod(d).securityContext.runAsNonRoot; }],
  ['capabilities kept', /capabilities must drop ALL/, (d) => { server(d).securityContext.capabilities.drop = ['NET_RAW']; }],
  ['privilege escalation', /allowPrivilegeEscalation must be false/, (d) => { delete server(d).securityContext.allowPrivilegeEscalation; }],
  ['a service-account token', /automountServiceAccountToken must be false/, (d) => { find(d, 'ServiceAccount').automountServiceAccountToken = true; }],
  ['a hostPath volume', /hostPath volumes are not allowed/, (d) => { pod(d).volumes.push({ name: 'host', hostPath: { path: '/' } }); }],
  ['the container port moved', /container port "grpc" is 50055 but MEDIUS_LISTEN listens on 50051/, (d) => { server(d).ports[0].containerPort = 50055; }],
  ['the health port moved in the config only', /not the health port \(50053\)/, (d) => { envVar(d, 'MEDIUS_HEALTH_LISTEN').value = '0.0.0.0:50053'; }],
  ['a Service on the health port', /port grpc exposes the health-only port/, (d) => { find(d, 'Service').spec.ports[0].targetPort = 'health'; }],
  ['a Service port to nowhere', /targetPort web is not a container port/, (d) => { find(d, 'Service').spec.ports[1].targetPort = 'web'; }],
  ['h2c in front of TLS', /appProtocol kubernetes.io\/h2c but the API is gRPC over TLS/, (d) => { find(d, 'Service').spec.ports[0].appProtocol = 'kubernetes.io/h2c'; }],
  ['a Service selecting nothing', /Service\/medius: selector does not select/, (d) => { find(d, 'Service').spec.selector = { app: 'other' }; }],
  ['a Deployment selecting another pod', /spec.selector does not select the pod template labels/, (d) => { find(d, 'Deployment').spec.selector.matchLabels = { app: 'x' }; }],
  ['an autoscaler on another Deployment', /scaleTargetRef Deployment\/web is not the Deployment/, (d) => { find(d, 'HorizontalPodAutoscaler').spec.scaleTargetRef.name = 'web'; }],
  ['an autoscaler without a CPU request', /scales on cpu utilization but the container requests no cpu/, (d) => { delete server(d).resources.requests.cpu; }],
  ['a budget blocking drains', /minAvailable 3 with 3 replica\(s\) blocks every node drain/, (d) => {
    const spec = find(d, 'PodDisruptionBudget').spec;
    delete spec.maxUnavailable;
    spec.minAvailable = 3;
  }],
  ['a policy open to all', /ingress rule 0 admits every source/, (d) => { delete find(d, 'NetworkPolicy').spec.ingress[0].from; }],
  ['a policy opening the health port', /ingress rule 1 opens the health-only port/, (d) => { find(d, 'NetworkPolicy').spec.ingress[1].ports[0].port = 'health'; }],
  ['a policy without egress', /policyTypes lacks Egress/, (d) => { find(d, 'NetworkPolicy').spec.policyTypes = ['Ingress']; }],
  ['SQLite with ten replicas', /up to 10 replicas but MEDIUS_AUDIT_DB is a local SQLite file/, (d) => {
    const e = envVar(d, 'MEDIUS_AUDIT_DB');
    delete e.valueFrom;
    e.value = '/var/lib/medius/audit.db';
  }],
  ['SQLite on the read-only root', /MEDIUS_AUDIT_DB=\/srv\/audit.db is not in a writable volume/, (d) => {
    const e = envVar(d, 'MEDIUS_AUDIT_DB');
    delete e.valueFrom;
    e.value = '/srv/audit.db';
  }],
  ['SQLite on a small emptyDir', /MEDIUS_AUDIT_DB on an emptyDir of 64Mi: it holds about 218 assessments/, (d) => {
    const e = envVar(d, 'MEDIUS_AUDIT_DB');
    delete e.valueFrom;
    e.value = '/var/lib/medius/audit.db';
  }],
  ['no record', /MEDIUS_AUDIT=off/, (d) => { config(d).MEDIUS_AUDIT = 'off'; }],
  ['a token file outside every mount', /MEDIUS_TOKEN_FILE=\/etc\/tokens is in no volume mount/, (d) => { config(d).MEDIUS_TOKEN_FILE = '/etc/tokens'; }],
  ['a key the Secret volume lacks', /MEDIUS_TLS_KEY_FILE=\/etc\/medius\/tls\/tls.key: volume tls does not provide tls.key/, (d) => {
    pod(d).volumes.find((v) => v.name === 'tls').secret.items.pop();
  }],
  ['a mount of no volume', /volumeMount \/tmp names no volume/, (d) => { pod(d).volumes = pod(d).volumes.filter((v) => v.name !== 'tmp'); }],
  ['TLS off without allow-remote', /MEDIUS_INSECURE=true in a pod needs MEDIUS_INSECURE_ALLOW_REMOTE/, (d) => { config(d).MEDIUS_INSECURE = 'true'; }],
  ['no TLS and not insecure', /MEDIUS_TLS_CERT_FILE is empty but MEDIUS_INSECURE is not true/, (d) => { config(d).MEDIUS_TLS_CERT_FILE = ''; }],
  ['an envFrom ConfigMap not rendered', /envFrom ConfigMap medius-settings is not among the manifests/, (d) => { server(d).envFrom[0].configMapRef.name = 'medius-settings'; }],
  ['an undocumented Secret', /Secret medius-pg is not in the README's kubectl create secret commands/, (d) => {
    envVar(d, 'MEDIUS_AUDIT_DB').valueFrom.secretKeyRef.name = 'medius-pg';
  }],
  ['objects in two namespaces', /objects in several namespaces/, (d) => { find(d, 'Service').metadata.namespace = 'default'; }],
];

let failures = 0;
const clean = await checkDocuments(original, options);
if (clean.length > 0) {
  console.log(`FAIL the unchanged manifests have problems:\n  ${clean.join('\n  ')}`);
  failures++;
}
for (const [what, expected, mutate] of mistakes) {
  const docs = structuredClone(original);
  mutate(docs);
  const problems = await checkDocuments(docs, options);
  if (problems.some((p) => expected.test(p))) {
    console.log(`ok: caught ${what}`);
  } else {
    console.log(`FAIL not caught: ${what} (want ${expected}); reported:\n  ${problems.join('\n  ') || '(nothing)'}`);
    failures++;
  }
}
console.log(failures === 0 ? `PASS: ${mistakes.length} mistakes caught` : `${failures} failure(s)`);
process.exitCode = failures === 0 ? 0 : 1;
