// The inventory of OpenStack operations capi-gate sends (operations.json, written by record.ts).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers.js';
import type { Shape } from './shapes.js';

export const OPERATIONS_FILE = join(REPO_ROOT, 'test', 'parity', 'operations.json');

export interface Operation {
  /** "magnum GET /v1/clusters/{id}", with the query keys after "?". */
  readonly key: string;
  readonly service: string;
  readonly method: string;
  readonly path: string;
  /** Every query key seen, paging keys included. */
  readonly query: string[];
  /** Version and content-type headers as sent. */
  readonly headers: Record<string, string>;
  /** Sent with X-Auth-Token. */
  readonly token: boolean;
  /** The JSON body's shape (merged over every call). */
  readonly body?: Shape;
  /** Which recorded runs sent it. */
  readonly seenIn: string[];
}

export interface Inventory {
  readonly generatedBy: string;
  readonly runs: readonly { readonly name: string; readonly scenario?: string; readonly commands: readonly string[] }[];
  readonly operations: readonly Operation[];
}

export function loadInventory(): Inventory {
  return JSON.parse(readFileSync(OPERATIONS_FILE, 'utf8')) as Inventory;
}
