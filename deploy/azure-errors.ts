// Turns the Azure errors an operator meets most into one line that says what to do (docs/deploy.md
// "When Azure says no"): a 401 from ARM (the SDK's "Pagination failed with unexpected statusCode 401" or
// an InvalidAuthenticationToken) → sign in; no credential in the chain (DefaultAzureCredential's
// multi-line dump) → sign in or set the service principal variables; a 403 → the action ARM refused and the
// built-in role that grants it. Anything else → undefined (the caller keeps its own description).

/** Where the deploy commands get their credential from, for the sign-in hint. */
export const SIGN_IN_HINT =
  'run `az login` (or set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET for a service principal; a pipeline holding an ARM token may set OPEN_AMA_ARM_TOKEN)';

/** What the caller was doing, for a 403 whose message names no action. */
export type ArmOperation =
  | 'list machines'
  | 'read extension'
  | 'write extension'
  | 'write arc extension'
  | 'write dcr'
  | 'write association'
  | 'write table'
  | 'read dcr';

/** Built-in roles granting an ARM action, most specific first. */
const ROLE_BY_ACTION: [RegExp, string][] = [
  [
    /^Microsoft\.Compute\/virtualMachine(ScaleSet)?s\/extensions\/(write|delete)$/i,
    'Virtual Machine Contributor on the machine or its resource group',
  ],
  [
    /^Microsoft\.HybridCompute\/machines\/extensions\/(write|delete)$/i,
    'Azure Connected Machine Resource Administrator on the Arc machine or its resource group',
  ],
  [
    /^Microsoft\.Insights\/dataCollectionRuleAssociations\/(write|delete)$/i,
    'Monitoring Contributor on the machine (an association is created on the machine) or its resource group',
  ],
  [
    /^Microsoft\.Insights\/dataCollection(Rules|Endpoints)\/(write|delete)$/i,
    'Monitoring Contributor on the resource group',
  ],
  [/^Microsoft\.OperationalInsights\/workspaces\/tables\/write$/i, 'Log Analytics Contributor on the workspace'],
  [/\/read$/i, 'Reader on the subscription or the resource group'],
];

const ACTION_BY_OPERATION: Record<ArmOperation, string> = {
  'list machines': 'Microsoft.Compute/virtualMachines/read',
  'read extension': 'Microsoft.Compute/virtualMachines/extensions/read',
  'write extension': 'Microsoft.Compute/virtualMachines/extensions/write',
  'write arc extension': 'Microsoft.HybridCompute/machines/extensions/write',
  'write dcr': 'Microsoft.Insights/dataCollectionRules/write',
  'write association': 'Microsoft.Insights/dataCollectionRuleAssociations/write',
  'write table': 'Microsoft.OperationalInsights/workspaces/tables/write',
  'read dcr': 'Microsoft.Insights/dataCollectionRules/read',
};

/** The built-in role that grants an ARM action (e.g. Microsoft.Insights/dataCollectionRules/write). */
export function roleFor(action: string): string {
  return ROLE_BY_ACTION.find(([re]) => re.test(action))?.[1] ?? `a role that grants ${action}`;
}

interface ErrorLike {
  name?: string;
  message?: string;
  statusCode?: number;
  code?: string;
  response?: { bodyAsText?: string | null };
}

const CREDENTIAL_ERRORS = new Set(['CredentialUnavailableError', 'AggregateAuthenticationError']);

function armError(e: ErrorLike): { code?: string; message?: string } {
  try {
    const body = JSON.parse(e.response?.bodyAsText ?? '') as { error?: { code?: string; message?: string } };
    return body.error ?? {};
  } catch {
    return {};
  }
}

/** One actionable line for a sign-in or permission error, or undefined for any other error. */
export function explainAzureError(err: unknown, operation?: ArmOperation): string | undefined {
  const e = (err ?? {}) as ErrorLike;
  if (CREDENTIAL_ERRORS.has(e.name ?? '')) return `no Azure credentials found: ${SIGN_IN_HINT}`;
  if (e.name === 'AuthenticationError' || e.name === 'AuthenticationRequiredError')
    return `sign-in failed (${(e.message ?? '').split('\n')[0]!.slice(0, 200)}): ${SIGN_IN_HINT}`;
  const body = armError(e);
  if (e.statusCode === 401)
    return `ARM answered 401${body.code ? ` ${body.code}` : ''}: not signed in or token expired: ${SIGN_IN_HINT}`;
  if (e.statusCode === 403) {
    const text = body.message ?? e.message ?? '';
    const m = /perform action '?([A-Za-z0-9./_-]+?)'? over scope '([^']+)'/i.exec(text);
    const action = m?.[1] ?? (operation ? ACTION_BY_OPERATION[operation] : undefined);
    const scope = m?.[2] ? ` on ${m[2]}` : '';
    if (!action) return `ARM answered 403${body.code ? ` ${body.code}` : ''}: permission denied${scope}`;
    return `ARM answered 403${body.code ? ` ${body.code}` : ''}: the signed-in identity needs ${roleFor(action)} (permission denied for ${action}${scope})`;
  }
  return undefined;
}

/** explainAzureError's line, else the error's first line. */
export function azureErrorText(err: unknown, operation?: ArmOperation): string {
  return explainAzureError(err, operation) ?? ((err as Error)?.message ?? String(err)).split('\n')[0]!;
}

/**
 * For a deploy command's catch: the stderr line and the exit code — 1 when Azure refused or failed (sign-in,
 * permission, any ARM answer), 2 when the operator's input was wrong (files, settings, selection).
 */
export function commandFailure(err: unknown, operation?: ArmOperation): { message: string; exitCode: 1 | 2 } {
  const explained = explainAzureError(err, operation);
  if (explained) return { message: explained, exitCode: 1 };
  const e = (err ?? {}) as ErrorLike;
  const first = (e.message ?? String(err)).split('\n')[0]!;
  if (e.name === 'RestError' || typeof e.statusCode === 'number') {
    const body = armError(e);
    const head = [e.statusCode, body.code ?? e.code].filter((x) => x !== undefined && x !== '').join(' ');
    return { message: `${head ? `ARM answered ${head}: ` : ''}${body.message ?? first}`, exitCode: 1 };
  }
  return { message: e.message ?? String(err), exitCode: 2 };
}
