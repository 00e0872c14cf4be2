// What Glance's image_conversion plugin (output_format = raw) does to a qcow2: the stored image
// becomes the raw disk, so its size is the qcow2's virtual size and its checksum and sha512 are
// those of the raw bytes, not of the uploaded file. The simulated qcow2 blobs carry a real v2/v3
// header (magic, virtual size at offset 24) but no cluster tables, so the raw disk here is the
// uploaded bytes laid at the start of the disk, zero-filled to the virtual size.

import { createHash } from 'node:crypto';

const QCOW2_MAGIC = Buffer.from('QFI\xfb', 'latin1');
/** Larger virtual disks are not materialised (hashing them would stall the simulator). */
const MAX_RAW_BYTES = 1024 * 1024 * 1024;

/** The virtual size a qcow2 header declares; undefined for anything that is not a qcow2. */
export function qcow2VirtualSize(data: Buffer): number | undefined {
  if (data.length < 32 || !data.subarray(0, 4).equals(QCOW2_MAGIC)) return undefined;
  const v = Number(data.readBigUInt64BE(24));
  return Number.isSafeInteger(v) && v > 0 ? v : undefined;
}

/** Size, md5 and sha512 of the raw disk a qcow2 converts to; undefined when it is not a qcow2 (or too large). */
export function rawConversion(data: Buffer): { size: number; md5: string; sha512: string } | undefined {
  const size = qcow2VirtualSize(data);
  if (size === undefined || size > MAX_RAW_BYTES || size < data.length) return undefined;
  const md5 = createHash('md5');
  const sha = createHash('sha512');
  md5.update(data);
  sha.update(data);
  const zeros = Buffer.alloc(4 * 1024 * 1024);
  for (let left = size - data.length; left > 0; left -= zeros.length) {
    const chunk = left >= zeros.length ? zeros : zeros.subarray(0, left);
    md5.update(chunk);
    sha.update(chunk);
  }
  return { size, md5: md5.digest('hex'), sha512: sha.digest('hex') };
}
