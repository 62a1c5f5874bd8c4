// Reads the ELF identification of an executable (magic, class, byte order, e_machine) from its first
// 20 bytes, so packaging refuses a runtime built for the wrong CPU before it is shipped.
import { open } from 'node:fs/promises';
import type { Arch } from './project-metadata.js';

/** e_machine values: EM_X86_64 and EM_AARCH64. */
export const ELF_MACHINE: Record<Arch, number> = { x64: 62, arm64: 183 };

export interface ElfIdentity {
  is64Bit: boolean;
  littleEndian: boolean;
  machine: number;
}

/** undefined when the file is shorter than an ELF identification or lacks the \x7fELF magic. */
export async function readElfIdentity(file: string): Promise<ElfIdentity | undefined> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(20);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    if (bytesRead < head.length || head.readUInt32BE(0) !== 0x7f454c46) return undefined;
    const littleEndian = head[5] === 1;
    return {
      is64Bit: head[4] === 2,
      littleEndian,
      machine: littleEndian ? head.readUInt16LE(18) : head.readUInt16BE(18),
    };
  } finally {
    await handle.close();
  }
}

/** Throws with what was found unless `file` is a 64-bit little-endian ELF for `arch`. */
export async function assertElfForArch(file: string, arch: Arch): Promise<void> {
  const id = await readElfIdentity(file);
  if (!id) throw new Error(`${file} is not an ELF executable`);
  if (!id.is64Bit || !id.littleEndian || id.machine !== ELF_MACHINE[arch]) {
    throw new Error(
      `${file} is ELF machine ${id.machine} (${id.is64Bit ? 64 : 32}-bit, ${id.littleEndian ? 'LE' : 'BE'}); ${arch} needs machine ${ELF_MACHINE[arch]}, 64-bit LE`,
    );
  }
}
