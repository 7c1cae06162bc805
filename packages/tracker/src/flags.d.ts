/**
 * Build-time feature flags (esbuild `define`). One source compiles to several scripts so a site that
 * only needs visit attribution does not download lead capture or the consent gate.
 */
declare const __LEAD__: boolean;
declare const __CONSENT__: boolean;
declare const __GREETING__: boolean;
