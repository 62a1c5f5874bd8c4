// The ExtensionImage generator on its own: XML escaping, unknown placeholders, extension version rules.
import { describe, expect, it } from '@jest/globals';
import { stampExtensionImage } from '../../../packaging/extension-image.js';
import { assertExtensionVersion } from '../../../packaging/project-metadata.js';

describe('stampExtensionImage', () => {
  it('XML-escapes substituted values', () => {
    expect(stampExtensionImage('<Description>{{d}}</Description>', { d: 'a < b & "c"' })).toBe(
      '<Description>a &#60; b &#38; &#34;c&#34;</Description>',
    );
  });

  it('fails on a placeholder it has no value for instead of shipping it literally', () => {
    expect(() => stampExtensionImage('<Type>{{typo}}</Type>', { type: 'X' })).toThrow('unknown placeholder {{typo}}');
  });
});

describe('assertExtensionVersion', () => {
  it.each(['1.0', '0.1.0', '1.2.3.4'])('accepts %s', (v) => expect(() => assertExtensionVersion(v)).not.toThrow());
  it.each(['1', '1.0.0-beta', 'v1.0.0', '1.2.3.4.5', ''])('rejects %s', (v) =>
    expect(() => assertExtensionVersion(v)).toThrow('not an extension version'),
  );
});
