// A readable structural diff of two JSON values, one line per change: `+ path: value` (added),
// `- path: value` (removed), `~ path: old → new` (changed). Arrays compare by index; values are
// printed as compact JSON. For `open-ama dcr fix --apply` (the DCR as in Azure → as it will be put).
type Json = unknown;

const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: Json): string => JSON.stringify(v);
const key = (path: string, k: string): string =>
  /^[A-Za-z_$][\w$]*$/.test(k) ? (path ? `${path}.${k}` : k) : `${path}[${JSON.stringify(k)}]`;

export function jsonDiff(before: Json, after: Json, path = ''): string[] {
  if (isObject(before) && isObject(after)) {
    const out: string[] = [];
    for (const k of Object.keys(before))
      if (!(k in after)) out.push(`- ${key(path, k)}: ${show(before[k])}`);
      else out.push(...jsonDiff(before[k], after[k], key(path, k)));
    for (const k of Object.keys(after)) if (!(k in before)) out.push(`+ ${key(path, k)}: ${show(after[k])}`);
    return out;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const out: string[] = [];
    const common = Math.min(before.length, after.length);
    for (let i = 0; i < common; i++) out.push(...jsonDiff(before[i], after[i], `${path}[${i}]`));
    for (let i = common; i < before.length; i++) out.push(`- ${path}[${i}]: ${show(before[i])}`);
    for (let i = common; i < after.length; i++) out.push(`+ ${path}[${i}]: ${show(after[i])}`);
    return out;
  }
  return show(before) === show(after) ? [] : [`~ ${path}: ${show(before)} → ${show(after)}`];
}
