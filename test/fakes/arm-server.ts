// Loopback fake of the few ARM operations open-ama deploy uses, over TLS (test CA), so Azure's real SDK
// clients run unmodified against it: list VMs / scale sets / Arc machines, PUT extension as a
// long-running operation (Azure-AsyncOperation polling), GET extension with instance view, 429 with
// Retry-After on demand, per-machine failures, and DCE/DCR/association PUTs. Tracks concurrency.
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TestCa } from './test-ca.js';

export interface FakeMachine {
  name: string;
  resourceGroup: string;
  kind: 'vm' | 'arc' | 'vmss';
  tags?: Record<string, string>;
  failExtension?: boolean;
  throttleFirstPut?: number;
}

interface Operation {
  machine: string;
  polls: number;
  done: boolean;
}

export class FakeArmServer {
  readonly puts: { path: string; body: Record<string, unknown>; auth: string }[] = [];
  readonly monitorPuts: { path: string; body: Record<string, unknown> }[] = [];
  throttled = 0;
  inFlight = 0;
  maxInFlight = 0;
  private readonly extensions = new Map<string, Record<string, unknown>>();
  private readonly ops = new Map<string, Operation>();
  private server?: https.Server;
  private port = 0;
  private opSeq = 0;

  constructor(
    private readonly ca: TestCa,
    readonly subscription: string,
    private readonly machines: FakeMachine[],
  ) {}

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = https.createServer({ cert: this.ca.cert, key: this.ca.key }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.handle(req.method ?? 'GET', new URL(req.url ?? '/', this.url), Buffer.concat(chunks).toString('utf8'), req.headers.authorization ?? '', res));
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }

  private machineId(m: FakeMachine): string {
    const type = m.kind === 'arc' ? 'Microsoft.HybridCompute/machines' : m.kind === 'vmss' ? 'Microsoft.Compute/virtualMachineScaleSets' : 'Microsoft.Compute/virtualMachines';
    return `/subscriptions/${this.subscription}/resourceGroups/${m.resourceGroup}/providers/${type}/${m.name}`;
  }

  private machineJson(m: FakeMachine): Record<string, unknown> {
    return { id: this.machineId(m), name: m.name, location: 'westeurope', tags: m.tags ?? {}, properties: {} };
  }

  private handle(method: string, url: URL, body: string, auth: string, res: import('node:http').ServerResponse): void {
    const send = (status: number, json?: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(json === undefined ? '' : JSON.stringify(json));
    };
    const p = url.pathname;
    if (auth !== 'Bearer fake-arm-token') return send(401, { error: { code: 'InvalidAuthenticationToken', message: 'bad token' } });

    const list = /^\/subscriptions\/[^/]+(?:\/resourceGroups\/([^/]+))?\/providers\/(Microsoft\.Compute\/virtualMachines|Microsoft\.Compute\/virtualMachineScaleSets|Microsoft\.HybridCompute\/machines)$/i.exec(p);
    if (method === 'GET' && list) {
      const kind = /hybrid/i.test(list[2]!) ? 'arc' : /ScaleSets/i.test(list[2]!) ? 'vmss' : 'vm';
      return send(200, { value: this.machines.filter((m) => m.kind === kind && (!list[1] || m.resourceGroup.toLowerCase() === list[1].toLowerCase())).map((m) => this.machineJson(m)) });
    }

    const op = /^\/operations\/([^/]+)$/.exec(p);
    if (method === 'GET' && op) {
      const o = this.ops.get(op[1]!);
      if (!o) return send(404, { error: { code: 'NotFound', message: 'no such operation' } });
      o.polls++;
      if (o.polls < 2) return send(200, { status: 'InProgress' });
      const m = this.machines.find((x) => x.name === o.machine)!;
      if (!o.done) {
        o.done = true;
        this.inFlight--;
        const ext = this.extensions.get(m.name)!;
        setProvisioning(ext, m.failExtension ? 'Failed' : 'Succeeded', m);
      }
      return m.failExtension
        ? send(200, { status: 'Failed', error: { code: 'VMExtensionProvisioningError', message: `VM has reported a failure when processing extension: Enable failed: invalid configuration on ${m.name}` } })
        : send(200, { status: 'Succeeded' });
    }

    const ext = /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/[^/]+\/[^/]+\/([^/]+))\/extensions\/([^/]+)$/i.exec(p);
    if (ext) {
      const m = this.machines.find((x) => x.name === ext[2]);
      if (!m) return send(404, { error: { code: 'ResourceNotFound', message: `machine ${ext[2]} not found` } });
      if (method === 'PUT') {
        if ((m.throttleFirstPut ?? 0) > 0) {
          m.throttleFirstPut!--;
          this.throttled++;
          return send(429, { error: { code: 'TooManyRequests', message: 'throttled' } }, { 'retry-after': '1' });
        }
        const parsed = JSON.parse(body || '{}') as Record<string, unknown>;
        this.puts.push({ path: p, body: parsed, auth });
        this.inFlight++;
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        const resource = { ...parsed, id: p, name: ext[3], properties: { ...((parsed.properties as Record<string, unknown>) ?? {}), provisioningState: 'Creating' } };
        delete (resource.properties as Record<string, unknown>).protectedSettings;
        this.extensions.set(m.name, resource);
        const id = `op-${++this.opSeq}`;
        this.ops.set(id, { machine: m.name, polls: 0, done: false });
        return send(201, resource, { 'azure-asyncoperation': `${this.url}/operations/${id}?api-version=2024-01-01`, 'retry-after': '0' });
      }
      if (method === 'GET') {
        const r = this.extensions.get(m.name);
        return r ? send(200, r) : send(404, { error: { code: 'NotFound', message: 'extension not found' } });
      }
    }

    if (method === 'PUT' && /\/providers\/Microsoft\.Insights\/(dataCollectionEndpoints|dataCollectionRules|dataCollectionRuleAssociations)\//i.test(p)) {
      const parsed = JSON.parse(body || '{}') as Record<string, unknown>;
      this.monitorPuts.push({ path: p, body: parsed });
      const props = { ...((parsed.properties as Record<string, unknown>) ?? {}) };
      if (/dataCollectionRules\//i.test(p)) {
        props.immutableId = `dcr-${'0'.repeat(31)}${this.monitorPuts.length}`;
        props.endpoints = { logsIngestion: `https://${p.split('/').pop()}-abcd.westeurope-1.ingest.monitor.azure.com` };
      }
      if (/dataCollectionEndpoints\//i.test(p)) props.logsIngestion = { endpoint: `https://${p.split('/').pop()}-abcd.westeurope-1.ingest.monitor.azure.com` };
      props.provisioningState = 'Succeeded';
      return send(200, { ...parsed, id: p, name: p.split('/').pop(), properties: props });
    }
    return send(404, { error: { code: 'NotFound', message: `fake ARM has no route for ${method} ${p}` } });
  }
}

function setProvisioning(ext: Record<string, unknown>, state: string, m: FakeMachine): void {
  const props = (ext.properties as Record<string, unknown>) ?? {};
  props.provisioningState = state;
  const message = state === 'Succeeded' ? `Enable succeeded: open-ama running on ${m.name}` : `Enable failed: invalid configuration on ${m.name}`;
  props.instanceView = m.kind === 'arc'
    ? { name: 'OpenAmaLinuxAgent', status: { code: '0', level: state === 'Succeeded' ? 'Information' : 'Error', displayStatus: state, message } }
    : { name: 'OpenAmaLinuxAgent', statuses: [{ code: `ProvisioningState/${state.toLowerCase()}`, level: state === 'Succeeded' ? 'Info' : 'Error', displayStatus: `Provisioning ${state.toLowerCase()}`, message }] };
  ext.properties = props;
}
