// The Node runtime we ship, pinned: for each runtimeNodeVersion and architecture, the npm tarball's
// integrity (sha512, as the registry lists it) and the sha256 of its package/bin/node. Every build checks
// the binary against the pin — a fresh download and a cached copy alike — so a changed registry package
// or a tampered cache is a build error, never a shipped binary. Provenance: docs/packaging.md "Runtime".
import type { Arch } from './project-metadata.js';

export interface RuntimePin {
  /** `npm view node-linux-<arch>@<version> dist.integrity`. */
  npmIntegrity: string;
  /** sha256 of package/bin/node inside that tarball, before any strip. */
  nodeSha256: string;
}

export const RUNTIME_PINS: Readonly<Record<string, Readonly<Record<Arch, RuntimePin>>>> = {
  '24.21.0': {
    x64: {
      npmIntegrity: 'sha512-3nULszZ5X0fciYpG0t6TrdApJzAn8+FlINP6OiMX7V8HrvpATPN936U1LlReOJriLRa4e8yEqQBYCnLyPNAs7Q==',
      nodeSha256: '7fde7b8afa198da66257f42ee2001d874c7355631e6d1579a5fb5ef1f246df4c',
    },
    arm64: {
      npmIntegrity: 'sha512-FpJRPEz2OvvTLfjIOlNGFY9JLPMKgl5m+d4oGYBLg24kJ1mmvN1Zl/HPJgF4HDaJ51ISev1l1cRZ/DM+keXW5g==',
      nodeSha256: '0f8949d1028f6d61506b2d5bc57e7e6fe893d7b1997509b7847294fc9c616584',
    },
  },
};

export function runtimePin(version: string, arch: Arch): RuntimePin {
  const pin = RUNTIME_PINS[version]?.[arch];
  if (!pin)
    throw new Error(
      `no pinned hash for node-linux-${arch}@${version} in packaging/runtime-pins.ts: add its npm integrity and bin/node sha256 (docs/packaging.md "Runtime")`,
    );
  return pin;
}
