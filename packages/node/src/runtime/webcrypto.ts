/**
 * The Web Crypto API. Every runtime the SDK supports has it as a global (Workers, Deno, Bun, Node 19+)
 * except Node 18, whose package.json `imports` condition maps `#webcrypto` to `webcrypto.node.ts`.
 */
export const webcrypto: Crypto = globalThis.crypto;
