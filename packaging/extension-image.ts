// Stamps manifest/ExtensionImage.template.xml (the extension publishing definition) with package.json's
// publisher, type and version. Values are XML-escaped; every {{placeholder}} must be known, so a typo
// in the template fails the package step instead of shipping a literal "{{...}}".
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { assertExtensionVersion, type ProjectMetadata } from './project-metadata.js';

export const EXTENSION_IMAGE_TEMPLATE = path.join('manifest', 'ExtensionImage.template.xml');

export interface ExtensionImageOptions {
  version: string;
  /** URL of the uploaded ZIP; empty until the package is uploaded (as in Azure's own manifests). */
  mediaLink?: string;
}

export function extensionImageFileName(version: string): string {
  return `open-ama-${version}.ExtensionImage.xml`;
}

function escapeXml(value: string): string {
  return value.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function stampExtensionImage(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`${EXTENSION_IMAGE_TEMPLATE}: unknown placeholder {{${key}}}`);
    return escapeXml(value);
  });
}

export async function renderExtensionImage(meta: ProjectMetadata, opts: ExtensionImageOptions): Promise<string> {
  assertExtensionVersion(opts.version);
  const template = await readFile(path.join(meta.repoRoot, EXTENSION_IMAGE_TEMPLATE), 'utf8');
  return stampExtensionImage(template, {
    publisher: meta.publisher,
    type: meta.type,
    version: opts.version,
    mediaLink: opts.mediaLink ?? '',
    description: meta.description,
    eula: meta.license === 'MIT' ? 'https://opensource.org/license/mit' : '',
    privacyUri: '',
    homepage: meta.homepage,
    companyName: 'open-ama contributors',
  });
}
