// Build-time app icons and the web app manifest: our SVG artwork rendered to PNG (192, 512, maskable), plus screenshots.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { PNG } from 'pngjs';
import type { Plugin } from 'vite';
import type { ManifestOptions } from 'vite-plugin-pwa';

const ROOT = join(import.meta.dirname, '..');
const BACKGROUND = '#0f1117';
const THEME = '#171a23';
/** The bolt of public/favicon.svg, in its 64×64 box. */
const BOLT = 'M36 6 14 36h14l-4 22 26-32H36z';

/** The artwork: a rounded tile for "any", a full-bleed square with the bolt inside the 80 % safe zone for "maskable". */
export function iconSvg(purpose: 'any' | 'maskable'): string {
  const tile = purpose === 'any' ? '<rect width="64" height="64" rx="14" fill="#1d1f2b"/>' : '<rect width="64" height="64" fill="#1d1f2b"/>';
  // Maskable: the bolt (52 px tall) shrunk to 60 % about the centre, well inside the 40 px-radius safe circle.
  const bolt = purpose === 'any' ? `<path d="${BOLT}" fill="#ffcc33"/>` : `<g transform="translate(32 32) scale(0.6) translate(-32 -32)"><path d="${BOLT}" fill="#ffcc33"/></g>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">${tile}${bolt}</svg>`;
}

const ICONS = [
  { file: 'icons/icon-192.png', size: 192, purpose: 'any' },
  { file: 'icons/icon-512.png', size: 512, purpose: 'any' },
  { file: 'icons/icon-maskable-512.png', size: 512, purpose: 'maskable' },
] as const;

const SCREENSHOTS = [
  { from: 'docs/screenshots/app.png', file: 'screenshots/app.png', label: 'Generating images on this device', form_factor: 'wide' },
  { from: 'docs/screenshots/models.png', file: 'screenshots/models.png', label: 'Models stored on this device', form_factor: 'narrow' },
] as const;

const pngSize = (bytes: Buffer) => {
  const png = PNG.sync.read(bytes);
  return `${png.width}x${png.height}`;
};

export function appManifest(): Partial<ManifestOptions> {
  return {
    name: 'SDXL Lightning Web',
    short_name: 'SDXL Lightning',
    description: 'Text-to-image, image-to-image and inpainting with SDXL-Lightning, entirely on your GPU. Works offline; prompts and images never leave the device.',
    start_url: './',
    scope: './',
    id: './',
    display: 'standalone',
    theme_color: THEME,
    background_color: BACKGROUND,
    icons: ICONS.map(({ file, size, purpose }) => ({ src: file, sizes: `${size}x${size}`, type: 'image/png', purpose })),
    screenshots: SCREENSHOTS.map(({ from, file, label, form_factor }) => ({
      src: file, sizes: pngSize(readFileSync(join(ROOT, from))), type: 'image/png', label, form_factor,
    })),
  };
}

/** Emits the icons and screenshots into the build (they are files of the site, not of the repo). */
export function appIcons(): Plugin {
  return {
    name: 'app-icons',
    apply: 'build',
    generateBundle() {
      for (const { file, size, purpose } of ICONS) {
        const png = new Resvg(iconSvg(purpose), { fitTo: { mode: 'width', value: size } }).render().asPng();
        this.emitFile({ type: 'asset', fileName: file, source: png });
      }
      for (const { from, file } of SCREENSHOTS) this.emitFile({ type: 'asset', fileName: file, source: readFileSync(join(ROOT, from)) });
    },
  };
}
