// Loopback fake of the few ARM operations open-ama deploy uses, over TLS (test CA), so Azure's real SDK
// clients run unmodified against it: list VMs / scale sets / Arc machines, PUT extension as a
// long-running operation (Azure-AsyncOperation polling), GET extension with instance view, 429 with
// Retry-After on demand, per-machine failures, and Microsoft.Insights data collection endpoints, rules
// and rule associations (PUT/GET, validated minimally like ARM: 400 with an ARM error body, 404, stable
// immutableIds, 201 on create / 200 on update, optional 429s), the association list of a machine (what
// the agent reads with its managed identity) and Log Analytics custom tables (PUT as a long-running
// operation answering 202, GET), Azure Compute Gallery applications and versions (PUT/GET; a version needs
// a mediaLink and install/remove commands, else 400), VM / scale-set PUT carrying applicationProfile (VM
// Application assignments; per-machine failure) and, for `deploy vmapp`'s uploads, a Blob service in IP
// style (https://127.0.0.1:<port>/<account>/<container>/<blob>: Put Blob and Get User Delegation Key).
// Resource shapes follow the REST API specification's examples
// (id/name/type/location/etag/systemData around properties). Tracks concurrency.
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
  /** DCR association PUTs on this machine answer 403 AuthorizationFailed. */
  failAssociation?: boolean;
  /** Operating system (default linux): VMs report storageProfile.osDisk.osType + osProfile, Arc osType/osName. */
  os?: 'linux' | 'windows';
  /** VMs: the instance view's PowerState/<power> (default running); Arc: status (default Connected). */
  power?: 'running' | 'stopped' | 'deallocated';
  arcStatus?: 'Connected' | 'Disconnected' | 'Error';
  /** The extension is already installed at this typeHandlerVersion. */
  installedVersion?: string;
  /** VM Applications assigned (applicationProfile.galleryApplications), as the last PUT left them. */
  galleryApplications?: Record<string, unknown>[];
  /** A PUT of this VM / scale set ends in provisioningState Failed (the VM Application's install failed). */
  failVmApp?: boolean;
}

/** ARM's 403 body: the action refused (<namespace>/<type>[/<child type>…]/<read|write|delete>) and the scope. */
function authorizationFailed(method: string, path: string): unknown {
  const i = path.toLowerCase().lastIndexOf('/providers/');
  const segments = path.slice(i + '/providers/'.length).split('/');
  const types = [segments[0], ...segments.slice(1).filter((_, k) => k % 2 === 0)];
  const verb = method === 'GET' ? 'read' : method === 'DELETE' ? 'delete' : 'write';
  return {
    error: {
      code: 'AuthorizationFailed',
      message: `The client 'deployer@contoso.example' with object id '00000000-0000-0000-0000-0000000000aa' does not have authorization to perform action '${types.join('/')}/${verb}' over scope '${path}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
    },
  };
}

type Send = (status: number, json?: unknown, headers?: Record<string, string>) => void;

/** api-versions of Microsoft.Insights/dataCollection* the fake accepts; only these know streamDeclarations & co. */
const DCR_API_VERSIONS = ['2021-04-01', '2021-09-01-preview', '2022-06-01', '2023-03-11', '2024-03-11'];
const MODERN_DCR_API_VERSIONS = DCR_API_VERSIONS.slice(1);

interface Operation {
  machine: string;
  polls: number;
  done: boolean;
}

export class FakeArmServer {
  readonly puts: { path: string; body: Record<string, unknown>; auth: string }[] = [];
  readonly monitorPuts: { path: string; body: Record<string, unknown>; apiVersion: string }[] = [];
  readonly monitorResources = new Map<string, Record<string, unknown>>();
  /** The next N Microsoft.Insights PUTs answer 429 with Retry-After: 1. */
  throttleMonitorPuts = 0;
  monitorThrottled = 0;
  monitorInFlight = 0;
  monitorMaxInFlight = 0;
  /** When set, a DCR may only send to these Log Analytics workspaces (else 400, like ARM for a workspace that does not exist). */
  knownWorkspaces?: string[];
  /** When set, the custom tables (X_CL) the workspaces have: a flow to Custom-Y_CL without table Y_CL is refused (InvalidOutputTable). */
  workspaceTables?: string[];
  /** Bearer tokens accepted (the deploy CLI's and, for collector tests, the managed identity's). */
  acceptedTokens = ['fake-arm-token'];
  /** Every GET under Microsoft.Insights (path as requested), for tests counting lookups. */
  readonly monitorGets: string[] = [];
  /** Forced answers by lower-cased path (e.g. 503 for one DCE), consumed when `times` is set; a 403 answers ARM's AuthorizationFailed naming the action. */
  readonly failures = new Map<string, { status: number; times?: number }>();
  /** When set, every DCE created answers this logs ingestion endpoint (tests point it at the ingestion fake). */
  dceLogsIngestion?: string;
  /** Log Analytics tables by lower-cased resource id, with the PUT bodies in order. */
  readonly tables = new Map<string, Record<string, unknown>>();
  readonly tablePuts: { path: string; body: Record<string, unknown> }[] = [];
  private immutableSeq = 0;
  throttled = 0;
  /** Every request received, in order ("METHOD path"). */
  readonly requests: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  private readonly extensions = new Map<string, Record<string, unknown>>();
  /** Gallery applications and versions by lower-cased resource id. */
  readonly galleryResources = new Map<string, Record<string, unknown>>();
  /** Galleries that exist (resource group/name, lower case); a PUT under any other answers 404. */
  galleries: string[] = [];
  /** VM / scale-set PUT bodies in order. */
  readonly machinePuts: { path: string; body: Record<string, unknown> }[] = [];
  /** Blobs by "/<account>/<container>/<blob>", with the content type of their upload. */
  readonly blobs = new Map<string, { data: Buffer; contentType: string }>();
  /** User delegation keys handed out (for SAS). */
  userDelegationKeys = 0;
  private readonly ops = new Map<string, Operation>();
  private server?: https.Server;
  private port = 0;
  private opSeq = 0;

  constructor(
    private readonly ca: TestCa,
    readonly subscription: string,
    private readonly machines: FakeMachine[],
  ) {
    for (const m of machines) {
      if (m.installedVersion === undefined) continue;
      const resource: Record<string, unknown> = {
        id: `${this.machineId(m)}/extensions/OpenAmaLinuxAgent`,
        name: 'OpenAmaLinuxAgent',
        location: 'westeurope',
        properties: { publisher: 'OpenAma.Monitor', type: 'OpenAmaLinuxAgent', typeHandlerVersion: m.installedVersion },
      };
      setProvisioning(resource, 'Succeeded', m);
      this.extensions.set(m.name, resource);
    }
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = https.createServer({ cert: this.ca.cert, key: this.ca.key }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () =>
        this.handle(
          req.method ?? 'GET',
          new URL(req.url ?? '/', this.url),
          Buffer.concat(chunks).toString('utf8'),
          req.headers.authorization ?? '',
          res,
          Buffer.concat(chunks),
          req.headers,
        ),
      );
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
    const type =
      m.kind === 'arc'
        ? 'Microsoft.HybridCompute/machines'
        : m.kind === 'vmss'
          ? 'Microsoft.Compute/virtualMachineScaleSets'
          : 'Microsoft.Compute/virtualMachines';
    return `/subscriptions/${this.subscription}/resourceGroups/${m.resourceGroup}/providers/${type}/${m.name}`;
  }

  private machineJson(m: FakeMachine): Record<string, unknown> {
    const windows = m.os === 'windows';
    const properties: Record<string, unknown> =
      m.kind === 'arc'
        ? {
            osType: windows ? 'windows' : 'linux',
            osName: windows ? 'windows' : 'linux',
            status: m.arcStatus ?? 'Connected',
          }
        : m.kind === 'vm'
          ? {
              storageProfile: { osDisk: { osType: windows ? 'Windows' : 'Linux' } },
              osProfile: windows ? { windowsConfiguration: {} } : { linuxConfiguration: {} },
            }
          : {};
    const apps = m.galleryApplications ? { galleryApplications: m.galleryApplications } : undefined;
    if (apps && m.kind === 'vm') properties.applicationProfile = apps;
    if (apps && m.kind === 'vmss') properties.virtualMachineProfile = { applicationProfile: apps };
    return { id: this.machineId(m), name: m.name, location: 'westeurope', tags: m.tags ?? {}, properties };
  }

  private handle(
    method: string,
    url: URL,
    body: string,
    auth: string,
    res: import('node:http').ServerResponse,
    raw: Buffer = Buffer.alloc(0),
    headers: import('node:http').IncomingHttpHeaders = {},
  ): void {
    const send = (status: number, json?: unknown, headers: Record<string, string> = {}): void => {
      res
        .writeHead(status, { 'content-type': 'application/json', ...headers })
        .end(json === undefined ? '' : JSON.stringify(json));
    };
    const p = url.pathname;
    this.requests.push(`${method} ${p}`);
    // Blob service (IP style): /<account>/<container>/<blob> and /<account>/?restype=service&comp=userdelegationkey.
    if (!p.startsWith('/subscriptions/') && !p.startsWith('/operations/'))
      return this.handleBlob(method, url, raw, auth, headers, res);
    if (!this.acceptedTokens.some((t) => auth === `Bearer ${t}`))
      return send(401, { error: { code: 'InvalidAuthenticationToken', message: 'bad token' } });
    const failure = this.failures.get(p.toLowerCase());
    if (failure && (failure.times === undefined || failure.times > 0)) {
      if (failure.times !== undefined) failure.times--;
      if (failure.status === 403) return send(403, authorizationFailed(method, p));
      return send(failure.status, { error: { code: `Fake${failure.status}`, message: `injected ${failure.status}` } });
    }

    const list =
      /^\/subscriptions\/[^/]+(?:\/resourceGroups\/([^/]+))?\/providers\/(Microsoft\.Compute\/virtualMachines|Microsoft\.Compute\/virtualMachineScaleSets|Microsoft\.HybridCompute\/machines)$/i.exec(
        p,
      );
    if (method === 'GET' && list) {
      const kind = /hybrid/i.test(list[2]!) ? 'arc' : /ScaleSets/i.test(list[2]!) ? 'vmss' : 'vm';
      return send(200, {
        value: this.machines
          .filter((m) => m.kind === kind && (!list[1] || m.resourceGroup.toLowerCase() === list[1].toLowerCase()))
          .map((m) => this.machineJson(m)),
      });
    }

    const one =
      /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/(?:Microsoft\.Compute\/virtualMachines|Microsoft\.Compute\/virtualMachineScaleSets|Microsoft\.HybridCompute\/machines)\/[^/]+$/i.exec(
        p,
      );
    if (method === 'GET' && one) {
      const m = this.machines.find((x) => this.machineId(x).toLowerCase() === p.toLowerCase());
      return m
        ? send(200, this.machineJson(m))
        : send(404, { error: { code: 'ResourceNotFound', message: `The Resource '${p}' was not found.` } });
    }
    if (method === 'PUT' && one) return this.putMachine(p, body, send);

    const gallery =
      /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/galleries\/([^/]+)\/applications\/([^/]+)(?:\/versions\/([^/]+))?$/i.exec(
        p,
      );
    if (gallery && (method === 'PUT' || method === 'GET'))
      return this.handleGallery(method, p, `${gallery[1]}/${gallery[2]}`, gallery[3]!, gallery[4], body, send);

    const view =
      /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Compute\/virtualMachines\/([^/]+)\/instanceView$/i.exec(
        p,
      );
    if (method === 'GET' && view) {
      const m = this.machines.find((x) => x.kind === 'vm' && x.name === view[1]);
      if (!m) return send(404, { error: { code: 'ResourceNotFound', message: `machine ${view[1]} not found` } });
      const power = m.power ?? 'running';
      return send(200, {
        statuses: [
          { code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Provisioning succeeded' },
          { code: `PowerState/${power}`, level: 'Info', displayStatus: `VM ${power}` },
        ],
      });
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
        ? send(200, {
            status: 'Failed',
            error: {
              code: 'VMExtensionProvisioningError',
              message: `VM has reported a failure when processing extension: Enable failed: invalid configuration on ${m.name}`,
            },
          })
        : send(200, { status: 'Succeeded' });
    }

    const ext =
      /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/[^/]+\/[^/]+\/([^/]+))\/extensions\/([^/]+)$/i.exec(
        p,
      );
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
        const resource = {
          ...parsed,
          id: p,
          name: ext[3],
          properties: { ...((parsed.properties as Record<string, unknown>) ?? {}), provisioningState: 'Creating' },
        };
        delete (resource.properties as Record<string, unknown>).protectedSettings;
        this.extensions.set(m.name, resource);
        const id = `op-${++this.opSeq}`;
        this.ops.set(id, { machine: m.name, polls: 0, done: false });
        return send(201, resource, {
          'azure-asyncoperation': `${this.url}/operations/${id}?api-version=2024-01-01`,
          'retry-after': '0',
        });
      }
      if (method === 'GET') {
        const r = this.extensions.get(m.name);
        return r ? send(200, r) : send(404, { error: { code: 'NotFound', message: 'extension not found' } });
      }
    }

    const assocList = /^(.*)\/providers\/Microsoft\.Insights\/dataCollectionRuleAssociations$/i.exec(p);
    if (method === 'GET' && assocList) return this.listAssociations(p, assocList[1]!, url, send);

    const table =
      /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.OperationalInsights\/workspaces\/([^/]+)\/tables\/([^/]+)$/i.exec(
        p,
      );
    if (table && (method === 'PUT' || method === 'GET')) return this.handleTable(method, p, table[2]!, url, body, send);

    const monitor =
      /^(.*)\/providers\/Microsoft\.Insights\/(dataCollectionEndpoints|dataCollectionRules|dataCollectionRuleAssociations)\/([^/]+)$/i.exec(
        p,
      );
    if (monitor && (method === 'PUT' || method === 'GET'))
      return this.handleMonitor(
        method,
        p,
        monitor[1]!,
        monitor[2]!,
        monitor[3]!,
        url.searchParams.get('api-version') ?? '',
        body,
        send,
      );
    return send(404, { error: { code: 'NotFound', message: `fake ARM has no route for ${method} ${p}` } });
  }

  private putMachine(p: string, body: string, send: Send): void {
    const m = this.machines.find((x) => this.machineId(x).toLowerCase() === p.toLowerCase());
    if (!m) return send(404, { error: { code: 'ResourceNotFound', message: `The Resource '${p}' was not found.` } });
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(body || '{}') as Record<string, unknown>;
    } catch {
      return send(400, { error: { code: 'InvalidRequestContent', message: 'The request content was invalid.' } });
    }
    this.machinePuts.push({ path: p, body: parsed });
    const props = (parsed.properties ?? {}) as Record<string, unknown>;
    const profile = (
      m.kind === 'vmss'
        ? ((props.virtualMachineProfile as Record<string, unknown> | undefined)?.applicationProfile ?? undefined)
        : props.applicationProfile
    ) as { galleryApplications?: Record<string, unknown>[] } | undefined;
    for (const app of profile?.galleryApplications ?? []) {
      const ref = String(app.packageReferenceId ?? '');
      if (!this.galleryResources.has(ref.toLowerCase()))
        return send(400, {
          error: {
            code: 'GalleryApplicationVersionNotFound',
            message: `The gallery application version '${ref}' was not found.`,
          },
        });
    }
    m.galleryApplications = profile?.galleryApplications ?? [];
    const json = this.machineJson(m);
    (json.properties as Record<string, unknown>).provisioningState = m.failVmApp ? 'Failed' : 'Succeeded';
    if (m.failVmApp)
      return send(200, {
        ...json,
        properties: { ...(json.properties as Record<string, unknown>), provisioningState: 'Failed' },
        error: { code: 'VMApplicationInstallFailed', message: `install of the VM application failed on ${m.name}` },
      });
    return send(200, json);
  }

  private handleGallery(
    method: string,
    p: string,
    gallery: string,
    app: string,
    version: string | undefined,
    body: string,
    send: Send,
  ): void {
    const key = p.toLowerCase();
    if (method === 'GET') {
      const r = this.galleryResources.get(key);
      return r
        ? send(200, r)
        : send(404, { error: { code: 'ResourceNotFound', message: `The Resource '${p}' was not found.` } });
    }
    if (!this.galleries.includes(gallery.toLowerCase()))
      return send(404, {
        error: { code: 'ParentResourceNotFound', message: `The gallery '${gallery}' does not exist.` },
      });
    const parsed = JSON.parse(body || '{}') as Record<string, unknown>;
    const props = (parsed.properties ?? {}) as Record<string, unknown>;
    const bad = (message: string): void => send(400, { error: { code: 'InvalidParameter', message } });
    if (typeof parsed.location !== 'string' || !parsed.location) return bad('location is required');
    if (version === undefined) {
      if (props.supportedOSType !== 'Linux' && props.supportedOSType !== 'Windows')
        return bad('supportedOSType must be Linux or Windows');
    } else {
      const parent = p.slice(0, p.toLowerCase().lastIndexOf('/versions/')).toLowerCase();
      if (!this.galleryResources.has(parent))
        return send(404, {
          error: { code: 'ParentResourceNotFound', message: `The gallery application '${app}' does not exist.` },
        });
      if (!/^\d+\.\d+\.\d+$/.test(version)) return bad(`version name ${version} must be Major.Minor.Patch`);
      const pp = (props.publishingProfile ?? {}) as {
        source?: { mediaLink?: string };
        manageActions?: { install?: string; remove?: string };
      };
      if (!pp.source?.mediaLink) return bad('publishingProfile.source.mediaLink is required');
      if (!pp.manageActions?.install || !pp.manageActions.remove)
        return bad('publishingProfile.manageActions.install and remove are required');
    }
    const existing = this.galleryResources.has(key);
    const resource = {
      ...parsed,
      id: p,
      name: version ?? app,
      type: version ? 'Microsoft.Compute/galleries/applications/versions' : 'Microsoft.Compute/galleries/applications',
      properties: { ...props, provisioningState: 'Succeeded' },
    };
    this.galleryResources.set(key, resource);
    return send(existing ? 200 : 201, resource);
  }

  private handleBlob(
    method: string,
    url: URL,
    raw: Buffer,
    auth: string,
    headers: import('node:http').IncomingHttpHeaders,
    res: import('node:http').ServerResponse,
  ): void {
    const xml = (status: number, text: string): void => {
      res.writeHead(status, { 'content-type': 'application/xml', 'x-ms-request-id': 'fake' }).end(text);
    };
    const error = (status: number, code: string): void =>
      xml(
        status,
        `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`,
      );
    if (!this.acceptedTokens.some((t) => auth === `Bearer ${t}`)) return error(401, 'InvalidAuthenticationInfo');
    const parts = url.pathname.split('/').filter(Boolean);
    if (method === 'POST' && parts.length === 1 && url.searchParams.get('comp') === 'userdelegationkey') {
      this.userDelegationKeys++;
      const body = raw.toString('utf8');
      const start = /<Start>([^<]+)<\/Start>/.exec(body)?.[1] ?? new Date().toISOString();
      const expiry = /<Expiry>([^<]+)<\/Expiry>/.exec(body)?.[1] ?? new Date(Date.now() + 3600_000).toISOString();
      return xml(
        200,
        `<?xml version="1.0" encoding="utf-8"?><UserDelegationKey><SignedOid>00000000-0000-0000-0000-000000000001</SignedOid><SignedTid>00000000-0000-0000-0000-000000000002</SignedTid><SignedStart>${start}</SignedStart><SignedExpiry>${expiry}</SignedExpiry><SignedService>b</SignedService><SignedVersion>2025-01-05</SignedVersion><Value>${Buffer.alloc(32, 7).toString('base64')}</Value></UserDelegationKey>`,
      );
    }
    if (method === 'PUT' && parts.length >= 3 && !url.searchParams.has('comp')) {
      if (headers['x-ms-blob-type'] !== 'BlockBlob') return error(400, 'InvalidHeaderValue');
      this.blobs.set(`/${parts.join('/')}`, {
        data: raw,
        contentType: String(headers['x-ms-blob-content-type'] ?? ''),
      });
      res
        .writeHead(201, {
          etag: '"0x1"',
          'last-modified': new Date().toUTCString(),
          'x-ms-request-server-encrypted': 'true',
        })
        .end();
      return;
    }
    return error(404, 'ResourceNotFound');
  }

  private handleMonitor(
    method: string,
    p: string,
    scope: string,
    kind: string,
    name: string,
    apiVersion: string,
    body: string,
    send: Send,
  ): void {
    const key = p.toLowerCase();
    const fail = (
      status: number,
      code: string,
      message: string,
      details?: { code: string; message: string; target: string }[],
    ): void => send(status, { error: { code, message, ...(details ? { details } : {}) } });
    if (!DCR_API_VERSIONS.includes(apiVersion))
      return fail(
        400,
        'InvalidApiVersionParameter',
        `The api-version '${apiVersion}' is invalid. The supported versions are '${DCR_API_VERSIONS.join(',')}'.`,
      );
    if (method === 'GET') {
      this.monitorGets.push(p);
      const r = this.monitorResources.get(key);
      return r
        ? send(200, r)
        : fail(
            404,
            'ResourceNotFound',
            `The Resource 'Microsoft.Insights/${kind}/${name}' under resource group was not found.`,
          );
    }
    if (this.throttleMonitorPuts > 0) {
      this.throttleMonitorPuts--;
      this.monitorThrottled++;
      return send(
        429,
        { error: { code: 'TooManyRequests', message: 'The request is being throttled.' } },
        { 'retry-after': '1' },
      );
    }
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(body || '{}') as Record<string, unknown>;
    } catch {
      return fail(400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized.');
    }
    this.monitorPuts.push({ path: p, body: parsed, apiVersion });
    const props = (
      typeof parsed.properties === 'object' && parsed.properties !== null ? parsed.properties : {}
    ) as Record<string, unknown>;
    const existing = this.monitorResources.get(key);
    const type = `Microsoft.Insights/${kind}`;
    const store = (resource: Record<string, unknown>, delayMs = 0): void => {
      this.monitorResources.set(key, resource);
      const status = existing ? 200 : 201;
      if (delayMs === 0) return send(status, resource);
      this.monitorInFlight++;
      this.monitorMaxInFlight = Math.max(this.monitorMaxInFlight, this.monitorInFlight);
      setTimeout(() => {
        this.monitorInFlight--;
        send(status, resource);
      }, delayMs);
    };
    if (/^dataCollectionEndpoints$/i.test(kind)) {
      if (typeof parsed.location !== 'string' || !parsed.location)
        return fail(400, 'LocationRequired', 'The location property is required for this definition.');
      const host = `${name.toLowerCase()}-abcd.${parsed.location}-1`;
      return store({
        ...parsed,
        id: p,
        name,
        type,
        properties: {
          ...props,
          immutableId:
            (existing?.properties as Record<string, unknown> | undefined)?.immutableId ?? `dce-${this.nextHex()}`,
          configurationAccess: { endpoint: `https://${host}.handler.control.monitor.azure.com` },
          logsIngestion: { endpoint: this.dceLogsIngestion ?? `https://${host}.ingest.monitor.azure.com` },
          metricsIngestion: { endpoint: `https://${host}.metrics.ingest.monitor.azure.com` },
          networkAcls: { publicNetworkAccess: 'Enabled' },
          provisioningState: 'Succeeded',
        },
        ...envelope(),
      });
    }
    if (/^dataCollectionRules$/i.test(kind)) {
      if (typeof parsed.location !== 'string' || !parsed.location)
        return fail(400, 'LocationRequired', 'The location property is required for this definition.');
      const problems = this.dcrProblems(props, apiVersion);
      if (problems.length > 0) return fail(400, 'InvalidPayload', 'Data collection rule is invalid', problems);
      const immutableId =
        (existing?.properties as Record<string, unknown> | undefined)?.immutableId ?? `dcr-${this.nextHex()}`;
      // DCRs of kind Direct get their own ingestion endpoint (docs/azure-interfaces.md §2); others use their DCE's.
      const endpoints =
        parsed.kind === 'Direct'
          ? {
              endpoints: {
                logsIngestion: `https://${name.toLowerCase()}-abcd.${parsed.location}-1.ingest.monitor.azure.com`,
              },
            }
          : {};
      return store({
        ...parsed,
        id: p,
        name,
        type,
        properties: { ...props, immutableId, ...endpoints, provisioningState: 'Succeeded' },
        ...envelope(),
      });
    }
    // dataCollectionRuleAssociations: an extension resource on a machine the fake knows.
    const machine = this.machines.find((m) => this.machineId(m).toLowerCase() === scope.toLowerCase());
    if (!machine) return fail(404, 'ResourceNotFound', `The Resource '${scope}' was not found.`);
    if (machine.failAssociation)
      return fail(
        403,
        'AuthorizationFailed',
        `The client does not have authorization to perform action 'Microsoft.Insights/dataCollectionRuleAssociations/write' over scope '${scope}'.`,
      );
    const ruleId = props.dataCollectionRuleId;
    const dceId = props.dataCollectionEndpointId;
    if (typeof dceId === 'string' && ruleId === undefined) {
      // The machine's DCE (private link): ARM names this association configurationAccessEndpoint.
      if (name !== 'configurationAccessEndpoint' || !this.monitorResources.has(dceId.toLowerCase()))
        return fail(400, 'InvalidPayload', 'Data collection rule association is invalid', [
          {
            code: 'InvalidProperty',
            message: `An association to data collection endpoint '${dceId}' must be named configurationAccessEndpoint and the endpoint must exist.`,
            target: 'Properties.DataCollectionEndpointId',
          },
        ]);
      return store({ id: p, name, type, properties: { ...props, provisioningState: 'Succeeded' }, ...envelope() }, 20);
    }
    if (typeof ruleId !== 'string' || !this.monitorResources.has(ruleId.toLowerCase())) {
      return fail(400, 'InvalidPayload', 'Data collection rule association is invalid', [
        {
          code: 'InvalidProperty',
          message: `Data collection rule '${String(ruleId)}' does not exist.`,
          target: 'Properties.DataCollectionRuleId',
        },
      ]);
    }
    return store({ id: p, name, type, properties: { ...props, provisioningState: 'Succeeded' }, ...envelope() }, 20);
  }

  /** A custom table the workspace already has (as if created earlier), provisioned. */
  addTable(workspaceId: string, name: string, columns: { name: string; type: string }[]): void {
    const p = `${workspaceId}/tables/${name}`;
    this.tables.set(p.toLowerCase(), {
      id: p,
      name,
      type: 'Microsoft.OperationalInsights/workspaces/tables',
      properties: { schema: { name, columns }, plan: 'Analytics', provisioningState: 'Succeeded' },
    });
    if (this.workspaceTables && !this.workspaceTables.includes(name)) this.workspaceTables.push(name);
  }

  /** Creates or updates a Microsoft.Insights resource as a PUT would (no HTTP); resolves with ARM's answer. */
  seed(path: string, body: Record<string, unknown>, apiVersion = '2023-03-11'): Promise<Record<string, unknown>> {
    const m = /^(.*)\/providers\/Microsoft\.Insights\/([^/]+)\/([^/]+)$/i.exec(path);
    if (!m) throw new Error(`not a Microsoft.Insights resource id: ${path}`);
    return new Promise((resolve, reject) =>
      this.handleMonitor('PUT', path, m[1]!, m[2]!, m[3]!, apiVersion, JSON.stringify(body), (status, json) =>
        status < 300
          ? resolve(json as Record<string, unknown>)
          : reject(new Error(`seeding ${path}: ${status} ${JSON.stringify(json)}`)),
      ),
    );
  }

  /** GET {resourceUri}/providers/Microsoft.Insights/dataCollectionRuleAssociations: the machine's associations. */
  private listAssociations(p: string, scope: string, url: URL, send: Send): void {
    const apiVersion = url.searchParams.get('api-version') ?? '';
    if (!DCR_API_VERSIONS.includes(apiVersion))
      return send(400, { error: { code: 'InvalidApiVersionParameter', message: `api-version '${apiVersion}'` } });
    this.monitorGets.push(p);
    const prefix = `${scope.toLowerCase()}/providers/microsoft.insights/datacollectionruleassociations/`;
    const value = [...this.monitorResources.entries()].filter(([k]) => k.startsWith(prefix)).map(([, r]) => r);
    send(200, { value });
  }

  /** Log Analytics tables: PUT is long-running (202, then GET shows Updating once, then Succeeded). */
  private handleTable(method: string, p: string, name: string, url: URL, body: string, send: Send): void {
    const key = p.toLowerCase();
    if (method === 'GET') {
      const t = this.tables.get(key);
      if (!t) return send(404, { error: { code: 'ResourceNotFound', message: `The table '${name}' was not found.` } });
      const props = t.properties as Record<string, unknown>;
      const answer = JSON.parse(JSON.stringify(t)) as Record<string, unknown>;
      if (props.provisioningState === 'Updating') props.provisioningState = 'Succeeded';
      return send(200, answer);
    }
    if (!/^\d{4}-\d{2}-\d{2}/.test(url.searchParams.get('api-version') ?? ''))
      return send(400, { error: { code: 'MissingApiVersionParameter', message: 'api-version is required' } });
    const parsed = JSON.parse(body || '{}') as { properties?: { schema?: { name?: string; columns?: unknown } } };
    this.tablePuts.push({ path: p, body: parsed as Record<string, unknown> });
    const cols = (parsed.properties?.schema?.columns ?? []) as { name?: string; type?: string }[];
    const types = ['string', 'int', 'long', 'real', 'boolean', 'dateTime', 'guid', 'dynamic'];
    const bad =
      !name.endsWith('_CL') || parsed.properties?.schema?.name !== name
        ? `Table name '${name}' must end with _CL and equal properties.schema.name.`
        : !cols.some((c) => c.name === 'TimeGenerated' && c.type === 'dateTime')
          ? 'TimeGenerated column of type dateTime is required.'
          : cols.find((c) => !types.includes(c.type ?? ''))
            ? `Column type must be one of ${types.join(', ')}.`
            : undefined;
    if (bad) return send(400, { error: { code: 'InvalidParameter', message: bad } });
    this.tables.set(key, {
      id: p,
      name,
      type: 'Microsoft.OperationalInsights/workspaces/tables',
      properties: { ...parsed.properties, plan: 'Analytics', provisioningState: 'Updating' },
    });
    if (this.workspaceTables && !this.workspaceTables.includes(name)) this.workspaceTables.push(name);
    send(202, undefined, { location: `${this.url}${p}?api-version=2022-10-01` });
  }

  private nextHex(): string {
    return (++this.immutableSeq).toString(16).padStart(32, 'a');
  }

  /** The checks ARM makes that a DCR test can trip over (subset): what it needs and what refers to what. */
  private dcrProblems(
    props: Record<string, unknown>,
    apiVersion: string,
  ): { code: string; message: string; target: string }[] {
    const out: { code: string; message: string; target: string }[] = [];
    const bad = (target: string, message: string): void => void out.push({ code: 'InvalidProperty', message, target });
    const ds = (props.dataSources ?? {}) as Record<string, { name: string; streams: string[] }[] | undefined>;
    const decls = (props.streamDeclarations ?? {}) as Record<string, unknown>;
    if (!MODERN_DCR_API_VERSIONS.includes(apiVersion)) {
      for (const f of ['streamDeclarations', 'dataCollectionEndpointId'])
        if (f in props) bad(`Properties.${f}`, `Property '${f}' is not supported in api-version ${apiVersion}.`);
      if (ds.logFiles)
        bad('Properties.DataSources.LogFiles', `Property 'logFiles' is not supported in api-version ${apiVersion}.`);
    }
    const dest = (props.destinations ?? {}) as {
      logAnalytics?: { name: string; workspaceResourceId?: string }[];
      azureMonitorMetrics?: { name: string };
    };
    const destNames = [
      ...(dest.logAnalytics ?? []).map((d) => d.name),
      ...(dest.azureMonitorMetrics ? [dest.azureMonitorMetrics.name] : []),
    ];
    if (destNames.length === 0) bad('Properties.Destinations', 'Property cannot be null or empty.');
    for (const [i, la] of (dest.logAnalytics ?? []).entries()) {
      if (
        !/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.OperationalInsights\/workspaces\/[^/]+$/i.test(
          la.workspaceResourceId ?? '',
        )
      )
        bad(`Properties.Destinations.LogAnalytics[${i}].WorkspaceResourceId`, 'Invalid workspace resource id.');
      else if (
        this.knownWorkspaces &&
        !this.knownWorkspaces.some((w) => w.toLowerCase() === la.workspaceResourceId!.toLowerCase())
      )
        bad(
          `Properties.Destinations.LogAnalytics[${i}].WorkspaceResourceId`,
          `Workspace '${la.workspaceResourceId}' does not exist or the caller has no access to it.`,
        );
    }
    const dceId = props.dataCollectionEndpointId;
    if (dceId !== undefined && (typeof dceId !== 'string' || !this.monitorResources.has(dceId.toLowerCase())))
      bad('Properties.DataCollectionEndpointId', `Data collection endpoint '${String(dceId)}' does not exist.`);
    const produced = new Set([
      ...Object.values(ds).flatMap((list) => (list ?? []).flatMap((s) => s.streams ?? [])),
      ...Object.keys(decls),
    ]);
    for (const [i, lf] of (ds.logFiles ?? []).entries()) {
      for (const st of lf.streams)
        if (!decls[st])
          bad(`Properties.DataSources.LogFiles[${i}].Streams`, `Stream '${st}' is not declared in streamDeclarations.`);
    }
    const flows = (props.dataFlows ?? []) as { streams?: string[]; destinations?: string[]; outputStream?: string }[];
    if (flows.length === 0) bad('Properties.DataFlows', 'Property cannot be null or empty.');
    for (const [i, f] of flows.entries()) {
      for (const st of f.streams ?? []) {
        if (!produced.has(st))
          bad(`Properties.DataFlows[${i}].Streams`, `Stream '${st}' is not produced by any data source or declared.`);
        if (
          st.startsWith('Custom-') &&
          (f.destinations ?? []).some((d) => (dest.logAnalytics ?? []).some((la) => la.name === d)) &&
          !f.outputStream
        )
          bad(
            `Properties.DataFlows[${i}].OutputStream`,
            `A dataFlow with custom stream '${st}' to Log Analytics requires an outputStream.`,
          );
      }
      for (const d of f.destinations ?? [])
        if (!destNames.includes(d))
          bad(`Properties.DataFlows[${i}].Destinations`, `Destination '${d}' is not defined.`);
      const table = f.outputStream?.startsWith('Custom-') ? f.outputStream.slice('Custom-'.length) : undefined;
      if (table && this.workspaceTables && !this.workspaceTables.includes(table))
        out.push({
          code: 'InvalidOutputTable',
          message: `Table for output stream '${f.outputStream}' is not available for destination.`,
          target: `Properties.DataFlows[${i}]`,
        });
    }
    return out;
  }
}

/** The envelope ARM adds around every resource (etag, systemData), as in the REST API examples. */
function envelope(): Record<string, unknown> {
  const at = new Date().toISOString();
  return {
    etag: `"${Math.random().toString(16).slice(2, 10)}-0000-0000-0000-000000000000"`,
    systemData: {
      createdBy: 'user1',
      createdByType: 'User',
      createdAt: at,
      lastModifiedBy: 'user1',
      lastModifiedByType: 'User',
      lastModifiedAt: at,
    },
  };
}

function setProvisioning(ext: Record<string, unknown>, state: string, m: FakeMachine): void {
  const props = (ext.properties as Record<string, unknown>) ?? {};
  props.provisioningState = state;
  const message =
    state === 'Succeeded'
      ? `Enable succeeded: open-ama running on ${m.name}`
      : `Enable failed: invalid configuration on ${m.name}`;
  props.instanceView =
    m.kind === 'arc'
      ? {
          name: 'OpenAmaLinuxAgent',
          status: { code: '0', level: state === 'Succeeded' ? 'Information' : 'Error', displayStatus: state, message },
        }
      : {
          name: 'OpenAmaLinuxAgent',
          statuses: [
            {
              code: `ProvisioningState/${state.toLowerCase()}`,
              level: state === 'Succeeded' ? 'Info' : 'Error',
              displayStatus: `Provisioning ${state.toLowerCase()}`,
              message,
            },
          ],
        };
  ext.properties = props;
}
