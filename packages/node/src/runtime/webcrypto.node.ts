import { webcrypto as nodeWebcrypto } from "node:crypto";

/** Node 18 has no global `crypto` in ES modules; `node:crypto` has the same Web Crypto API. */
export const webcrypto: Crypto = globalThis.crypto ?? (nodeWebcrypto as Crypto);
