// Build-time constants and virtual modules Vite provides.
/// <reference types="vite-plugin-pwa/client" />

/** This build's identity (vite.config.ts: SDXL_BUILD_ID, or the build time). */
declare const __BUILD_ID__: string;
/** Origins the app may connect to besides its own (vite.config.ts: the Hub, its CDN, SDXL_CONNECT_SRC). */
declare const __CONNECT_SRC__: readonly string[];
/** The Content-Security-Policy of the app's and the widget's pages and workers (scripts/vite-csp.ts). */
declare const __CSP__: string;
