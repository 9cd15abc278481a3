// Build-time constants and virtual modules Vite provides.
/// <reference types="vite-plugin-pwa/client" />

/** This build's identity (vite.config.ts: SDXL_BUILD_ID, or the build time). */
declare const __BUILD_ID__: string;
