'use strict';
// Test oracle: decides IAM requests with @cloud-copilot/iam-simulate, an evaluator written
// independently of iamdocs (AGPL-3.0: fetched by `make oracle` into build/oracle for tests only,
// never shipped). Reads one JSON request per line on stdin, writes one JSON answer per line.
//
// Request: {"identity": [doc...], "scps": [[doc...] per level, root first], "rcps": [[doc...]],
//           "boundary": doc|[doc...]|null, "resource_policy": doc|null, "action": "svc:Name",
//           "resource": "arn...", "context": {key: str|[str]}, "principal"?: arn, "account"?: id}
// Answer:  {"decision": "Allowed"|"ExplicitlyDenied"|"ImplicitlyDenied", "ignored": [key...]}
//          or {"error": "..."} when the oracle refuses the request (invalid policy, action, ARN).
const readline = require('node:readline');
const path = require('node:path');
const { runSimulation } = require('@cloud-copilot/iam-simulate');

// Speed only: matching an ARN against an action's resource types is most of the oracle's time and
// depends on nothing but (service, action, ARN) and the pinned IAM data, so its answers are kept.
// The module's exports are read at each call, so the memo is what the engine calls.
const resourceTypes = require(path.join(path.dirname(require.resolve('@cloud-copilot/iam-simulate')),
  'simulation_engine', 'resourceTypes.js'));
const matchResourceTypes = resourceTypes.getResourceTypesForAction;
const resourceTypeMemo = new Map();
resourceTypes.getResourceTypesForAction = (service, action, resource) => {
  const key = `${service}\u0000${action}\u0000${resource}`;
  if (!resourceTypeMemo.has(key)) {
    const found = matchResourceTypes(service, action, resource);
    found.catch(() => resourceTypeMemo.delete(key));
    resourceTypeMemo.set(key, found);
  }
  return resourceTypeMemo.get(key);
};

const DEFAULT_PRINCIPAL = 'arn:aws:iam::111122223333:role/iamdocs-oracle-probe';

function named(prefix, docs) {
  return docs.map((policy, i) => ({ name: `${prefix}${i + 1}`, policy }));
}

function levels(prefix, list) {
  return (list || []).map((docs, i) => ({ orgIdentifier: `${prefix}-${i + 1}`,
    policies: named(`${prefix}-${i + 1}-policy-`, Array.isArray(docs) ? docs : [docs]) }));
}

function simulation(req) {
  const principal = req.principal || DEFAULT_PRINCIPAL;
  const account = req.account || principal.split(':')[4];
  const boundary = req.boundary == null ? undefined
    : named('boundary-', Array.isArray(req.boundary) ? req.boundary : [req.boundary]);
  return {
    request: { principal, action: req.action, resource: { resource: req.resource, accountId: account },
      contextVariables: req.context || {} },
    identityPolicies: named('identity-', req.identity || []),
    serviceControlPolicies: levels('scp', req.scps),
    resourceControlPolicies: levels('rcp', req.rcps),
    ...(req.resource_policy ? { resourcePolicy: req.resource_policy } : {}),
    ...(boundary ? { permissionBoundaryPolicies: boundary } : {}),
  };
}

async function answer(line) {
  let req;
  try {
    req = JSON.parse(line);
  } catch (e) {
    return { error: `not JSON: ${e.message}` };
  }
  try {
    const result = await runSimulation(simulation(req), { simulationMode: 'Strict' });
    if (result.resultType === 'error') {
      return { error: JSON.stringify(result.errors) };
    }
    const ignored = result.resultType === 'single' ? result.result.ignoredContextKeys || []
      : [...new Set(result.results.flatMap((r) => r.ignoredContextKeys || []))];
    return { decision: result.overallResult, ignored };
  } catch (e) {
    return { error: `oracle failed: ${e && e.message}` };
  }
}

async function main() {
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  const out = [];
  for await (const line of rl) {
    if (line.trim() === '') continue;
    out.push(JSON.stringify(await answer(line)));
    if (out.length >= 256) {
      process.stdout.write(out.join('\n') + '\n');
      out.length = 0;
    }
  }
  if (out.length) process.stdout.write(out.join('\n') + '\n');
}

main();
