// Offline checks of rendered Kubernetes manifests for Medius
// (`kubectl kustomize deploy/kubernetes/overlays/...`):
//  1. every object against the Kubernetes schemas (npm kubernetes-models);
//  2. no unknown fields: the schemas do not forbid them and the API server
//     drops them silently, so a typo such as `readinesProbe` would deploy a
//     pod without its probe. The schema validator is run on a Proxy that
//     records which keys it reads; a key it never read is not in the schema;
//  3. what schema validation cannot see: probes on the health port the
//     server listens on, a grace period that covers preStop + drain +
//     shutdown grace, limits set and above the server's own memory cap, no
//     `latest` tag, a hardened pod, Secrets/ConfigMaps that exist or are
//     documented, selectors that select the pod, a shared assessment record
//     when there is more than one replica, and more (each rule below).
//
// Usage: node check_k8s.mjs RENDERED.yaml [--containerfile=FILE] [--readme=FILE]
//   exit 0 and "ok" when clean; exit 1 listing every problem.
// As a module: checkDocuments(docs, {imageEnv, readme}) returns the problems.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseAllDocuments } from 'yaml';

// The package's compiled schema validators (not in its exports map).
const kSchemas = join(dirname(createRequire(import.meta.url).resolve('kubernetes-models')), '_schemas');

const kServiceName = 'medius.v1.AssessmentService';
const kImageKbDir = '/usr/share/medius/knowledge';

// apiVersion + kind -> the kubernetes-models schema module.
function schemaModule(apiVersion, kind) {
  const [group, version] = apiVersion.includes('/')
    ? apiVersion.split('/')
    : ['core', apiVersion];
  const groupName = group.replace(/\.k8s\.io$/, '').split('.')
    .map((p) => p[0].toUpperCase() + p.slice(1)).join('');
  const v = version[0].toUpperCase() + version.slice(1);
  return pathToFileURL(join(kSchemas, `IoK8sApi${groupName}${v}${kind}.mjs`)).href;
}

// Runs `validate` on a Proxy of `data`; returns {errors, unknown} where
// unknown lists the paths of keys the validator never read.
function validateTracked(validate, data) {
  const read = new WeakMap();
  const wrap = (o) => {
    if (o === null || typeof o !== 'object') return o;
    return new Proxy(o, {
      get(target, key, receiver) {
        if (typeof key === 'string' && Object.hasOwn(target, key)) {
          if (!read.has(target)) read.set(target, new Set());
          read.get(target).add(key);
        }
        return wrap(Reflect.get(target, key, receiver));
      },
    });
  };
  const valid = validate(wrap(data));
  if (!valid) return { errors: validate.errors ?? [], unknown: [] };
  const unknown = [];
  const walk = (o, path) => {
    if (o === null || typeof o !== 'object') return;
    if (Array.isArray(o)) {
      o.forEach((v, i) => walk(v, `${path}/${i}`));
      return;
    }
    const keys = read.get(o);
    for (const k of Object.keys(o)) {
      if (keys === undefined || !keys.has(k)) unknown.push(`${path}/${k}`);
      else walk(o[k], `${path}/${k}`);
    }
  };
  walk(data, '');
  return { errors: [], unknown };
}

function portOf(listen) {
  const m = /:(\d+)$/.exec(listen ?? '');
  return m ? Number(m[1]) : undefined;
}

function mebibytes(quantity) {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(String(quantity));
  if (!m) return NaN;
  const scale = { Ki: 1 / 1024, Mi: 1, Gi: 1024, Ti: 1024 * 1024,
    k: 1e3 / 1048576, M: 1e6 / 1048576, G: 1e9 / 1048576, T: 1e12 / 1048576 };
  return Number(m[1]) * (m[2] ? scale[m[2]] : 1 / 1048576);
}

function millicores(quantity) {
  const s = String(quantity);
  return s.endsWith('m') ? Number(s.slice(0, -1)) : Number(s) * 1000;
}

function selects(selector, labels) {
  const match = selector?.matchLabels ?? {};
  if (Object.keys(match).length === 0 && !selector?.matchExpressions) return false;
  return Object.entries(match).every(([k, v]) => labels?.[k] === v);
}

// The ENV lines of a Containerfile: what the image sets before the
// manifests add theirs.
export function imageEnvFrom(containerfile) {
  const env = {};
  const text = containerfile.replace(/\\\n/g, ' ');
  for (const line of text.split('\n')) {
    if (!line.startsWith('ENV ')) continue;
    for (const m of line.slice(4).matchAll(/(\w+)=(\S*)/g)) env[m[1]] = m[2];
  }
  return env;
}

export async function checkDocuments(docs, { imageEnv = {}, readme = '' } = {}) {
  const problems = [];
  const problem = (where, message) => problems.push(`${where}: ${message}`);
  const byKind = (kind) => docs.filter((d) => d.kind === kind);

  // 1 and 2: schemas, unknown fields.
  for (const doc of docs) {
    const where = `${doc.kind}/${doc.metadata?.name}`;
    let validate;
    try {
      ({ validate } = await import(schemaModule(doc.apiVersion, doc.kind)));
    } catch {
      problem(where, `no schema for ${doc.apiVersion} ${doc.kind}`);
      continue;
    }
    const { errors, unknown } = validateTracked(validate, doc);
    for (const e of errors) {
      problem(where, `schema: ${e.instancePath || '/'} ${e.keyword} ${JSON.stringify(e.params)}`);
    }
    for (const path of unknown) problem(where, `unknown field ${path}`);
  }
  if (problems.length > 0) return problems;

  // Every namespaced object in one namespace (the overlay's).
  const namespaces = new Set(docs.filter((d) => d.kind !== 'Namespace')
    .map((d) => d.metadata?.namespace ?? '(none)'));
  if (namespaces.size > 1) {
    problem('manifests', `objects in several namespaces: ${[...namespaces].join(', ')}`);
  }

  const configMaps = new Map(byKind('ConfigMap').map((c) => [c.metadata.name, c]));
  const documented = (kind, name) =>
    new RegExp(`kubectl[^\\n]*create ${kind}[^\\n]*\\b${name}\\b`).test(readme);
  const deployments = byKind('Deployment');
  if (deployments.length !== 1) problem('manifests', `want one Deployment, found ${deployments.length}`);

  for (const deployment of deployments) {
    const where = `Deployment/${deployment.metadata.name}`;
    const template = deployment.spec.template;
    const pod = template.spec;
    const podLabels = template.metadata?.labels ?? {};
    if (!selects(deployment.spec.selector, podLabels)) {
      problem(where, 'spec.selector does not select the pod template labels');
    }

    // Pod hardening (the "restricted" Pod Security Standard and more).
    const psc = pod.securityContext ?? {};
    if (psc.runAsNonRoot !== true) problem(where, 'pod securityContext.runAsNonRoot must be true');
    if (!(psc.runAsUser > 0)) problem(where, 'pod securityContext.runAsUser must be a non-zero uid');
    if (!['RuntimeDefault', 'Localhost'].includes(psc.seccompProfile?.type)) {
      problem(where, 'pod seccompProfile must be RuntimeDefault or Localhost');
    }
    if (pod.automountServiceAccountToken !== false) {
      problem(where, 'automountServiceAccountToken must be false (the server uses no Kubernetes API)');
    }
    for (const host of ['hostNetwork', 'hostPID', 'hostIPC']) {
      if (pod[host]) problem(where, `${host} must not be set`);
    }
    const volumes = new Map((pod.volumes ?? []).map((v) => [v.name, v]));
    for (const v of volumes.values()) {
      if (v.hostPath) problem(where, `volume ${v.name}: hostPath volumes are not allowed`);
      if (v.secret && !documented('secret', v.secret.secretName)) {
        problem(where, `volume ${v.name}: Secret ${v.secret.secretName} is not in the README's kubectl create secret commands`);
      }
      if (v.configMap && !configMaps.has(v.configMap.name) &&
          !documented('configmap', v.configMap.name)) {
        problem(where, `volume ${v.name}: ConfigMap ${v.configMap.name} is neither generated nor documented`);
      }
    }

    const containers = pod.containers ?? [];
    const server = containers.find((c) => c.name === 'medius-server');
    if (!server) {
      problem(where, 'no container named medius-server');
      continue;
    }
    const cw = `${where} container ${server.name}`;

    // The server's configuration: image ENV, then envFrom, then env.
    const env = { ...imageEnv };
    const fromSecret = new Set();
    for (const source of server.envFrom ?? []) {
      const name = source.configMapRef?.name;
      if (source.secretRef) {
        problem(cw, 'envFrom secretRef: name each secret variable with secretKeyRef');
        continue;
      }
      const cm = configMaps.get(name);
      if (!cm) {
        problem(cw, `envFrom ConfigMap ${name} is not among the manifests`);
        continue;
      }
      Object.assign(env, cm.data ?? {});
    }
    for (const e of server.env ?? []) {
      if (e.valueFrom?.secretKeyRef) {
        const ref = e.valueFrom.secretKeyRef;
        if (!documented('secret', ref.name)) {
          problem(cw, `env ${e.name}: Secret ${ref.name} is not in the README's kubectl create secret commands`);
        }
        env[e.name] = `<secret ${ref.name}/${ref.key}>`;
        fromSecret.add(e.name);
      } else if (e.valueFrom) {
        env[e.name] = '<valueFrom>';
      } else {
        env[e.name] = e.value ?? '';
      }
    }

    // Image: pinned, never latest.
    const image = server.image ?? '';
    const digest = image.includes('@sha256:');
    const tag = /:([^/:@]+)$/.exec(image.split('@')[0])?.[1];
    if (!digest && (!tag || tag === 'latest')) {
      problem(cw, `image ${image} must be pinned by a tag other than latest or by a digest`);
    }

    // Container hardening.
    const sc = server.securityContext ?? {};
    if (sc.allowPrivilegeEscalation !== false) problem(cw, 'allowPrivilegeEscalation must be false');
    if (sc.readOnlyRootFilesystem !== true) problem(cw, 'readOnlyRootFilesystem must be true');
    if (sc.privileged) problem(cw, 'privileged must not be set');
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) problem(cw, 'capabilities must drop ALL');
    if ((sc.capabilities?.add ?? []).length > 0) problem(cw, 'capabilities.add must be empty');

    // Resources: requests and limits for CPU and memory; room above the
    // server's own cap on what calls may hold.
    const res = server.resources ?? {};
    for (const r of ['cpu', 'memory']) {
      if (res.requests?.[r] === undefined) problem(cw, `resources.requests.${r} is not set`);
      if (res.limits?.[r] === undefined) problem(cw, `resources.limits.${r} is not set`);
    }
    if (res.requests?.cpu && res.limits?.cpu &&
        millicores(res.requests.cpu) > millicores(res.limits.cpu)) {
      problem(cw, 'resources.requests.cpu is above its limit');
    }
    if (res.requests?.memory && res.limits?.memory &&
        mebibytes(res.requests.memory) > mebibytes(res.limits.memory)) {
      problem(cw, 'resources.requests.memory is above its limit');
    }
    const capMb = Number(env.MEDIUS_MAX_MEMORY_MB ?? 1024);
    if (res.limits?.memory && capMb > 0.8 * mebibytes(res.limits.memory)) {
      problem(cw, `MEDIUS_MAX_MEMORY_MB (${capMb}) must stay under 80% of the memory limit ` +
        `(${res.limits.memory}): the knowledge base and the record's queue live outside it`);
    }

    // Ports: the container ports are the ones the server listens on.
    const ports = server.ports ?? [];
    const portByName = new Map(ports.map((p) => [p.name, p.containerPort]));
    const containerPorts = new Set(ports.map((p) => p.containerPort));
    const resolvePort = (p) => (typeof p === 'number' ? p : portByName.get(p));
    const listens = { grpc: 'MEDIUS_LISTEN', health: 'MEDIUS_HEALTH_LISTEN', metrics: 'MEDIUS_METRICS_LISTEN' };
    for (const [name, variable] of Object.entries(listens)) {
      const want = portOf(env[variable]);
      if (want === undefined) {
        problem(cw, `${variable} is not set (${name} port)`);
      } else if (portByName.get(name) !== want) {
        problem(cw, `container port "${name}" is ${portByName.get(name)} but ${variable} listens on ${want}`);
      }
    }

    // Probes: native gRPC, on the health port, asking for the service.
    const healthPort = portOf(env.MEDIUS_HEALTH_LISTEN);
    for (const kind of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      const probe = server[kind];
      if (!probe) {
        problem(cw, `${kind} is missing`);
        continue;
      }
      if (!probe.grpc) {
        problem(cw, `${kind} must be a native gRPC probe`);
        continue;
      }
      if (!containerPorts.has(probe.grpc.port)) {
        problem(cw, `${kind} port ${probe.grpc.port} is not a container port`);
      } else if (probe.grpc.port !== healthPort) {
        problem(cw, `${kind} port ${probe.grpc.port} is not the health port (${healthPort})`);
      }
      if (probe.grpc.service !== kServiceName) {
        problem(cw, `${kind} must ask for service ${kServiceName}`);
      }
    }

    // Shutdown: the grace period covers preStop, the drain, the in-flight
    // calls' grace, and a margin to write the last records.
    const preStop = server.lifecycle?.preStop;
    const preStopSeconds = preStop?.sleep?.seconds ?? 0;
    if (!preStop) problem(cw, 'lifecycle.preStop is missing (endpoints need time to drop the pod)');
    for (const v of ['MEDIUS_DRAIN_SECONDS', 'MEDIUS_SHUTDOWN_GRACE_SECONDS']) {
      if (env[v] === undefined) problem(cw, `${v} must be set explicitly`);
    }
    const drain = Number(env.MEDIUS_DRAIN_SECONDS ?? 5);
    const grace = Number(env.MEDIUS_SHUTDOWN_GRACE_SECONDS ?? 10);
    const margin = 5;
    const period = pod.terminationGracePeriodSeconds ?? 30;
    if (period < preStopSeconds + drain + grace + margin) {
      problem(where, `terminationGracePeriodSeconds (${period}) < preStop ${preStopSeconds} + ` +
        `drain ${drain} + shutdown grace ${grace} + ${margin} s to write the last records`);
    }

    // Files the server reads lie in a mounted volume that provides them;
    // what it writes lies in a writable mount (the root is read-only).
    const mounts = server.volumeMounts ?? [];
    const mountFor = (path) => mounts
      .filter((m) => path === m.mountPath || path.startsWith(`${m.mountPath}/`))
      .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
    for (const m of mounts) {
      if (!volumes.has(m.name)) problem(cw, `volumeMount ${m.mountPath} names no volume (${m.name})`);
    }
    const fileVariables = Object.keys(env).filter((k) => /^MEDIUS_.*_FILE$/.test(k) && env[k] !== '');
    for (const variable of fileVariables) {
      const path = env[variable];
      const mount = mountFor(path);
      if (!mount) {
        problem(cw, `${variable}=${path} is in no volume mount (the image does not ship it)`);
        continue;
      }
      const volume = volumes.get(mount.name);
      const source = volume?.secret ?? volume?.configMap;
      const relative = path.slice(mount.mountPath.length + 1);
      if (source?.items && !source.items.some((i) => i.path === relative)) {
        problem(cw, `${variable}=${path}: volume ${mount.name} does not provide ${relative}`);
      }
    }
    if (env.MEDIUS_KB_DIR && env.MEDIUS_KB_DIR !== kImageKbDir && !mountFor(env.MEDIUS_KB_DIR)) {
      problem(cw, `MEDIUS_KB_DIR=${env.MEDIUS_KB_DIR} is in no volume mount`);
    }
    if (env.MEDIUS_INSECURE !== 'true') {
      for (const v of ['MEDIUS_TLS_CERT_FILE', 'MEDIUS_TLS_KEY_FILE']) {
        if (!env[v]) problem(cw, `${v} is empty but MEDIUS_INSECURE is not true: the server would refuse to start`);
      }
    } else if (env.MEDIUS_INSECURE_ALLOW_REMOTE !== 'true') {
      problem(cw, 'MEDIUS_INSECURE=true in a pod needs MEDIUS_INSECURE_ALLOW_REMOTE=true (it listens on 0.0.0.0)');
    }

    // The assessment record.
    const audit = env.MEDIUS_AUDIT ?? 'required';
    if (audit === 'off') problem(cw, 'MEDIUS_AUDIT=off: a clinical deployment keeps its assessment record');
    const shared = fromSecret.has('MEDIUS_AUDIT_DB') || /^postgres(ql)?:\/\//.test(env.MEDIUS_AUDIT_DB ?? '');
    if (!shared && env.MEDIUS_AUDIT_DB !== undefined) {
      const mount = mountFor(env.MEDIUS_AUDIT_DB);
      if (!mount || mount.readOnly) {
        problem(cw, `MEDIUS_AUDIT_DB=${env.MEDIUS_AUDIT_DB} is not in a writable volume (the root filesystem is read-only)`);
      } else {
        // About 300 KB per FULL answer (docs/AUDIT.md); the kubelet evicts
        // a pod whose emptyDir outgrows its sizeLimit.
        const limit = volumes.get(mount.name)?.emptyDir?.sizeLimit;
        if (limit !== undefined && mebibytes(limit) < 1024) {
          problem(cw, `MEDIUS_AUDIT_DB on an emptyDir of ${limit}: it holds about ` +
            `${Math.floor(mebibytes(limit) * 1024 / 300)} assessments (300 KB each) before the pod is evicted`);
        }
      }
    }
    const hpa = byKind('HorizontalPodAutoscaler').find((h) => h.spec.scaleTargetRef?.name === deployment.metadata.name);
    const maxReplicas = Math.max(deployment.spec.replicas ?? 1, hpa?.spec.maxReplicas ?? 1);
    if (maxReplicas > 1 && !shared) {
      problem(cw, `up to ${maxReplicas} replicas but MEDIUS_AUDIT_DB is a local SQLite file: ` +
        'each replica would keep its own record; use PostgreSQL (a postgresql:// URI from a Secret)');
    }

    // Services select the pod and target its ports; the plaintext,
    // unauthenticated health port is for the kubelet only.
    for (const service of byKind('Service')) {
      const sw = `Service/${service.metadata.name}`;
      if (!selects({ matchLabels: service.spec.selector }, podLabels)) {
        problem(sw, 'selector does not select the Medius pod');
      }
      for (const p of service.spec.ports ?? []) {
        const target = resolvePort(p.targetPort ?? p.port);
        if (!containerPorts.has(target)) problem(sw, `port ${p.name}: targetPort ${p.targetPort} is not a container port`);
        if (target === healthPort) problem(sw, `port ${p.name} exposes the health-only port`);
        if (target === portByName.get('grpc')) {
          const want = env.MEDIUS_INSECURE === 'true' ? 'kubernetes.io/h2c' : 'https';
          if (p.appProtocol !== want) {
            problem(sw, `port ${p.name}: appProtocol ${p.appProtocol} but the API is ` +
              `${want === 'https' ? 'gRPC over TLS (https)' : 'plaintext HTTP/2 (kubernetes.io/h2c)'}`);
          }
        }
      }
    }

    // The autoscaler scales this Deployment on a resource it requests.
    for (const h of byKind('HorizontalPodAutoscaler')) {
      const hw = `HorizontalPodAutoscaler/${h.metadata.name}`;
      const ref = h.spec.scaleTargetRef;
      if (ref.kind !== 'Deployment' || ref.name !== deployment.metadata.name) {
        problem(hw, `scaleTargetRef ${ref.kind}/${ref.name} is not the Deployment`);
      }
      if ((h.spec.minReplicas ?? 1) > h.spec.maxReplicas) problem(hw, 'minReplicas > maxReplicas');
      for (const m of h.spec.metrics ?? []) {
        const r = m.resource?.name;
        if (m.type === 'Resource' && m.resource.target.type === 'Utilization' && !res.requests?.[r]) {
          problem(hw, `scales on ${r} utilization but the container requests no ${r}`);
        }
      }
    }

    // Disruption budget: selects the pod, and never blocks every drain.
    for (const pdb of byKind('PodDisruptionBudget')) {
      const bw = `PodDisruptionBudget/${pdb.metadata.name}`;
      if (!selects(pdb.spec.selector, podLabels)) problem(bw, 'selector does not select the Medius pod');
      const minReplicas = hpa?.spec.minReplicas ?? deployment.spec.replicas ?? 1;
      if (typeof pdb.spec.minAvailable === 'number' && pdb.spec.minAvailable >= minReplicas) {
        problem(bw, `minAvailable ${pdb.spec.minAvailable} with ${minReplicas} replica(s) blocks every node drain`);
      }
      if (pdb.spec.maxUnavailable === 0) problem(bw, 'maxUnavailable 0 blocks every node drain');
    }

    // Network policy: selects the pod, denies by default both ways, lets
    // each port in only from a named namespace.
    const policies = byKind('NetworkPolicy');
    if (policies.length === 0) problem('manifests', 'no NetworkPolicy');
    for (const np of policies) {
      const nw = `NetworkPolicy/${np.metadata.name}`;
      if (!selects(np.spec.podSelector, podLabels)) problem(nw, 'podSelector does not select the Medius pod');
      for (const t of ['Ingress', 'Egress']) {
        if (!(np.spec.policyTypes ?? []).includes(t)) problem(nw, `policyTypes lacks ${t}`);
      }
      (np.spec.ingress ?? []).forEach((rule, i) => {
        if (!rule.from || rule.from.length === 0) problem(nw, `ingress rule ${i} admits every source`);
        for (const peer of rule.from ?? []) {
          if (!peer.namespaceSelector?.matchLabels && !peer.podSelector && !peer.ipBlock) {
            problem(nw, `ingress rule ${i}: a peer without a namespace`);
          }
        }
        if (!rule.ports || rule.ports.length === 0) problem(nw, `ingress rule ${i} opens every port`);
        for (const p of rule.ports ?? []) {
          if (!containerPorts.has(resolvePort(p.port))) problem(nw, `ingress rule ${i}: port ${p.port} is not a container port`);
          if (resolvePort(p.port) === healthPort) problem(nw, `ingress rule ${i} opens the health-only port`);
        }
      });
    }
  }

  for (const sa of byKind('ServiceAccount')) {
    if (sa.automountServiceAccountToken !== false) {
      problem(`ServiceAccount/${sa.metadata.name}`, 'automountServiceAccountToken must be false');
    }
  }
  return problems;
}

export function parseManifests(text) {
  return parseAllDocuments(text).map((d) => {
    if (d.errors.length > 0) throw new Error(d.errors.map(String).join('\n'));
    return d.toJS();
  }).filter((d) => d !== null);
}

async function main(argv) {
  const files = argv.filter((a) => !a.startsWith('--'));
  const option = (name) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=').slice(1).join('=');
  const imageEnv = option('containerfile') ? imageEnvFrom(readFileSync(option('containerfile'), 'utf8')) : {};
  const readme = option('readme') ? readFileSync(option('readme'), 'utf8') : '';
  if (files.length !== 1) {
    console.error('usage: node check_k8s.mjs RENDERED.yaml [--containerfile=FILE] [--readme=FILE]');
    return 2;
  }
  const docs = parseManifests(readFileSync(files[0], 'utf8'));
  const problems = await checkDocuments(docs, { imageEnv, readme });
  for (const p of problems) console.log(`FAIL ${p}`);
  if (problems.length === 0) console.log(`ok: ${docs.length} objects in ${files[0]}`);
  return problems.length === 0 ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2));
}
